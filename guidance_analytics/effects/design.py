"""The comparison design of the follow-up: staggered adoption, matched on what selection used.

Pure numpy / pandas (no workspace, no DuckDB); :mod:`.follow_up` feeds it the workspace's
monthly counts. Part of :mod:`guidance_analytics.effects`.

Design (one *cohort* per guidance month ``g``; each register entry is a case of its month):

1. **Features at t0** for every business, from records before ``g`` only: violations in the 12
   months before (``v12``), in the last 3 months (``v3``), in the 12 months before those
   (``v_prior``), substantiated complaints, inspections and penalties in the 12 months, and the
   risk score of ``g`` when the caller gives one — what the risk ranking and the routing rules
   select on.
2. **Clean controls** (not-yet-treated or never treated): same industry division (``exact``),
   first seen before ``g``, licences running through the post window (or unknown) and not
   cancelled (注销/吊销: a closed business records no violations; closed cases are not
   evaluated either, so both sides are businesses that kept operating), and not under
   guidance in the case's pre window nor within the time guidance acts (``act_months``) before
   it. A control guided *during* the post window is censored at its guidance month and the
   controls still unguided are reweighted by the inverse probability of staying unguided
   (IPCW, hazard by trailing 12-month record): dropping them outright would select controls on
   their post-window record, keeping them would count guided months as unguided.
3. **Common support**: a case is compared only when its risk at t0 lies inside what its
   eligible controls span — for every feature of ``support`` (default the risk score and the
   12-month record) at least ``min_support`` eligible controls are at least as high, and as
   many at least as low. A case riskier than (almost) every unguided business of its division
   is 超出可比范围 and not estimated: no control shows what it would have done unguided, and the
   regression adjustment would only extrapolate from milder businesses (the riskiest records
   are more persistent than a straight line says, so the estimate turns "harmful"). The
   verdicts count these cases (:func:`~guidance_analytics.effects.estimate.verdict`).
4. **Matching**: the ``k`` nearest controls on the standardised features (within ``caliper``
   pooled SDs; ``k`` = 20 by default: the control mean of a case is then much less noisy); a
   case without any is 无可比对照 and not estimated. The matching error left is removed by a
   regression adjustment fitted on the wider neighbourhood of the cases (Abadie–Imbens bias
   correction; least squares, or a Poisson model on log1p counts with ``outcome_model``), so a
   slightly milder control does not pass its regression to the mean off as an effect. Without a
   caliper every case is kept, but a case far from every control is then estimated by
   extrapolating the adjustment: in the simulation benchmark that biased the record- and
   score-selected estimates towards "harmful" (the pre-trend test then usually says no).
5. **Event study**: per 3-month bin ``e`` (−4…−1 before, 0… after) the mean over cases of
   ``y_case − adjusted control mean``; cases of all cohorts are averaged with equal weight
   (Callaway–Sant'Anna's aggregation by group size). The effect is the sum over the post bins
   (violations per case and post window); the pre bins are the pre-trend test (joint Wald with
   the bootstrap covariance).
6. **Intervals**: a cluster bootstrap over businesses — cases' and controls' businesses
   resampled in two strata, a control shared by several cases carries the same weight in each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

#: Feature columns of the matching, in order (``score`` only when scores are given).
FEATURES = ("v12", "v3", "v_prior", "complaints12", "inspections12", "penalties12", "open_referrals")
FEATURE_LABELS = {
    "v12": "前12个月违法问题数",
    "v3": "前3个月违法问题数",
    "v_prior": "13–24个月前违法问题数",
    "complaints12": "前12个月属实投诉数",
    "inspections12": "前12个月被检查次数",
    "penalties12": "前12个月行政处罚数",
    "open_referrals": "近6个月移送立案尚未处罚数",
    "score": "风险分",
}


@dataclass
class Panel:
    """Monthly counts of every business: ``counts[outcome]`` is (businesses × months)."""

    business_ids: np.ndarray
    counts: dict[str, np.ndarray]
    #: month number of every business's guidance (register entries), one sorted array per business
    guided: list[np.ndarray]
    division: np.ndarray
    first_month: np.ndarray  # month of the first record (large when unknown)
    operating_until: np.ndarray  # last month licences run to (large when unknown)
    n_months: int
    #: every licence 注销/吊销/撤销 by the cut-off (closed at a date the exports do not give)
    closed: np.ndarray | None = None

    def window(self, outcome: str, start: np.ndarray | int, length: int) -> np.ndarray:
        """Sum of ``outcome`` over months ``[start, start + length)`` of every business (clipped)."""
        y = self.counts[outcome]
        cum = np.concatenate([np.zeros((y.shape[0], 1)), np.cumsum(y, axis=1)], axis=1)
        a = np.clip(np.broadcast_to(start, (y.shape[0],)), 0, self.n_months)
        b = np.clip(a + length, 0, self.n_months)
        rows = np.arange(y.shape[0])
        return cum[rows, b] - cum[rows, a]


@dataclass
class Design:
    """Cases, their matched controls (pairs) and the binned outcomes of both."""

    cases: (
        pd.DataFrame
    )  # case_id, method, unit, g, status (已评估 / 超出可比范围 / 无可比对照), n_controls, support
    bins: list[int]  # event-time bin of each column (…, -1, 0, 1, …)
    bin_months: int
    case_y: dict[str, np.ndarray] = field(default_factory=dict)  # outcome → (cases × bins)
    pair_case: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    pair_unit: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    pair_w: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # pairs × bins
    pair_y: dict[str, np.ndarray] = field(default_factory=dict)  # outcome → (pairs × bins)
    case_x: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    pair_x: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    features: list[str] = field(default_factory=list)
    #: the wider neighbourhood (``fit_controls`` nearest per case) the regression adjustment is fitted on
    fit_x: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    fit_w: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    fit_y: dict[str, np.ndarray] = field(default_factory=dict)
    fit_case: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    balance: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: outcome model of the bias correction: ``poisson`` (log link on log1p counts) or ``linear``
    outcome_model: str = "linear"


def features_at(panel: Panel, g: int, scores: np.ndarray | None = None) -> pd.DataFrame:
    """The matching features of every business at cohort month ``g`` (records before ``g`` only)."""
    out = pd.DataFrame(
        {
            "v12": panel.window("violations", g - 12, 12),
            "v3": panel.window("violations", g - 3, 3),
            "v_prior": panel.window("violations", g - 24, 12),
            "complaints12": panel.window("substantiated_complaints", g - 12, 12),
            "inspections12": panel.window("inspections", g - 12, 12),
            "penalties12": panel.window("penalties", g - 12, 12),
        }
    )
    if "referrals" in panel.counts:  # a 移送立案 not yet followed by its penalty: a violation to come
        out["open_referrals"] = np.maximum(
            panel.window("referrals", g - 6, 6) - panel.window("penalties", g - 6, 6), 0
        )
    if scores is not None:
        out["score"] = np.nan_to_num(np.asarray(scores, dtype=float), nan=0.0)
    return out


#: Status of a case outside the controls' range of risk (see :func:`off_support`).
OFF_SUPPORT = "超出可比范围"
#: Status of a case without any control within the caliper.
NO_CONTROL = "无可比对照"


def off_support(x_controls: np.ndarray, x_case: np.ndarray, columns: list[int], min_support: int) -> int:
    """Index (into ``columns``) of the first feature on which the case lies outside its eligible
    controls' range, or −1 when it is inside (common support).

    Outside: fewer than ``min_support`` controls have a value at least as high as the case's
    (the case is riskier than nearly all of them), or fewer than ``min_support`` at least as low.

    >>> controls = np.array([[0.1, 0], [0.2, 1], [0.3, 2], [0.4, 5]])
    >>> off_support(controls, np.array([0.25, 1]), [0, 1], 2)
    -1
    >>> off_support(controls, np.array([0.35, 1]), [0, 1], 2)  # only one control as risky on column 0
    0
    >>> off_support(controls, np.array([0.2, 6]), [0, 1], 1)  # a record above every control's
    1
    >>> off_support(controls, np.array([np.nan, 1]), [0, 1], 2)  # unscored: judged on the record
    -1
    """
    for k, col in enumerate(columns):
        if not np.isfinite(x_case[col]):
            continue  # no value to compare (a business the risk model did not score)
        v = x_controls[:, col]  # NaN (unscored) controls count on neither side
        if (v >= x_case[col]).sum() < min_support or (v <= x_case[col]).sum() < min_support:
            return k
    return -1


def _guided_between(panel: Panel, lo: int, hi: int) -> np.ndarray:
    """First guidance month of every business within ``[lo, hi)`` (−1 when none)."""
    first = np.full(len(panel.guided), -1)
    for u, months in enumerate(panel.guided):
        if len(months):
            inside = months[(months >= lo) & (months < hi)]
            if len(inside):
                first[u] = inside[0]
    return first


def guidance_hazard(panel: Panel, quiet_months: int, cap: int = 6) -> np.ndarray:
    """Monthly probability of being guided, by trailing 12-month violations (0 … ``cap``+).

    Estimated over every business-month not under guidance in the previous ``quiet_months``:
    the probability a control leaves the comparison, for the censoring weights.
    """
    n_u, n_m = panel.counts["violations"].shape
    guided = np.zeros((n_u, n_m))
    for u, months in enumerate(panel.guided):
        months = months[(months >= 0) & (months < n_m)]
        guided[u, months] = 1
    cum_v = np.concatenate([np.zeros((n_u, 1)), np.cumsum(panel.counts["violations"], axis=1)], axis=1)
    cum_g = np.concatenate([np.zeros((n_u, 1)), np.cumsum(guided, axis=1)], axis=1)
    m = np.arange(n_m)
    v12 = cum_v[:, m] - cum_v[:, np.clip(m - 12, 0, None)]
    recent = cum_g[:, m] - cum_g[:, np.clip(m - quiet_months, 0, None)]
    band = np.minimum(v12, cap).astype(int)
    at_risk = (recent == 0) & (m >= 12)
    h = np.zeros(cap + 1)
    for k in range(cap + 1):
        sel = at_risk & (band == k)
        h[k] = guided[sel].sum() / sel.sum() if sel.sum() else 0.0
    return np.clip(h, 0.0, 0.5)


def _survival(panel: Panel, hazard: np.ndarray, units: np.ndarray, g: int, months: int) -> np.ndarray:
    """Probability of staying unguided from ``g`` through each of the next ``months`` months."""
    cap = len(hazard) - 1
    surv = np.ones((len(units), months))
    s = np.ones(len(units))
    for t in range(months):
        band = np.minimum(panel.window("violations", g + t - 12, 12)[units], cap).astype(int)
        s = s * (1 - hazard[band])
        surv[:, t] = s
    return surv


def build_design(
    panel: Panel,
    cases: pd.DataFrame,
    *,
    window_months: int,
    pre_months: int = 12,
    act_months: int = 12,
    controls_per_case: int = 5,
    caliper: float | None = 1.0,
    exact_division: bool = True,
    scores: dict[int, np.ndarray] | None = None,
    censoring: str = "ipcw",
    fit_controls: int = 50,
    outcome_model: str = "linear",
    support: tuple[str, ...] = (),
    min_support: int = 3,
    seed: int = 0,
) -> Design:
    """Match every case (``case_id``, ``method``, ``unit``, ``g``) to clean controls; bin outcomes.

    ``scores`` maps a cohort month to every business's risk score at that month (optional).
    ``censoring``: ``ipcw`` (default, see the module docstring), ``drop`` (controls guided in the
    post window refused) or ``keep`` (kept, their guided months counted as unguided).
    ``outcome_model``: the regression of the bias correction (see :func:`poisson_fit`).
    ``caliper=None`` keeps every case (its nearest controls, however far, corrected by the model).
    ``support``: features of the common-support check (those present; ``score`` only with
    ``scores``), ``min_support`` its minimum count of eligible controls on either side (see
    :func:`off_support`; ``()`` turns it off).
    Returns a :class:`Design`; ``cases["status"]`` is 已评估, 超出可比范围 (``cases["support"]``
    names the feature: ``score+`` = riskier than nearly every control, ``v12-`` = milder) or 无可比对照.
    """
    bin_months = 3 if window_months % 3 == 0 and pre_months % 3 == 0 else 1
    bins = list(range(-pre_months // bin_months, window_months // bin_months))
    n_bins = len(bins)
    cases = cases.reset_index(drop=True).copy()
    cases["status"] = "已评估"
    cases["n_controls"] = 0
    cases["match_distance"] = np.nan
    cases["support"] = ""
    design = Design(cases=cases, bins=bins, bin_months=bin_months, outcome_model=outcome_model)
    outcomes = [o for o in panel.counts if o != "referrals"]
    rng = np.random.default_rng(seed)
    hazard = guidance_hazard(panel, pre_months + act_months) if censoring == "ipcw" else None
    feats_by_g: dict[int, pd.DataFrame] = {}
    for g in sorted(set(cases["g"])):
        feats_by_g[g] = features_at(panel, g, None if scores is None else scores.get(g))
    names = list(next(iter(feats_by_g.values())).columns) if feats_by_g else list(FEATURES)
    design.features = names
    support_cols = [names.index(f) for f in support if f in names]
    pooled = pd.concat(feats_by_g.values()) if feats_by_g else pd.DataFrame(columns=names)
    sd = np.maximum(pooled[names].std().fillna(1.0).to_numpy(dtype=float), 0.25) if len(pooled) else 1.0
    pairs: list[tuple[int, int, float]] = []
    weights: list[np.ndarray] = []
    fits: list[tuple[int, int, float]] = []
    fit_weights: list[np.ndarray] = []
    case_x = np.zeros((len(cases), len(names)))
    for g, feats in feats_by_g.items():
        x = feats[names].to_numpy(dtype=float)
        x_support = x.copy()  # the raw score: a business left unscored is NaN, not the lowest risk
        if scores is not None and "score" in names and g in scores:
            x_support[:, names.index("score")] = np.asarray(scores[g], dtype=float)
        post_end = g + window_months
        fresh = _guided_between(panel, g - pre_months - act_months, g)
        later = _guided_between(panel, g, post_end)
        ok = (
            (fresh < 0)
            & (panel.first_month < g)
            & (panel.operating_until >= post_end - 1)
            & (later != g)  # guided in the case's month: a case of the same cohort, not a control
        )
        if panel.closed is not None:
            ok &= ~panel.closed
        if censoring == "drop":
            ok &= later < 0
        in_cohort = cases.index[cases["g"] == g]
        ok[cases.loc[in_cohort, "unit"].to_numpy()] = False
        surv = (
            _survival(panel, hazard, np.arange(len(ok)), g, window_months)
            if hazard is not None
            else np.ones((len(ok), window_months))
        )
        for i in in_cohort:
            u = int(cases.at[i, "unit"])
            case_x[i] = x[u]
            cand = ok.copy()
            if exact_division:
                cand &= panel.division == panel.division[u]
            idx = np.flatnonzero(cand)
            if len(idx) == 0:
                cases.at[i, "status"] = NO_CONTROL
                continue
            k = (
                off_support(x_support[idx], x_support[u], support_cols, int(min_support))
                if support_cols
                else -1
            )
            if k >= 0:
                col = support_cols[k]
                side = "+" if (x_support[idx, col] >= x_support[u, col]).sum() < min_support else "-"
                cases.at[i, "status"] = OFF_SUPPORT
                cases.at[i, "support"] = names[col] + side
                continue
            dist = np.sqrt((((x[idx] - x[u]) / sd) ** 2).sum(axis=1))
            order = np.lexsort((rng.random(len(idx)), dist))
            take = order[: int(controls_per_case)]
            if caliper is not None:
                take = take[dist[take] <= caliper]
            if len(take) == 0:
                cases.at[i, "status"] = NO_CONTROL
                continue
            cases.at[i, "n_controls"] = len(take)
            cases.at[i, "match_distance"] = float(dist[take].mean())

            def weight(j: int, share: float, g: int = g, later=later, surv=surv) -> np.ndarray:
                w = np.full(n_bins, share)
                if censoring in ("ipcw", "drop") and later[j] >= 0:
                    for b, e in enumerate(bins):
                        if e >= 0 and later[j] < g + (e + 1) * bin_months:
                            w[b] = 0.0
                if hazard is not None:
                    for b, e in enumerate(bins):
                        if e >= 0 and w[b] > 0:
                            w[b] /= surv[j, (e + 1) * bin_months - 1]
                return w

            for j in idx[take]:
                pairs.append((i, int(j), float(g)))
                weights.append(weight(int(j), 1.0 / len(take)))
            for j in idx[order[: max(int(fit_controls), len(take))]]:
                fits.append((i, int(j), float(g)))
                fit_weights.append(weight(int(j), 1.0))
    design.cases = cases
    design.case_x = case_x
    n_pairs = len(pairs)
    design.pair_case = np.array([p[0] for p in pairs], dtype=int)
    design.pair_unit = np.array([p[1] for p in pairs], dtype=int)
    design.pair_w = np.array(weights).reshape(n_pairs, n_bins)
    pair_g = np.array([int(p[2]) for p in pairs], dtype=int)
    design.pair_x = np.zeros((n_pairs, len(names)))
    fit_unit = np.array([p[1] for p in fits], dtype=int)
    fit_g = np.array([int(p[2]) for p in fits], dtype=int)
    design.fit_case = np.array([p[0] for p in fits], dtype=int)
    design.fit_w = np.array(fit_weights).reshape(len(fits), n_bins)
    design.fit_x = np.zeros((len(fits), len(names)))
    for g, feats in feats_by_g.items():
        sel = pair_g == g
        design.pair_x[sel] = feats[names].to_numpy(dtype=float)[design.pair_unit[sel]]
        design.fit_x[fit_g == g] = feats[names].to_numpy(dtype=float)[fit_unit[fit_g == g]]
    case_units = cases["unit"].to_numpy(dtype=int)
    case_g = cases["g"].to_numpy(dtype=int)
    for o in outcomes:
        design.case_y[o] = np.zeros((len(cases), n_bins))
        design.pair_y[o] = np.zeros((n_pairs, n_bins))
        design.fit_y[o] = np.zeros((len(fits), n_bins))
        for b, e in enumerate(bins):
            for gg in sorted(set(case_g)):
                start = gg + e * bin_months
                sums = panel.window(o, start, bin_months)
                design.case_y[o][case_g == gg, b] = sums[case_units[case_g == gg]]
                sel = pair_g == gg
                design.pair_y[o][sel, b] = sums[design.pair_unit[sel]]
                design.fit_y[o][fit_g == gg, b] = sums[fit_unit[fit_g == gg]]
    design.balance = balance_table(design)
    return design


def balance_table(design: Design) -> pd.DataFrame:
    """Standardised differences of the matching features: cases vs all eligible, vs matched.

    Columns ``feature``, ``label`` (Chinese), ``guided_mean``, ``matched_mean`` (weighted by the
    matching), ``std_diff`` (difference / pooled SD of cases and matched controls; |d| < 0.1 is
    the usual sign of good balance).
    """
    used = design.cases.index[design.cases["status"] == "已评估"]
    rows = []
    if len(used) == 0 or len(design.pair_case) == 0:
        return pd.DataFrame(columns=["feature", "label", "guided_mean", "matched_mean", "std_diff"])
    w0 = design.pair_w[:, 0]
    for k, name in enumerate(design.features):
        xc = design.case_x[used, k]
        xm = design.pair_x[:, k]
        mean_c = float(xc.mean())
        mean_m = float(np.average(xm, weights=w0)) if w0.sum() else np.nan
        var_m = float(np.cov(xm, aweights=w0)) if len(xm) > 1 and w0.sum() > 0 else 0.0
        pooled = np.sqrt((xc.var() + var_m) / 2)
        d = (mean_c - mean_m) / pooled if pooled > 0 else 0.0
        rows.append(
            {
                "feature": name,
                "label": FEATURE_LABELS.get(name, name),
                "guided_mean": mean_c,
                "matched_mean": mean_m,
                "std_diff": float(d),
            }
        )
    return pd.DataFrame(rows)


def bootstrap_weights(
    design: Design, mask: np.ndarray, n_boot: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Cluster-bootstrap weights (replicates × cases, replicates × pairs) over businesses.

    The businesses of the cases in ``mask`` and those of their controls are resampled with
    replacement in two strata; a business drawn ``n`` times weighs ``n`` wherever it appears.
    """
    rng = np.random.default_rng(seed)
    case_units = design.cases["unit"].to_numpy(dtype=int)
    cu = np.unique(case_units[mask])
    in_pairs = mask[design.pair_case]
    pu = np.setdiff1d(np.unique(design.pair_unit[in_pairs]), cu)
    units = np.concatenate([cu, pu])
    counts = np.zeros((n_boot, len(units)))
    if len(cu):
        counts[:, : len(cu)] = rng.multinomial(len(cu), np.ones(len(cu)) / len(cu), size=n_boot)
    if len(pu):
        counts[:, len(cu) :] = rng.multinomial(len(pu), np.ones(len(pu)) / len(pu), size=n_boot)
    pos = {u: k for k, u in enumerate(units)}
    ci = np.array([pos.get(u, 0) for u in case_units])
    pi = np.array([pos.get(u, 0) for u in design.pair_unit])
    return counts[:, ci], counts[:, pi]


def model_matrix(x: np.ndarray, features: list[str]) -> np.ndarray:
    """Design matrix of the Poisson outcome model: intercept, ``log1p`` of every count feature,
    the risk score as it is (a probability).

    >>> model_matrix(np.array([[0.0, 0.5], [3.0, 0.1]]), ["v12", "score"]).round(3).tolist()
    [[1.0, 0.0, 0.5], [1.0, 1.386, 0.1]]
    """
    cols = [np.log1p(np.maximum(x[:, k], 0.0)) if f != "score" else x[:, k] for k, f in enumerate(features)]
    return np.column_stack([np.ones(len(x)), *cols]) if len(cols) else np.ones((len(x), 1))


def poisson_fit(
    a: np.ndarray, y: np.ndarray, w: np.ndarray, ridge: float = 1e-3, iters: int = 30
) -> np.ndarray:
    """Weighted Poisson regression (log link) by iteratively reweighted least squares.

    A small ridge on the slopes keeps a feature that never varies (or separates) finite. On
    log1p counts the fitted mean is ``exp(b0) · Π (1 + x_k)^{b_k}``: linear in a count when
    ``b_k = 1``, and free to bend where the worst records are more (or less) persistent than a
    straight line says — the region the guided businesses sit in and the controls thin out.

    >>> a = np.column_stack([np.ones(4), [0.0, 0.0, 1.0, 1.0]])
    >>> np.exp(poisson_fit(a, np.array([1.0, 1.0, 2.0, 2.0]), np.ones(4), ridge=0.0)).round(3).tolist()
    [1.0, 2.0]
    """
    beta = np.zeros(a.shape[1])
    beta[0] = np.log(max(float(np.average(y, weights=w)), 1e-6)) if w.sum() > 0 else 0.0
    pen = np.full(a.shape[1], ridge * max(float(w.sum()), 1.0))
    pen[0] = 0.0
    for _ in range(iters):
        eta = np.clip(a @ beta, -20, 8)
        mu = np.exp(eta)
        z = eta + (y - mu) / mu
        ww = w * mu
        lhs = (a * ww[:, None]).T @ a + np.diag(pen)
        new = np.linalg.solve(lhs, (a * ww[:, None]).T @ z)
        if np.max(np.abs(new - beta)) < 1e-8:
            return new
        beta = new
    return beta


def _adjustment(design: Design, outcome: str, b: int, mask: np.ndarray) -> np.ndarray:
    """Bias correction of each pair in bin ``b``: ``μ0(x_case) − μ0(x_control)``.

    μ0 is the outcome model of unguided businesses, fitted on the wider neighbourhood of the
    cases in ``mask`` (their ``fit_controls`` nearest eligible controls, censoring-weighted), so
    that it is estimated over the range the matched controls and the cases span: least squares
    on the counts (``outcome_model="linear"``, default: ``(x_case − x_control) · β``) or a
    Poisson regression on log1p counts (``"poisson"``, :func:`poisson_fit`).
    """
    if len(design.fit_case) == 0:
        return np.zeros(len(design.pair_case))
    w = design.fit_w[:, b] * mask[design.fit_case]
    keep = w > 0
    if keep.sum() <= design.fit_x.shape[1] + 1:
        return np.zeros(len(design.pair_case))
    y = design.fit_y[outcome][keep, b]
    if design.outcome_model == "poisson":
        if y.sum() <= 0:
            return np.zeros(len(design.pair_case))
        beta = poisson_fit(model_matrix(design.fit_x[keep], design.features), y, w[keep])
        mu_case = np.exp(
            np.clip(model_matrix(design.case_x[design.pair_case], design.features) @ beta, -20, 8)
        )
        mu_ctrl = np.exp(np.clip(model_matrix(design.pair_x, design.features) @ beta, -20, 8))
        return mu_case - mu_ctrl
    a = np.column_stack([np.ones(keep.sum()), design.fit_x[keep]])
    sw = np.sqrt(w[keep])
    beta, *_ = np.linalg.lstsq(a * sw[:, None], y * sw, rcond=None)
    gap = design.case_x[design.pair_case] - design.pair_x
    return gap @ beta[1:]


def effect_bins(
    design: Design,
    outcome: str,
    mask: np.ndarray,
    case_w: np.ndarray | None = None,
    pair_w: np.ndarray | None = None,
    adjust: bool = True,
) -> dict[str, np.ndarray]:
    """Per bin: the case mean, the adjusted control mean and their difference.

    Without weights one row of estimates; with bootstrap weights (replicates × cases / pairs)
    one row per replicate. Returns ``case``, ``control``, ``diff`` (replicates × bins).
    """
    n_bins = len(design.bins)
    cw = np.ones((1, len(design.cases))) if case_w is None else case_w
    pw = np.ones((1, len(design.pair_case))) if pair_w is None else pair_w
    cw = cw * mask[None, :]
    onehot = np.zeros((len(design.pair_case), len(design.cases)))
    onehot[np.arange(len(design.pair_case)), design.pair_case] = 1.0
    case_m = np.full((cw.shape[0], n_bins), np.nan)
    ctrl_m = np.full((cw.shape[0], n_bins), np.nan)
    yc, yp = design.case_y[outcome], design.pair_y[outcome]
    for b in range(n_bins):
        adj = _adjustment(design, outcome, b, mask) if adjust else np.zeros(len(design.pair_case))
        w = pw * design.pair_w[:, b][None, :]
        num = (w * (yp[:, b] + adj)[None, :]) @ onehot
        den = w @ onehot
        ok = (den > 0) & (cw > 0)
        wc = np.where(ok, cw, 0.0)
        tot = wc.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            ctrl = np.where(ok, num / np.where(den > 0, den, 1), 0.0)
            case_m[:, b] = (wc * yc[:, b][None, :]).sum(axis=1) / np.where(tot > 0, tot, np.nan)
            ctrl_m[:, b] = (wc * ctrl).sum(axis=1) / np.where(tot > 0, tot, np.nan)
    return {"case": case_m, "control": ctrl_m, "diff": case_m - ctrl_m}


def wald_p(point: np.ndarray, draws: np.ndarray) -> float:
    """p-value of the joint test that every element of ``point`` is 0 (bootstrap covariance)."""
    draws = draws[np.all(np.isfinite(draws), axis=1)]
    if len(draws) < 10 or not np.all(np.isfinite(point)):
        return float("nan")
    cov = np.atleast_2d(np.cov(draws, rowvar=False))
    stat = float(point @ np.linalg.pinv(cov) @ point)
    df = int(np.linalg.matrix_rank(cov))
    return float(stats.chi2.sf(stat, df)) if df > 0 else float("nan")


def placebo_design(design: Design) -> Design:
    """Pseudo-cases: each evaluated case's nearest control (unguided through the window) takes the
    case's place and is compared with the case's other controls. Nobody was guided, so the
    estimate should be 0; a clear difference means the matching or the adjustment is off.
    """
    n_bins, n_feat = len(design.bins), len(design.features)
    rows: list[dict] = []
    case_x: list[np.ndarray] = []
    case_y: dict[str, list[np.ndarray]] = {o: [] for o in design.case_y}
    pair_idx: list[int] = []
    pair_case: list[int] = []
    fit_idx: list[int] = []
    fit_case: list[int] = []
    for i in design.cases.index[design.cases["status"] == "已评估"]:
        mine = np.flatnonzero(design.pair_case == i)
        if len(mine) < 2 or (design.pair_w[mine[0]] == 0).any():
            continue
        first, rest = mine[0], mine[1:]
        near = np.flatnonzero(design.fit_case == i)
        fit_idx += list(near)
        fit_case += [len(rows)] * len(near)
        pair_case += [len(rows)] * len(rest)
        pair_idx += list(rest)
        rows.append({**design.cases.loc[i].to_dict(), "unit": int(design.pair_unit[first])})
        case_x.append(design.pair_x[first])
        for o in design.case_y:
            case_y[o].append(design.pair_y[o][first])
    idx = np.array(pair_idx, dtype=int)
    out = Design(
        cases=pd.DataFrame(rows, columns=design.cases.columns),
        bins=design.bins,
        bin_months=design.bin_months,
        outcome_model=design.outcome_model,
    )
    out.features = list(design.features)
    out.case_x = np.array(case_x, dtype=float).reshape(len(rows), n_feat)
    out.case_y = {o: np.array(v, dtype=float).reshape(len(rows), n_bins) for o, v in case_y.items()}
    out.pair_case = np.array(pair_case, dtype=int)
    out.pair_unit = design.pair_unit[idx]
    out.pair_w = design.pair_w[idx].reshape(len(idx), n_bins)
    out.pair_x = design.pair_x[idx].reshape(len(idx), n_feat)
    out.pair_y = {o: design.pair_y[o][idx].reshape(len(idx), n_bins) for o in design.pair_y}
    fi = np.array(fit_idx, dtype=int)
    out.fit_case = np.array(fit_case, dtype=int)
    out.fit_x = design.fit_x[fi].reshape(len(fi), n_feat)
    out.fit_w = design.fit_w[fi].reshape(len(fi), n_bins)
    out.fit_y = {o: design.fit_y[o][fi].reshape(len(fi), n_bins) for o in design.fit_y}
    return out


def summarise(
    design: Design,
    outcome: str,
    mask: np.ndarray,
    *,
    window_months: int,
    pre_months: int,
    n_boot: int,
    seed: int,
    level: float = 0.95,
) -> dict[str, Any]:
    """Point estimates and bootstrap intervals of one outcome over the cases in ``mask``."""
    bins = np.array(design.bins)
    post, pre = bins >= 0, bins < 0
    point = effect_bins(design, outcome, mask)
    case_pre = float(np.nansum(point["case"][0, pre]) * window_months / pre_months)
    case_post = float(np.nansum(point["case"][0, post]))
    ctrl_pre = float(np.nansum(point["control"][0, pre]) * window_months / pre_months)
    ctrl_post = float(np.nansum(point["control"][0, post]))
    out: dict[str, Any] = {
        "guided_pre": case_pre,
        "guided_post": case_post,
        "control_pre": ctrl_pre,
        "control_post": ctrl_post,
        "naive_change": case_post - case_pre,
        "control_change": ctrl_post - ctrl_pre,
        "estimate": case_post - ctrl_post,
        "did": (case_post - case_pre) - (ctrl_post - ctrl_pre),
        "relative_change": (case_post - ctrl_post) / ctrl_post if ctrl_post > 0 else np.nan,
        "pre_diffs": point["diff"][0, pre],
        "bins": point,
    }
    tail = (1 - level) / 2 * 100
    nan2 = (np.nan, np.nan)
    out.update(
        dict.fromkeys(
            ["ci_low", "ci_high", "rel_ci_low", "rel_ci_high", "naive_ci_low", "naive_ci_high"], np.nan
        )
    )
    out["pretrend_p"] = np.nan
    out["boot"] = None
    if mask.sum() >= 2 and n_boot > 0:
        cw, pw = bootstrap_weights(design, mask, n_boot, seed)
        draws = effect_bins(design, outcome, mask, cw, pw)
        est = np.nansum(draws["diff"][:, post], axis=1)
        ctrl = np.nansum(draws["control"][:, post], axis=1)
        naive = (
            np.nansum(draws["case"][:, post], axis=1)
            - np.nansum(draws["case"][:, pre], axis=1) * window_months / pre_months
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(ctrl > 0, est / ctrl, np.nan)

        def interval(x: np.ndarray) -> tuple[float, float]:
            x = x[np.isfinite(x)]
            return tuple(np.percentile(x, [tail, 100 - tail])) if len(x) else nan2

        out["ci_low"], out["ci_high"] = interval(est)
        out["rel_ci_low"], out["rel_ci_high"] = interval(rel)
        out["naive_ci_low"], out["naive_ci_high"] = interval(naive)
        out["pretrend_p"] = wald_p(point["diff"][0, pre], draws["diff"][:, pre])
        out["boot"] = draws
    return out
