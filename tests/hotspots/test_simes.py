"""The weighted Simes combination of a cell's tests: by hand, its level, and in the decision."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_decisions import DETECT, MONTHS, OPTS, panel, rise_panel

from guidance_analytics.hotspots import flag_hotspots
from guidance_analytics.hotspots.detect import detect_aberrations, weighted_simes


def test_weighted_simes_by_hand():
    # r_j = p_j / s_j sorted: 0.01, 0.02, 0.03 -> min(0.01 / 1, 0.02 / 2, 0.03 / 3) = 0.01
    assert weighted_simes(np.array([[0.03, 0.01, 0.02]]))[0] == pytest.approx(0.01)
    # three equal ratios: a third of Bonferroni's
    assert weighted_simes(np.array([[0.006, 0.006, 0.006]]))[0] == pytest.approx(0.002)
    # one small test, the others large: Bonferroni's min r (invalid tests = NaN are left out)
    assert weighted_simes(np.array([[0.004, np.nan, 0.9]]))[0] == pytest.approx(0.004)
    assert np.isnan(weighted_simes(np.array([[np.nan, np.nan]]))[0])
    # never above the weighted Bonferroni min_j r_j
    r = np.random.default_rng(0).uniform(0, 2, (500, 3))
    assert (weighted_simes(r) <= r.min(axis=1) + 1e-15).all()


def test_weighted_simes_keeps_its_level_for_a_month_and_the_windows_holding_it():
    # a cell's tests as the decision makes them: the month's count, the sums of the last 2 and 3
    # months (exact Poisson p-values, mean 10 a month), a window only when each of its months is
    # above the mean; shares 0.5 / 0.25 / 0.25. Under the null the combined p-value is at most alpha
    # with probability at most alpha (Simes under positive dependence).
    rng = np.random.default_rng(11)
    n, mu = 200_000, 10.0
    y = rng.poisson(mu, (n, 3)).astype(float)  # columns: t-2, t-1, t
    p1 = stats.poisson.sf(y[:, 2] - 1, mu)
    p2 = np.where((y[:, 1:] > mu).all(axis=1), stats.poisson.sf(y[:, 1:].sum(axis=1) - 1, 2 * mu), np.nan)
    p3 = np.where((y > mu).all(axis=1), stats.poisson.sf(y.sum(axis=1) - 1, 3 * mu), np.nan)
    ratios = np.column_stack([p1 / 0.5, p2 / 0.25, p3 / 0.25])
    simes = weighted_simes(ratios)
    bonf = np.nanmin(ratios, axis=1)
    for alpha in (0.01, 0.05):
        rate = (simes <= alpha).mean()
        assert rate <= alpha + 3 * np.sqrt(alpha / n), (alpha, rate)
        assert rate >= (bonf <= alpha).mean()  # and it rejects at least as often as Bonferroni


def test_decision_combines_the_tests_by_simes_when_asked():
    # 甲 runs at 17 a month (others ~12) from month 38: in month 39 the month (p ~0.09) and the
    # 2-month sum (p ~0.03) are both small; no flag anywhere at this budget, so no restart
    p = rise_panel(level=17)
    tiny = {**OPTS, "false_flags": 1e-6}
    simes = flag_hotspots(p, **{**tiny, "combine": "simes"}).set_index(["field", "period_start"])
    bonf = flag_hotspots(p, **{**tiny, "combine": "bonferroni"}).set_index(["field", "period_start"])
    assert not simes["flagged"].any() and not bonf["flagged"].any()
    det = detect_aberrations(
        pd.DataFrame(
            {"series": p["field"], "period": p["period_start"], "count": p["observed"].astype(float)}
        ).assign(exposure=p["exposure"]),
        freq="M",
        alpha=0.01,
        min_count=0,
        windows=(2, 3),
        **DETECT,
    ).set_index(["series", "period"])
    m = 6  # six townships evaluated each month, weight 1 each
    checked = 0
    for t in range(38, 42):
        d = det.loc[("甲", MONTHS[t])]
        counts = p.loc[p["field"] == "甲", "observed"].to_numpy()[t - 2 : t + 1]
        exps = det.loc["甲"]["expected"].to_numpy()[t - 2 : t + 1]
        above = counts > exps
        r = [d["p_value"] / 0.5 if counts[-1] >= OPTS["min_count"] else np.nan]
        for w in (2, 3):
            valid = above[-w:].all() and d[f"observed_w{w}"] >= OPTS["min_count"]
            r.append(d[f"p_w{w}"] / 0.25 if valid else np.nan)
        r = np.array(r)
        by_hand = min(x / (i + 1) for i, x in enumerate(np.sort(r[np.isfinite(r)])))
        got = simes.loc[("甲", MONTHS[t]), "p_adjusted"]
        assert got == pytest.approx(m * by_hand, rel=1e-9)
        assert bonf.loc[("甲", MONTHS[t]), "p_adjusted"] == pytest.approx(m * np.nanmin(r), rel=1e-9)
        checked += int(np.isfinite(r).sum() > 1)
    assert checked >= 2  # months where Simes had more than one test to combine
    # month 39: smaller than Bonferroni's by the second test
    assert simes.loc[("甲", MONTHS[39]), "p_adjusted"] < 0.9 * bonf.loc[("甲", MONTHS[39]), "p_adjusted"]
    # at a budget between the two, Simes flags the rise in month 39 and Bonferroni does not
    mid = float(
        np.sqrt(simes.loc[("甲", MONTHS[39]), "p_adjusted"] * bonf.loc[("甲", MONTHS[39]), "p_adjusted"])
    )
    s_mid = flag_hotspots(p, **{**OPTS, "false_flags": mid, "combine": "simes"})
    b_mid = flag_hotspots(p, **{**OPTS, "false_flags": mid, "combine": "bonferroni"})
    pick = (s_mid["field"] == "甲") & (s_mid["period_start"] == MONTHS[39])
    assert s_mid.loc[pick, "flagged"].item() and not b_mid.loc[pick, "flagged"].item()
    assert s_mid.loc[pick, "test"].item() == "连续2个月"  # named by its strongest test


def test_bonferroni_is_the_default_and_combine_is_checked():
    p = rise_panel(level=17)
    a = flag_hotspots(p, **{k: v for k, v in OPTS.items() if k != "combine"})
    b = flag_hotspots(p, **{**OPTS, "combine": "bonferroni"})
    assert a["p_adjusted"].equals(b["p_adjusted"])
    with pytest.raises(ValueError, match="combine"):
        flag_hotspots(panel({"甲": {"observed": np.full(48, 10)}}), **{**OPTS, "combine": "holm"})
