"""Hotspots: the periods and fields where violations or complaints are unusually frequent.

Pipeline: a count panel per field and period (DuckDB, :mod:`~guidance_analytics.hotspots.panels`)
→ the prospective detector (:func:`guidance_analytics.hotspots.detect.detect_aberrations`) per field,
with a one-period test and window tests over the last 2 and 3 periods → the decision across all the
fields of a period → the effort check for violations (:mod:`~guidance_analytics.hotspots.effort`) →
the finest level carrying each flag (:mod:`~guidance_analytics.hotspots.levels`) → Chinese reasons.

What a flag means (exactly)
---------------------------
Tests per field and period ``k`` (each from that field's own history up to ``k``, see the detector):

``单月``       the count of ``k`` against its predictive distribution (``p_value``);
``连续w个月``  the sum of the last ``w`` periods (``windows``, default 2 and 3) against the sum of their
               expectations, when each of those periods is above its expectation and none of the
               earlier ones in the window was flagged already (after a flag the window tests start
               afresh, as a CUSUM is reset after an alarm: a past spike does not make its following
               months "a sustained rise");
``累积和L个月`` the negative-binomial GLR-CUSUM (``glr_share`` > 0,
               :func:`~guidance_analytics.hotspots.detect.glr_pvalues`): the likelihood ratio of a
               κ-fold mean over the last ``L`` periods, maximised over κ ≥ 1 and the change point
               (``L`` up to ``glr_window``, never reaching back to a flag of the field), with a Monte
               Carlo p-value under the baseline; ``L`` is the window that maximised it.

Every test needs at least ``min_count`` events (in its period or window).

``flagged`` (default, ``false_flags``): the number of tests of a period is the number ``m`` of fields
evaluated in it (at every level, a parent that merely repeats its only child counted once; parents
weigh ``parent_weight``). The single-period test of a field runs at ``single_share × λ × w / m``, the
GLR-CUSUM at ``glr_share × λ × w / m`` and each window test at
``(1 - single_share - glr_share) × λ × w / m / len(windows)``, ``λ = false_flags``. The levels add up
to λ per period, so **the expected number of false flags a period is at most λ whatever the number
of fields and whatever their dependence** (the expected count of false rejections of a weighted
Bonferroni procedure is the sum of its levels). This is what people using the list care about:
how many of the cells shown each month are noise, independently of how many real hotspots there are
(Benjamini–Hochberg controls the *share* of false flags and lets their number grow with the number
of true ones). ``p_adjusted`` is the λ at which the cell would just be flagged (flagged ⇔
``p_adjusted <= false_flags``). ``combine="simes"`` combines a cell's tests by the weighted Simes test
instead of the weighted Bonferroni (never larger, same level for positively dependent tests: see
:func:`~guidance_analytics.hotspots.detect.weighted_simes`). With ``fdr`` given, the cell's combined
p-value enters Benjamini–Hochberg across the fields of the period instead (``q_value``; ``q_value``
is always reported); with ``alpha`` given, every field's tests share ``alpha`` (no
adjustment across fields).

Then, for violations, a flag **explained by effort** (more inspections at the usual failure rate)
is marked ``effort_explained`` and not flagged; a parent flagged in a period where one of its
descendants is flagged is not flagged again (the finest level carries it; its row names the
parents in ``parents``). ``upper`` is the count above which the single-period test flags the cell
(``alarm``: above it with enough events).

Decisions are prospective: a period's flag uses only data up to that period, so flags of earlier
periods never change when later data arrive. The period holding the last day of the data is not
evaluated while it is incomplete (``partial``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, rules
from .detect import (
    benjamini_hochberg,
    detect_aberrations,
    glr_pvalues,
    one_blas_thread,
    upper_bound,
    weighted_simes,
)
from .effort import EFFORT_COLUMNS, effort_check
from .levels import carried_by_descendant, parent_names, same_as_child, standardised_exposure
from .panels import LICENCE_DIMENSIONS, MEASURES, field_labels, hotspot_panel, industry_parents, parse_by

__all__ = [
    "EXTRA_COLUMNS",
    "FLAG_OPTIONS",
    "OUTPUT_COLUMNS",
    "TEST_LABELS",
    "find_episodes",
    "flag_hotspots",
    "hotspot_episodes",
    "hotspots",
    "period_label",
]

OUTPUT_COLUMNS = [
    "by",
    "field",
    "period_start",
    "period_end",
    "observed",
    "expected",
    "upper",
    "exposure",
    "rate_ratio",
    "p_value",
    "q_value",
    "flagged",
    "reason",
]
EXTRA_COLUMNS = [
    "field_label",
    "level",
    "parents",
    "test",
    "window",
    "observed_window",
    "expected_window",
    "p_adjusted",
    "effort_explained",
    "inspections",
    "failure_rate",
    "failure_rate_expected",
    "alarm",
    "partial",
    "method",
    "measure",
    "phi",
    "phi_raw",
    "se_log_expected",
    "phi_df",
]
#: window length → name of the test in reasons and tables
TEST_LABELS = {
    0: "",
    1: "单月",
    2: "连续2个月",
    3: "连续3个月",
    4: "连续4个月",
    5: "连续5个月",
    6: "连续6个月",
}
#: keywords of the decision (``config/hotspots.toml`` ``[flags]`` and ``[effort]``), not of the detector
FLAG_OPTIONS = (
    "false_flags",
    "single_share",
    "windows",
    "glr_share",
    "glr_window",
    "glr_sims",
    "combine",
    "parent_weight",
    "parent_exposure",
    "effort",
    "effort_p",
    "rate_p",
)


def period_label(start: pd.Timestamp, freq: str) -> str:
    """Chinese name of a period: ``2024年7月``, ``2024年第3季度``, ``2024年第27周（7月1日起）``.

    >>> period_label(pd.Timestamp("2024-07-01"), "Q")
    '2024年第3季度'
    """
    start = pd.Timestamp(start)
    if freq == "Q":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    if freq == "W":
        iso = start.isocalendar()
        return f"{iso.year}年第{iso.week}周（{start.month}月{start.day}日起）"
    return f"{start.year}年{start.month}月"


@one_blas_thread  # the detector's tiny fits and the bounds: a second BLAS thread only costs
def flag_hotspots(
    panel: pd.DataFrame,
    freq: str = "M",
    start: Any = None,
    alpha: float | None = None,
    fdr: float | None = None,
    measure: str = "violations",
    *,
    false_flags: float = 0.25,
    single_share: float = 0.5,
    windows: tuple[int, ...] | list[int] = (2, 3),
    glr_share: float = 0.0,
    glr_window: int = 6,
    glr_sims: int = 2000,
    combine: str = "bonferroni",
    parent_weight: float = 1.0,
    parent_exposure: str = "standardised",
    min_count: int = 5,
    effort: bool = True,
    effort_p: float = 0.05,
    rate_p: float | str = "flag",
    effort_source: Callable[[], pd.DataFrame] | None = None,
    **detect_kwargs: Any,
) -> pd.DataFrame:
    """Run the tests on a hotspot panel and decide the flags (no workspace needed; module docstring).

    Parameters
    ----------
    panel : pandas.DataFrame
        Columns ``by``, ``field``, ``period_start``, ``period_end``, ``observed``, ``exposure``
        (``NaN`` = none) and optionally ``field_label``, ``level``, ``parent``, ``inspections``,
        ``inspection_problems``, ``partial`` — as returned by ``hotspot_panel``.
    freq : ``"W"``, ``"M"`` or ``"Q"``.
    start : the period holding this date is the first one evaluated and returned (earlier periods are
        history only); ``None`` = all.
    alpha : every field's tests share this level (no adjustment across fields); ``None`` = the
        ``false_flags`` rule.
    fdr : Benjamini–Hochberg level across the fields of a period instead of the ``false_flags`` rule.
    measure : names the events in the reasons (see ``panels.MEASURES``); ``"violations"`` enables the
        effort check.
    false_flags : the expected number of false flags a period (λ) the levels add up to.
    single_share : share of a field's level given to its single-period test (the rest is split
        evenly over the window tests).
    windows : lengths of the window tests (periods); ``()`` = single periods only.
    glr_share : share of a field's level given to the negative-binomial GLR-CUSUM
        (:func:`~guidance_analytics.hotspots.detect.glr_pvalues`; 0 = off); the window tests share
        what the single-period test and the GLR-CUSUM leave.
    glr_window : the GLR-CUSUM's longest window (its change point at most this many periods back).
    glr_sims : draws of its Monte Carlo p-value per cell.
    combine : how a cell's tests make its p-value: ``"simes"`` (weighted Simes,
        :func:`~guidance_analytics.hotspots.detect.weighted_simes`: never above the weighted
        Bonferroni, smaller when several tests are small together) or ``"bonferroni"``
        (``min_j p_j / s_j``).
    parent_weight : weight of a parent field's tests relative to a finest-level field's.
    parent_exposure : ``"standardised"`` (a parent's licences weighted by its classes' own rates per
        licence before the period, :func:`~guidance_analytics.hotspots.levels.standardised_exposure`:
        a change in the mix of its classes is not a parent hotspot) or ``"licences"`` (the plain sum).
    min_count : a test needs at least this many events in its period or window.
    effort, effort_p, rate_p : the effort check of :mod:`~guidance_analytics.hotspots.effort`
        (``rate_p="flag"``: the failure rate must be significant at the level of the test that flagged
        the cell). The inspections come from the panel's ``inspections`` / ``inspection_problems``
        columns, or, when it has none, from ``effort_source()`` (called only if something is flagged):
        a panel with ``field``, ``period_start``, ``observed`` (problem inspections) and ``exposure``
        (inspections), such as the ``inspection_failure_rate`` panel of the same fields.
    **detect_kwargs : passed to ``detect_aberrations`` (e.g. ``baseline``, ``threshold_method``).

    Returns
    -------
    pandas.DataFrame
        ``OUTPUT_COLUMNS`` then ``EXTRA_COLUMNS``: ``field_label``, ``level``, ``parents`` (the
        parents' names, top first), ``test`` (``单月`` / ``连续2个月`` … of the flag, '' otherwise),
        ``window`` (its periods, 0 when none fired), ``observed_window``, ``expected_window`` (sums
        over it), ``p_adjusted``, ``effort_explained``, ``inspections``, ``failure_rate``,
        ``failure_rate_expected`` (over the test's periods, for checked flags), ``alarm``, ``partial``,
        ``method``, ``measure``, ``phi`` (the baseline's dispersion, floored at 1), ``phi_raw`` (its
        estimate), ``se_log_expected``, ``phi_df`` (what the predictive distribution of the count is
        made of, e.g. for the scan's null). Sorted by period and field.
        Exposure is ``NaN`` where none was used; for the model a licence exposure is floored at 1 (a
        field without active licences is compared with its own counts). For the failure rate a
        period without inspections is a missing observation (not evaluated, not in any baseline).
    """
    freq = freq.upper()
    columns = OUTPUT_COLUMNS + EXTRA_COLUMNS
    if parent_exposure not in ("standardised", "licences"):
        raise ValueError(f"parent_exposure must be 'standardised' or 'licences', not {parent_exposure!r}")
    if panel.empty:
        return _empty_result(columns)
    windows = tuple(sorted({int(w) for w in windows if int(w) > 1}))
    df = _with_defaults(panel.reset_index(drop=True))
    if start is not None:  # the period holding ``start`` is the first one reported
        start = pd.Timestamp(start).to_period({"W": "W-SUN", "M": "M", "Q": "Q"}[freq]).start_time
    multi = bool((df["by"] == "industry").all())
    rate = measure == "inspection_failure_rate"
    exp = pd.to_numeric(df["exposure"], errors="coerce")
    count = df["observed"].astype(float)
    if rate:  # no inspection = no information on the rate: a missing observation
        model_exp = exp.where(exp > 0)
        count = count.where(model_exp.notna())
        model_exp = model_exp.where(model_exp.notna().groupby(df["field"]).transform("any"), 1.0)
    else:  # licences: at least one, so a field without licences is compared with its own counts
        if multi and parent_exposure == "standardised":  # the parents' offsets follow their classes' mix
            exp = pd.Series(standardised_exposure(df, exp.to_numpy(float)), index=exp.index)
        model_exp = exp.clip(lower=1.0).fillna(1.0)
    same = same_as_child(df) if multi else {}
    tested = ~df["field"].isin(same).to_numpy()
    det_in = pd.DataFrame(
        {"series": df["field"], "period": df["period_start"], "count": count, "exposure": model_exp}
    )[tested]
    kw = {**detect_kwargs, "min_count": 0, "windows": windows}
    glr = {"share": float(glr_share), "window": int(glr_window), "sims": int(glr_sims)}
    if glr["share"] > 0 and glr["window"] < 1:
        raise ValueError("glr_window must be at least 1")
    share = single_share if windows or glr["share"] > 0 else 1.0
    if glr["share"] < 0 or share + glr["share"] > 1 + 1e-12:
        raise ValueError("single_share + glr_share must be at most 1")
    if combine not in ("simes", "bonferroni"):
        raise ValueError(f"combine must be 'simes' or 'bonferroni', not {combine!r}")
    level = share * alpha if alpha is not None else 0.01
    own_bound = alpha is None and fdr is None  # the bound is recomputed at each cell's level below
    res = detect_aberrations(
        det_in, freq=freq, alpha=level, evaluate_from=start, compute_upper=not own_bound, **kw
    )
    cols = ["expected", "p_value", "method", "phi", "phi_raw", "se_log_expected", "phi_df"]
    cols += [f"{c}_w{w}" for w in windows for c in ("observed", "expected", "p")]
    # column by column in numpy (a frame filled through .loc with an object array took 0.1-0.3 s)
    values = {c: np.full(len(df), np.nan) for c in cols if c != "method"}
    values["method"] = np.full(len(df), "none", dtype=object)
    got = res.reindex(columns=cols)  # a column the detector did not return stays NaN
    for c, v in values.items():
        v[tested] = got[c].to_numpy(dtype=object if c == "method" else float)
    if same:  # a parent repeating its only child gets the child's statistics
        pos = pd.Series(df.index, index=pd.MultiIndex.from_arrays([df["field"], df["period_start"]]))
        dup = np.flatnonzero(~tested)
        src = pos.reindex(
            pd.MultiIndex.from_arrays([df["field"].iloc[dup].map(same), df["period_start"].iloc[dup]])
        )
        for v in values.values():
            v[dup] = v[src.to_numpy()]
    stats_ = pd.DataFrame({c: values[c] for c in cols}, index=df.index)
    ok = (stats_["method"] != "none").to_numpy() & ~df["partial"].to_numpy(bool)
    if start is not None:
        ok &= (df["period_start"] >= start).to_numpy()
    parent = (
        multi & ~df["level"].astype(str).isin(["class"]).to_numpy() & (df["field"] != "（未知）").to_numpy()
    )
    weight = np.where(parent, parent_weight, 1.0)
    family = (
        pd.Series(np.where(ok & tested, weight, 0.0)).groupby(df["period_start"].to_numpy()).transform("sum")
    )
    m = family.to_numpy()
    if alpha is not None:
        budget = np.full(len(df), float(alpha))
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            budget = np.where(m > 0, false_flags * weight / m, np.nan)
    a1 = share * budget
    decision = _sequential_tests(
        df, stats_, ok & tested, count.to_numpy(float), windows, budget, min_count, share, fdr, glr, combine
    )
    stat = decision["stat"]
    window = decision["window"]
    fired_share = decision["share"]
    # effort: a violation flag that more inspections at the usual failure rate explain
    eff = pd.DataFrame({c: np.full(len(df), np.nan) for c in EFFORT_COLUMNS})
    eff["effort_explained"] = False
    if effort and measure == "violations" and stat.any() and df["inspections"].isna().all() and effort_source:
        src_panel = effort_source()
        if src_panel is not None and not src_panel.empty:
            got = df[["field", "period_start"]].merge(
                src_panel[["field", "period_start", "observed", "exposure"]],
                on=["field", "period_start"],
                how="left",
            )
            # no inspection recorded in a cell of a field that has inspections: zero of each
            has = got.groupby("field")["exposure"].transform(lambda x: x.notna().any())
            df["inspections"] = got["exposure"].where(~has | got["exposure"].notna(), 0.0).to_numpy(float)
            df["inspection_problems"] = (
                got["observed"].where(~has | got["observed"].notna(), 0.0).to_numpy(float)
            )
    if effort and measure == "violations" and df["inspections"].notna().any():
        if rate_p == "flag":  # the level at which the test that fired flagged the cell
            flag_level = fired_share * (budget if fdr is None else fdr * weight / np.where(m > 0, m, np.nan))
        else:
            flag_level = np.full(len(df), float(rate_p))
        eff = effort_check(
            df,
            stat,
            window.astype(float),
            model_exp,
            freq,
            # the effort check sums the periods of the test that fired (a window or the GLR's)
            {**detect_kwargs, "windows": tuple(sorted({*windows, *np.unique(window[window > 1])}))},
            effort_p=effort_p,
            rate_p=flag_level,
        )
    explained = eff["effort_explained"].to_numpy(bool)
    flagged = stat & ~explained
    carrier = carried_by_descendant(df, flagged) if multi else np.full(len(df), "", dtype=object)
    flagged &= carrier == ""
    out = df.copy()
    out["expected"] = stats_["expected"].where(ok)
    show = ok & np.isfinite(out["expected"].to_numpy(float))
    upper = np.full(len(df), np.nan)
    if alpha is None and fdr is None and show.any():  # the count above which the single test flags
        upper[show] = upper_bound(
            stats_["expected"].to_numpy(float)[show],
            stats_["phi"].to_numpy(float)[show],
            stats_["phi_raw"].to_numpy(float)[show],
            stats_["se_log_expected"].to_numpy(float)[show],
            stats_["phi_df"].to_numpy(float)[show],
            a1[show],
            detect_kwargs.get("threshold_method", "nbPlugin"),
            # exact where the count is within reach of the bound; elsewhere it decides nothing
            exact=stats_["p_value"].to_numpy(float)[show] < 0.2,
        )
    else:  # the detector's bound at its level (alpha's single-test share, or 0.01 with fdr)
        upper[tested] = pd.to_numeric(res["upper"], errors="coerce").to_numpy(float)
        if same:
            upper[~tested] = upper[src.to_numpy()]
        upper[~show] = np.nan
    out["upper"] = upper
    out["p_value"] = stats_["p_value"].where(ok)
    for c in ("phi", "phi_raw", "se_log_expected", "phi_df"):
        out[c] = stats_[c].where(ok)
    out["method"] = np.where(ok, stats_["method"].astype(str), "none")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate_ratio"] = np.where(out["expected"] >= 0.01, count / out["expected"], np.nan)
    out["q_value"] = decision["q"]
    out["p_adjusted"] = (
        decision["p_field"] * np.where(weight > 0, m / weight, np.nan)
        if alpha is None
        else decision["p_field"]
    )
    out["alarm"] = show & (count.to_numpy(float) > upper) & (count.to_numpy(float) >= min_count)
    out["window"] = np.where(stat, window, 0).astype(int)
    is_glr = stat & decision["glr"]
    out["test"] = [
        (f"累积和{int(w)}个月" if g else TEST_LABELS.get(int(w), f"连续{int(w)}个月")) if s else ""
        for w, s, g in zip(window, stat, is_glr, strict=True)
    ]
    obs_w = np.full(len(df), np.nan)
    exp_w = np.full(len(df), np.nan)
    for w in windows:
        pick = stat & (window == w) & ~is_glr
        obs_w[pick] = stats_[f"observed_w{w}"].to_numpy(float)[pick]
        exp_w[pick] = stats_[f"expected_w{w}"].to_numpy(float)[pick]
    obs_w[is_glr] = decision["glr_observed"][is_glr]
    exp_w[is_glr] = decision["glr_expected"][is_glr]
    one = stat & (window == 1) & ~is_glr
    obs_w[one], exp_w[one] = count.to_numpy(float)[one], out["expected"].to_numpy(float)[one]
    out["observed_window"], out["expected_window"] = obs_w, exp_w
    out["effort_explained"] = explained
    for c in ("failure_rate", "failure_rate_expected"):
        out[c] = eff[c].to_numpy(float)
    if not rate:
        out["inspections"] = np.where(
            stat & np.isfinite(eff["inspections"].to_numpy(float)), eff["inspections"], df["inspections"]
        )
    out["flagged"] = flagged
    out["measure"] = measure
    # one label per field (lists, not Series: iterating an Arrow string column costs 0.1-0.2 s here)
    fields_once = df.drop_duplicates("field")
    labels = dict(zip(fields_once["field"].tolist(), fields_once["field_label"].tolist(), strict=True))
    if multi:
        keys = {p for f in df["field"].unique() for p in industry_parents(f)} - set(labels)
        if keys:
            extra = pd.Series(sorted(keys))
            labels.update(dict(zip(extra, field_labels("industry", extra), strict=True)))
        out["parents"] = parent_names(df["field"], labels).to_numpy()
    else:
        out["parents"] = ""
    out["reason"] = _reasons(
        out,
        freq,
        measure,
        fdr,
        alpha,
        false_flags,
        min_count,
        same,
        carrier,
        eff,
        labels,
        count.to_numpy(float),
    )
    if start is not None:
        out = out[(out["period_start"] >= start).to_numpy()]
    return out[columns].sort_values(["period_start", "field"], ignore_index=True)


def _with_defaults(df: pd.DataFrame) -> pd.DataFrame:
    """The optional panel columns, when a hand-built panel lacks them."""
    df = df.copy()
    defaults = {
        "field_label": df["field"],
        "level": df["by"],
        "parent": None,
        "inspections": np.nan,
        "inspection_problems": np.nan,
        "partial": False,
    }
    for col, value in defaults.items():
        if col not in df.columns:
            df[col] = value
    df["partial"] = df["partial"].fillna(False).astype(bool)
    return df


def _sequential_tests(
    df, st, ok, count, windows, budget, min_count, share, fdr, glr=None, combine="bonferroni"
):
    """The tests period by period (window tests restart after a flag); flags, windows and p-values.

    Each valid test ``j`` of a cell has a share ``s_j`` of the cell's level (``share`` for the single
    period, ``glr["share"]`` for the GLR-CUSUM, what remains split evenly over the windows);
    ``p_field = min_j p_j / s_j`` (weighted Bonferroni; with ``combine="simes"`` the weighted Simes
    ``min_i r_(i) / i`` of the sorted ``r_j = p_j / s_j``). The cell is flagged when
    ``p_field <= budget`` (every test at its share of the level), or with ``fdr`` when the
    Benjamini–Hochberg q-value of ``p_field`` across the period's cells is at most ``fdr``; the test
    that fired is the one reaching ``p_field``. After a flag, the window tests and the GLR-CUSUM
    start afresh (no window reaches back to a flagged period), as a CUSUM is reset after an alarm.

    Returns ``stat`` (flagged by the tests), ``window`` (1 = single period, w = the window that
    fired or the GLR's window, 0 = none), ``glr`` (the GLR-CUSUM fired), ``glr_observed`` and
    ``glr_expected`` (its window's sums), ``share`` (the share of the test that fired), ``p_field``
    and ``q``, aligned with ``df``.
    """
    f_codes, f_names = pd.factorize(df["field"])
    t_codes, t_names = pd.factorize(df["period_start"], sort=True)
    T, F = len(t_names), len(f_names)

    def grid(values, fill=np.nan):
        g = np.full((T, F), fill, dtype=float)
        g[t_codes, f_codes] = values
        return g

    OK = grid(ok.astype(float), 0.0) > 0
    Y = grid(count)
    E = grid(st["expected"].to_numpy(float))
    P1 = grid(st["p_value"].to_numpy(float))
    B = grid(budget)
    above = np.nan_to_num(Y) > np.nan_to_num(E, nan=np.inf)
    run = np.zeros((T, F))  # periods in a row above their expectation, up to and including t
    for t in range(T):
        run[t] = np.where(above[t], (run[t - 1] if t else 0) + 1, 0)
    PW = {w: grid(st[f"p_w{w}"].to_numpy(float)) for w in windows}
    OW = {w: grid(st[f"observed_w{w}"].to_numpy(float)) for w in windows}
    s_g = float(glr["share"]) if glr else 0.0
    s_w = (1 - share - s_g) / max(len(windows), 1)
    G = None
    if s_g > 0:
        known = grid(st["expected"].to_numpy(float))
        G = glr_pvalues(
            np.where(np.isfinite(known), Y, np.nan),
            known,
            grid(st["phi"].to_numpy(float)),
            grid(st["phi_raw"].to_numpy(float)),
            grid(st["se_log_expected"].to_numpy(float)),
            grid(st["phi_df"].to_numpy(float)),
            OK,
            [str(x) for x in f_names],
            [str(x) for x in t_names],
            max_window=glr["window"],
            n_sim=glr["sims"],
        )
    stat = np.zeros((T, F), dtype=bool)
    win = np.zeros((T, F))
    fired_glr = np.zeros((T, F), dtype=bool)
    fired_share = np.zeros((T, F))
    g_obs = np.full((T, F), np.nan)
    g_exp = np.full((T, F), np.nan)
    pfield = np.full((T, F), np.nan)
    q = np.full((T, F), np.nan)
    last = np.full(F, -(10**9))
    cols = np.arange(F)
    for t in range(T):
        okt = OK[t]
        p1 = np.where(okt & (np.nan_to_num(Y[t]) >= min_count), P1[t], np.nan)
        comb = p1 / share if share > 0 else np.full(F, np.nan)
        best = np.where(np.isfinite(comb), 1, 0)
        sh = np.where(np.isfinite(comb), share, 0.0)
        is_g = np.zeros(F, dtype=bool)
        ratios = [comb]  # p_j / s_j of every valid test of the cell (NaN = not valid)
        for w in windows:
            if s_w <= 0:
                break
            valid = okt & (t - w + 1 > last) & (run[t] >= w) & (np.nan_to_num(OW[w][t]) >= min_count)
            r = np.where(valid, PW[w][t], np.nan) / s_w
            ratios.append(r)
            better = np.isfinite(r) & ~(r >= np.nan_to_num(comb, nan=np.inf))
            best = np.where(better, w, best)
            sh = np.where(better, s_w, sh)
            comb = np.where(better, r, comb)
        if G is not None:  # windows of at most t - last periods (restarted after a flag)
            n_max = np.clip(t - last, 1, glr["window"]).astype(int) - 1
            pg = G["p"][t, cols, n_max]
            length = G["length"][t, cols, n_max]
            obs = G["observed"][t, cols, n_max]
            valid = okt & np.isfinite(pg) & (np.nan_to_num(obs) >= min_count)
            r = np.where(valid, pg, np.nan) / s_g
            ratios.append(r)
            better = np.isfinite(r) & ~(r >= np.nan_to_num(comb, nan=np.inf))
            best = np.where(better, length, best)
            sh = np.where(better, s_g, sh)
            is_g = better
            comb = np.where(better, r, comb)
            g_obs[t] = np.where(better, obs, np.nan)
            g_exp[t] = np.where(better, G["expected"][t, cols, n_max], np.nan)
        if combine == "simes" and len(ratios) > 1:
            simes = weighted_simes(np.column_stack(ratios))
            # the test with the smallest p_j / s_j names the flag; its share is the level it met
            with np.errstate(divide="ignore", invalid="ignore"):
                sh = np.where(np.isfinite(simes) & (simes > 0), sh * comb / simes, sh)
            comb = simes
        comb = np.minimum(comb, 1.0)
        pfield[t] = np.where(okt, comb, np.nan)
        q[t] = benjamini_hochberg(pfield[t])
        hit = okt & ((q[t] <= fdr) if fdr is not None else (comb <= B[t]))
        stat[t] = hit
        win[t] = np.where(hit, best, 0)
        fired_glr[t] = hit & is_g
        fired_share[t] = np.where(hit, sh, 0.0)
        last = np.where(hit, t, last)
    return {
        "stat": stat[t_codes, f_codes],
        "window": win[t_codes, f_codes].astype(int),
        "glr": fired_glr[t_codes, f_codes],
        "glr_observed": g_obs[t_codes, f_codes],
        "glr_expected": g_exp[t_codes, f_codes],
        "share": fired_share[t_codes, f_codes],
        "p_field": pfield[t_codes, f_codes],
        "q": q[t_codes, f_codes],
    }


def _empty_result(columns: list[str]) -> pd.DataFrame:
    text = {"by", "field", "reason", "field_label", "level", "parents", "test", "method", "measure"}
    types = {
        "period_start": "datetime64[us]",
        "period_end": "datetime64[us]",
        "observed": "int64",
        "window": "int64",
        **dict.fromkeys(("flagged", "alarm", "partial", "effort_explained"), bool),
    }
    return pd.DataFrame(
        {c: pd.Series(dtype=types.get(c, "str" if c in text else "float64")) for c in columns}
    )


def _reasons(out, freq, measure, fdr, alpha, false_flags, min_count, same, carrier, eff, labels, count):
    """The Chinese reason of every row (what the cell shows and why it is or is not a hotspot)."""
    noun, unit = MEASURES.get(measure, ("事件", "件"))
    rate = measure == "inspection_failure_rate"
    n = len(out)
    text = np.full(n, "在预期范围内", dtype=object)
    method = out["method"].to_numpy()
    expected = out["expected"].to_numpy(float)
    none = (method == "none") | ~np.isfinite(expected)
    text[none] = "历史数据不足，未评估"
    text[none & ~np.isfinite(count)] = (
        "本期没有检查，发现问题率无从计算，未评估" if rate else "无数据，未评估"
    )
    text[out["partial"].to_numpy(bool)] = "本期尚未结束（数据不完整），未评估"
    if same:
        child = out["field"].map(same)
        dup = (child.notna() & ~out["partial"] & np.isfinite(expected)).to_numpy()
        names = child[dup].map(lambda k: f"与其唯一的下级领域 {labels.get(k, k)} 相同，见该领域")
        text[dup] = names.to_numpy()
    stat = out["window"].to_numpy() > 0
    # a month right after a window flag of the same field, still above its expectation: the window
    # tests restart after a flag, so a sustained rise is flagged every other month
    prev = out.groupby("field")["window"].shift(1).fillna(0).to_numpy()
    after = (prev > 1) & ~stat & ~none & (count > expected)
    text[after] = [
        f"{period_label(p_, freq)} {lab} {noun} {int(c)} {unit}，预期 {e:.1f} {unit}；与上月起的连续偏高相接（上月已列为热点）"
        for p_, lab, c, e in zip(
            out["period_start"][after], out["field_label"][after], count[after], expected[after], strict=True
        )
    ]
    todo = np.flatnonzero((stat | out["alarm"].to_numpy(bool)) & ~none)
    rows = out.iloc[todo]
    for i, r, car in zip(todo, rows.itertuples(index=False), carrier[todo], strict=True):
        obs = count[i]
        head = f"{period_label(r.period_start, freq)} {r.field_label} {noun} {int(obs)} {unit}"
        if rate and np.isfinite(r.exposure) and r.exposure > 0:
            head += f"（共检查 {int(r.exposure)} 次，发现问题率 {obs / r.exposure:.0%}）"
        ratio = f"为预期的 {r.rate_ratio:.1f} 倍" if np.isfinite(r.rate_ratio) else "此前几乎没有此类记录"
        if str(r.test).startswith("累积和"):  # the GLR-CUSUM: the window that maximised it
            w_ratio = r.observed_window / r.expected_window if r.expected_window >= 0.01 else np.nan
            w_text = f"为预期的{w_ratio:.1f}倍" if np.isfinite(w_ratio) else "此前几乎没有此类记录"
            since = r.period_start - pd.DateOffset(months=int(r.window) - 1) if freq == "M" else None
            span = (
                f"自{period_label(since, freq)}起{r.window}个月" if since is not None else f"近{r.window}期"
            )
            body = (
                f"{head}；{span}持续偏高（累积和检验），合计 {r.observed_window:.0f} {unit}，{w_text}"
                f"（预期合计 {r.expected_window:.1f} {unit}）"
            )
        elif r.window > 1:
            w_ratio = r.observed_window / r.expected_window if r.expected_window >= 0.01 else np.nan
            w_text = f"为预期的{w_ratio:.1f}倍" if np.isfinite(w_ratio) else "此前几乎没有此类记录"
            body = (
                f"{head}；连续{r.window}个月高于预期，合计 {r.observed_window:.0f} {unit}，{w_text}"
                f"（预期合计 {r.expected_window:.1f} {unit}）"
            )
        else:
            body = f"{head}，预期 {r.expected:.1f} {unit}（上限 {r.upper:.0f}），{ratio}"
        if r.parents:
            body += f"（所属：{r.parents}）"
        if r.flagged:
            text[i] = body
        elif r.effort_explained:
            e = eff.iloc[i]
            text[i] = (
                f"{body}；但同期检查 {e.inspections:.0f} 次，未发现问题的检查也是平常的 {e.clean_ratio:.1f} 倍，"
                f"每次检查发现问题的比例 {e.failure_rate:.0%}（以往约 {e.failure_rate_expected:.0%}）并无异常："
                "增多可由检查力度（如专项检查）解释，不列为违法热点"
            )
        elif car:
            text[i] = f"{body}；已由下级领域 {labels.get(car, car)} 列为热点"
        elif not stat[i]:
            if obs < min_count:
                text[i] = f"{body}；超出上限但件数过少（不足 {min_count} {unit}），不列为热点"
            elif fdr is not None and alpha is None:
                text[i] = f"{body}；但与同期其他领域一并校正后不显著（q={r.q_value:.2f} > {fdr}），不列为热点"
    return text


def _defaults(ws: WorkspaceLike, kwargs: dict[str, Any], freq: str = "M") -> dict[str, Any]:
    """The caller's options, completed from ``config/hotspots.toml`` (weekly panels: with the
    ``[detect_weekly]`` overrides); an option the caller gives always wins."""
    cfg = rules(ws, "hotspots")
    merged = {**cfg.get("detect", {}), **cfg.get("flags", {}), **cfg.get("effort", {})}
    if freq.upper() == "W":
        merged.update(cfg.get("detect_weekly", {}))
    for key, value in merged.items():
        if kwargs.get(key) is None:
            kwargs[key] = value
    return kwargs


def hotspots(
    ws: WorkspaceLike,
    measure: str = "violations",
    by: str | tuple[str, ...] = "industry",
    freq: str = "M",
    start: Any = None,
    end: Any = None,
    alpha: float | None = None,
    fdr: float | None = None,
    *,
    substantiated: bool = False,
    exposure: str | None = "auto",
    request_types: list[str] | None = None,
    include_penalties: bool = True,
    min_count: int | None = None,
    **detect_options: Any,
) -> pd.DataFrame:
    """Flag fields and periods where a measure is unusually high (see the module docstring).

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace (``guidance_analytics.Workspace`` or any :class:`~guidance_analytics.core.WorkspaceLike`).
    measure : str
        ``"violations"``, ``"complaints"``, ``"substantiated_complaints"``, ``"inspection_failure_rate"``
        (problems per inspection: the effort-adjusted view of violations).
    by : str or tuple of str
        ``"industry"`` (every GB/T 4754 level: section, division, group and class, each flag carried
        by the finest one), ``"industry_section"``, ``"industry_division"``, ``"industry_class"``
        (one level), ``"permit_item"``, ``"township"``, ``"violation_type"``, ``"complaint_category"``
        or a pair (``"industry×township"``: division × township).
    freq : str
        ``"W"``, ``"M"`` or ``"Q"``.
    start : date-like, optional
        First period reported (earlier data is history only); ``None`` = every period.
    end : date-like, optional
        Last day of data used; ``None`` = all data. The period holding it is not evaluated if incomplete.
    alpha : float, optional
        Give every field's tests this level with no adjustment across fields (default: the
        ``false_flags`` rule of ``config/hotspots.toml``).
    fdr : float, optional
        Benjamini–Hochberg across the fields of a period at this level instead of the ``false_flags`` rule.
    substantiated : bool
        Complaints only 属实 / 部分属实, counted from the day the verdict was known.
    exposure : {"auto", None}
        ``"auto"``: active licences (or inspections for the failure rate) as exposure; ``None``: plain counts.
    request_types : list of str, optional
        Complaints only these 诉求类型 (e.g. ``["投诉", "举报"]``).
    include_penalties : bool
        Violations also count penalty decisions.
    min_count : int, optional
        A test needs at least this many events in its period or window (default from the config: 5).
    **detect_options
        ``false_flags`` (expected false flags a period, default 0.25), ``single_share``, ``windows``,
        ``parent_weight``, ``effort``, ``effort_p``, ``rate_p`` (see :func:`flag_hotspots`) or any
        keyword of :func:`~guidance_analytics.hotspots.detect.detect_aberrations` (``baseline``,
        ``threshold_method`` …); defaults from ``config/hotspots.toml``.

    Returns
    -------
    pandas.DataFrame
        ``by, field, period_start, period_end, observed, expected, upper, exposure, rate_ratio, p_value,
        q_value, flagged, reason`` then ``field_label, level, parents, test, window, observed_window,
        expected_window, p_adjusted, effort_explained, inspections, failure_rate,
        failure_rate_expected, alarm, partial, method, measure, phi, phi_raw, se_log_expected, phi_df``
        (see :func:`flag_hotspots`).

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> hotspots(ws, "violations", "industry").columns[:4].tolist()
    ['by', 'field', 'period_start', 'period_end']
    """
    options = _defaults(ws, {"min_count": min_count, **detect_options}, freq)
    options.pop("alpha", None), options.pop("fdr", None)
    # violations by licence attributes: the inspections of every cell are counted in the same scan as
    # the violations (for the effort check; one pass over the inspections, not a second one)
    effort = bool(options.get("effort", True)) and measure == "violations" and not substantiated
    panel = hotspot_panel(
        ws,
        measure,
        by,
        freq=freq,
        end=end,
        substantiated=substantiated,
        exposure=exposure,
        request_types=request_types,
        include_penalties=include_penalties,
        effort=effort and all(d in LICENCE_DIMENSIONS for d in parse_by(by)),
    )
    named = "substantiated_complaints" if substantiated else measure
    return flag_hotspots(panel, freq=freq, start=start, alpha=alpha, fdr=fdr, measure=named, **options)


def find_episodes(hot: pd.DataFrame, max_gap: int = 0) -> pd.DataFrame:
    """Merge contiguous flagged periods of each field into episodes.

    Parameters
    ----------
    hot : the result of :func:`hotspots` / :func:`flag_hotspots` (all periods, not only flagged ones).
    max_gap : unflagged periods allowed between two flagged ones of the same episode.

    Returns
    -------
    pandas.DataFrame
        ``by, field, field_label, start, end`` (first period's start, last period's end), ``n_periods``
        (flagged periods), ``n_span`` (periods covered), ``observed``, ``expected`` (sums over the covered
        periods), ``rate_ratio``, ``peak_period``, ``peak_observed``, ``peak_ratio`` (flagged period with the
        highest ratio), ``min_q``, ``ongoing`` (reaches the last period of the panel), ``reason``; sorted
        by ``start`` then field.
    """
    cols = [
        "by",
        "field",
        "field_label",
        "start",
        "end",
        "n_periods",
        "n_span",
        "observed",
        "expected",
        "rate_ratio",
        "peak_period",
        "peak_observed",
        "peak_ratio",
        "min_q",
        "ongoing",
        "reason",
    ]
    if hot.empty or not hot["flagged"].any():
        return pd.DataFrame(columns=cols)
    df = hot.sort_values(["by", "field", "period_start"], ignore_index=True)
    if "field_label" not in df.columns:
        df["field_label"] = df["field"]
    df["pos"] = df.groupby(["by", "field"]).cumcount()
    last_pos = df.groupby(["by", "field"])["pos"].transform("max")
    freq = _infer_freq(df)
    rows = []
    for (by, field), g in df.groupby(["by", "field"], sort=False):
        flagged_pos = g.loc[g["flagged"], "pos"].to_numpy()
        if flagged_pos.size == 0:
            continue
        breaks = np.flatnonzero(np.diff(flagged_pos) > max_gap + 1)
        for seg in np.split(flagged_pos, breaks + 1):
            span = g[(g["pos"] >= seg[0]) & (g["pos"] <= seg[-1])]
            flagged = span[span["flagged"]]
            peak = flagged.loc[flagged["rate_ratio"].fillna(0).idxmax()]
            obs, exp_ = float(span["observed"].sum()), float(span["expected"].sum())
            rows.append(
                {
                    "by": by,
                    "field": field,
                    "field_label": g["field_label"].iloc[0],
                    "start": span["period_start"].iloc[0],
                    "end": span["period_end"].iloc[-1],
                    "n_periods": len(flagged),
                    "n_span": len(span),
                    "observed": obs,
                    "expected": exp_,
                    "rate_ratio": obs / exp_ if exp_ >= 0.01 else np.nan,
                    "peak_period": peak["period_start"],
                    "peak_observed": int(peak["observed"]),
                    "peak_ratio": float(peak["rate_ratio"]),
                    "min_q": float(flagged["q_value"].min()),
                    "ongoing": bool(seg[-1] == last_pos.loc[g.index].iloc[0]),
                    "last_start": span["period_start"].iloc[-1],
                }
            )
    out = pd.DataFrame(rows)
    unit = MEASURES.get(str(df["measure"].iloc[0]) if "measure" in df.columns else "", ("", "件"))[1]
    out["reason"] = [_episode_reason(r, freq, unit) for r in out.itertuples(index=False)]
    return out[cols].sort_values(["start", "field"], ignore_index=True)


def _episode_reason(r: Any, freq: str, unit: str = "件") -> str:
    first, last = period_label(r.start, freq), period_label(r.last_start, freq)
    when = first if r.n_span == 1 else f"自{first}至{last}连续 {r.n_span} 期"
    peak = f"为预期的 {r.peak_ratio:.1f} 倍" if np.isfinite(r.peak_ratio) else "此前几乎没有此类记录"
    text = (
        f"{r.field_label} {when}偏高（其中 {r.n_periods} 期列为热点），共 {r.observed:.0f} {unit}，"
        f"预期 {r.expected:.1f} {unit}；峰值在{period_label(r.peak_period, freq)}"
        f"（{r.peak_observed} {unit}，{peak}）"
    )
    return text + ("，目前仍在持续" if r.ongoing else "")


def _infer_freq(df: pd.DataFrame) -> str:
    days = (df["period_end"] - df["period_start"]).dt.days.median()
    return "W" if days < 10 else ("M" if days < 40 else "Q")


def hotspot_episodes(
    ws: WorkspaceLike,
    measure: str = "violations",
    by: str | tuple[str, ...] = "industry",
    max_gap: int | None = None,
    freq: str = "M",
    start: Any = None,
    end: Any = None,
    alpha: float | None = None,
    fdr: float | None = None,
    *,
    substantiated: bool = False,
    exposure: str | None = "auto",
    request_types: list[str] | None = None,
    include_penalties: bool = True,
    min_count: int | None = None,
    **detect_options: Any,
) -> pd.DataFrame:
    """Episodes of contiguous flagged periods of :func:`hotspots` (see :func:`find_episodes`).

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    max_gap : int, optional
        Unflagged periods allowed inside one episode (default ``[episodes] max_gap`` in
        ``config/hotspots.toml``: 0).
    measure, by, freq, start, end, alpha, fdr, substantiated, exposure, request_types, \
include_penalties, min_count, **detect_options
        As in :func:`hotspots`.

    Returns
    -------
    pandas.DataFrame
        ``by, field, field_label, start, end, n_periods, n_span, observed, expected, rate_ratio,
        peak_period, peak_observed, peak_ratio, min_q, ongoing, reason`` (see :func:`find_episodes`).

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> hotspot_episodes(ws).empty
    True
    """
    if max_gap is None:
        max_gap = int(rules(ws, "hotspots").get("episodes", {}).get("max_gap", 0))
    hot = hotspots(
        ws,
        measure,
        by,
        freq,
        start,
        end,
        alpha,
        fdr,
        substantiated=substantiated,
        exposure=exposure,
        request_types=request_types,
        include_penalties=include_penalties,
        min_count=min_count,
        **detect_options,
    )
    return find_episodes(hot, max_gap=max_gap)
