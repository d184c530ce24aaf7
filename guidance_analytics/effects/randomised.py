"""The randomised route: drawn vs not drawn in the risk-weighted draws, reweighted by design.

Every risk-weighted draw recorded in ``guidance_draws`` (migration 006, written with the review
file) keeps its whole pool — drawn and not drawn, each with its inclusion probability ``π``.
Being drawn is then random given ``π``, so the Hajek (ratio Horvitz–Thompson) difference

    Σ_drawn y/π / Σ_drawn 1/π  −  Σ_not drawn y/(1−π) / Σ_not drawn 1/(1−π)

estimates without bias (up to O(1/n)) the effect of being drawn, averaged over the pool: the
intention-to-treat effect (drawn-but-declined rows stay drawn, 是否采纳 = 否). Rows with π = 1
(chosen for certain) or π = 0 carry no comparison and are left out. ``y`` is the post-window
violation count minus β · (pre-draw covariates − their mean): the W months before the draw,
the W months before those and the risk score of the draw (β by weighted least squares on the
not-drawn rows, :func:`adjustment`; a precision gain, not a source of bias: the covariates are
fixed before the draw). Draws are strata, combined by pool size; ``se`` is the linearisation
clustered by business.

The test and the interval do not rest on that normal approximation: with few drawn businesses
and skewed counts it is too narrow (4 of 12 small no-effect worlds of the effects benchmark were
"significant"). They come from the design itself (Fisher randomisation inference): the recorded
draw is repeated ``randomisation_draws`` times with the same inclusion probabilities (the same
randomised systematic PPS, :func:`~guidance_analytics.targeting.systematic_draw`, per stratum),
the adjusted estimate recomputed each time; ``p_value`` is the two-sided share of re-draws at
least as extreme under "being drawn changed no one's count", and the interval collects every
constant effect τ that such a test does not reject (test inversion, :func:`randomisation_inference`).
Part of :mod:`guidance_analytics.effects`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, rules
from ..targeting import systematic_draw
from .design import Panel
from .estimate import ALL_METHODS, verdict

RANDOMISED_COLUMNS = [
    "method",
    "n_draws",
    "n_pool",
    "n_drawn",
    "n_adopted",
    "n_declined",
    "mean_drawn",
    "mean_not_drawn",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "relative_change",
    "pre_difference",
    "verdict",
    "reason",
    "interpretation",
]


#: the pre-draw covariates the adjustment can use (``adjustment_covariates`` of the effects rules),
#: by name — all counted before the draw month
COVARIATES: dict[str, str] = {
    "pre": "violations in the W months before the draw",
    "earlier": "violations in the W months before those",
    "score": "the risk score recorded with the draw",
    "history": "violations in the months from 36 before the draw to 2W before it",
    "inspections": "inspections in the 12 months before the draw",
    "complaints": "substantiated complaints in the 12 months before the draw",
}
DEFAULT_COVARIATES = ("pre", "earlier", "score")


def _row_window(panel: Panel, outcome: str, unit: np.ndarray, start: np.ndarray, length: int) -> np.ndarray:
    """``outcome`` of business ``unit[i]`` summed over months ``[start[i], start[i] + length)``
    (clipped to the panel), one value per row.

    >>> p = Panel(np.array(["a"]), {"violations": np.array([[1.0, 2.0, 3.0, 4.0]])}, [np.zeros(0, int)],
    ...           np.array([""]), np.zeros(1), np.full(1, 99), 4)
    >>> _row_window(p, "violations", np.array([0, 0, 0]), np.array([-1, 1, 3]), 2).tolist()
    [1.0, 5.0, 4.0]
    """
    y = panel.counts[outcome]
    cum = np.concatenate([np.zeros((y.shape[0], 1)), np.cumsum(y, axis=1)], axis=1)
    a = np.clip(np.asarray(start, dtype=int), 0, panel.n_months)
    b = np.clip(np.asarray(start, dtype=int) + int(length), 0, panel.n_months)
    return cum[unit, b] - cum[unit, a]


def draw_covariates(
    panel: Panel, unit: np.ndarray, month: np.ndarray, score: np.ndarray, window_months: int, names: list[str]
) -> np.ndarray:
    """The pre-draw covariates ``names`` (see :data:`COVARIATES`) of each pool row: rows × names.

    Every column is fixed before the draw (records of months before the draw month, the
    recorded score), so any adjustment on them leaves the design-based contrast unbiased.
    """
    w = int(window_months)
    cols = []
    for name in names:
        if name == "pre":
            cols.append(_row_window(panel, "violations", unit, month - w, w))
        elif name == "earlier":
            cols.append(_row_window(panel, "violations", unit, month - 2 * w, w))
        elif name == "score":
            cols.append(np.asarray(score, dtype=float))
        elif name == "history":
            cols.append(_row_window(panel, "violations", unit, month - 36, max(36 - 2 * w, 0)))
        elif name == "inspections":
            cols.append(_row_window(panel, "inspections", unit, month - 12, 12))
        elif name == "complaints":
            cols.append(_row_window(panel, "substantiated_complaints", unit, month - 12, 12))
        else:
            raise ValueError(f"unknown adjustment covariate {name!r}; known: {', '.join(COVARIATES)}")
    return np.column_stack(cols) if cols else np.zeros((len(unit), 0))


def hajek_itt(
    y: np.ndarray,
    drawn: np.ndarray,
    pi: np.ndarray,
    stratum: np.ndarray,
    cluster: np.ndarray | None,
    *,
    variance: bool = True,
    target: str = "pool",
) -> dict[str, float]:
    """Stratified Hajek difference drawn − not drawn and its cluster-robust standard error
    (``variance=False``: the estimate alone, ``se`` NaN and ``cluster`` unused — the re-draws of
    :func:`randomisation_inference` need only the estimate).

    ``target="pool"`` (the ITT over the pool): drawn rows weighted 1/π, not drawn 1/(1−π), draws
    combined by pool size. ``target="drawn"`` (the effect on the drawn): drawn rows weighted 1,
    not drawn π/(1−π) (the odds, so they stand for what the drawn would have done undrawn),
    draws combined by their expected number drawn Σπ. Both are design-based: only π and the
    draw enter the weights.

    >>> y = np.array([1.0, 3.0, 2.0, 4.0])
    >>> r = hajek_itt(y, np.array([True, False, True, False]), np.full(4, 0.5), np.zeros(4), np.arange(4))
    >>> round(float(r["estimate"]), 3)
    -2.0
    >>> y = np.array([4.0, 0.0, 2.0, 1.0])     # drawn: (4 + 1) / 2; not drawn: odds 1 and 0.25
    >>> d, pi = np.array([True, False, False, True]), np.array([0.5, 0.5, 0.2, 0.2])
    >>> round(float(hajek_itt(y, d, pi, np.zeros(4), None, variance=False, target="drawn")["estimate"]), 3)
    2.1
    """
    if target not in ("pool", "drawn"):
        raise ValueError(f"target must be 'pool' or 'drawn', not {target!r}")
    est, phi, m1s, m0s = 0.0, np.zeros(len(y)), 0.0, 0.0
    total = 0.0
    for s in np.unique(stratum):
        k = stratum == s
        d, p, ys = drawn[k], pi[k], y[k]
        if d.sum() == 0 or (~d).sum() == 0:
            continue
        with np.errstate(divide="ignore"):  # π = 0 / 1 rows carry no weight in their own arm
            if target == "pool":
                w1, w0 = np.where(d, 1 / p, 0.0), np.where(~d, 1 / (1 - p), 0.0)
                n = float(k.sum())
            else:
                w1, w0 = np.where(d, 1.0, 0.0), np.where(~d, p / (1 - p), 0.0)
                n = float(p.sum())
        m1, m0 = (w1 * ys).sum() / w1.sum(), (w0 * ys).sum() / w0.sum()
        total += n
        est += n * (m1 - m0)
        m1s += n * m1
        m0s += n * m0
        phi[k] = n * (w1 * (ys - m1) / w1.sum() - w0 * (ys - m0) / w0.sum())
    if total == 0:
        return {"estimate": np.nan, "se": np.nan, "mean_drawn": np.nan, "mean_not_drawn": np.nan}
    se = np.nan
    if variance:
        per = pd.Series(phi / total).groupby(cluster).sum().to_numpy()
        se = float(np.sqrt((per**2).sum()))
    return {
        "estimate": est / total,
        "se": se,
        "mean_drawn": m1s / total,
        "mean_not_drawn": m0s / total,
    }


def adjustment(y: np.ndarray, x: np.ndarray, drawn: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """``(x − x̄) · β`` with β the weighted least-squares slopes of ``y`` on the pre-draw
    covariates ``x`` among the not-drawn rows (weights 1/(1−π)): ANCOVA-style precision.

    The covariates are fixed before the draw, so subtracting any function of them leaves the
    Hajek contrast unbiased (up to O(1/n)); a good β only narrows the interval. Constant columns
    are dropped; fewer than ``columns + 3`` not-drawn rows: no adjustment.

    >>> x = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    >>> y = 2.0 * x[:, 0] + 1.0
    >>> adjustment(y, x, np.array([False] * 5 + [True]), np.full(6, 0.5)).round(3).tolist()
    [-4.0, -2.0, 0.0, 2.0, 4.0, 6.0]
    """
    ctrl = ~drawn
    keep = np.flatnonzero(np.var(x[ctrl], axis=0) > 0) if ctrl.sum() else np.array([], int)
    if ctrl.sum() < len(keep) + 3 or len(keep) == 0:
        return np.zeros(len(y))
    w0 = 1 / (1 - pi[ctrl])
    xc = x[:, keep] - np.average(x[ctrl][:, keep], axis=0, weights=w0)
    a = np.column_stack([np.ones(ctrl.sum()), xc[ctrl]]) * np.sqrt(w0)[:, None]
    beta, *_ = np.linalg.lstsq(a, y[ctrl] * np.sqrt(w0), rcond=None)
    return xc @ beta[1:]


def interacted_adjustment(
    y: np.ndarray, x: np.ndarray, drawn: np.ndarray, pi: np.ndarray, strata: np.ndarray
) -> np.ndarray:
    """Lin's (2013) interacted adjustment: ``(x − x̄ₛ) · β_arm``, one slope vector per arm.

    ``x̄ₛ`` is the mean of the stratum's whole pool (the ITT's population, every row counted
    once); ``β₁`` is fitted on the drawn rows (weights 1/π), ``β₀`` on the not drawn (weights
    1/(1−π)), each by weighted least squares with an intercept. The Hajek contrast of
    ``y − adjustment`` is then, per stratum, the difference of the two arms' regression
    predictions at the pool mean: consistent for the ITT whatever the effect's heterogeneity,
    never less precise asymptotically than the pooled slope (:func:`adjustment`). An arm with
    fewer than ``columns + 3`` rows takes the other arm's slopes; both: no adjustment. Linear in
    ``y`` for a fixed draw, as the test inversion of :func:`randomisation_inference` needs.

    >>> x = np.array([[0.0], [1.0], [2.0], [3.0], [0.0], [1.0], [2.0], [3.0]])
    >>> d = np.array([True] * 4 + [False] * 4)
    >>> y = np.where(d, 3.0 * x[:, 0], 1.0 * x[:, 0])       # slope 3 drawn, 1 not drawn
    >>> interacted_adjustment(y, x, d, np.full(8, 0.5), np.zeros(8)).round(6).tolist()
    [-4.5, -1.5, 1.5, 4.5, -1.5, -0.5, 0.5, 1.5]
    """
    keep = np.flatnonzero(np.var(x, axis=0) > 0) if len(x) else np.array([], int)
    if len(keep) == 0:
        return np.zeros(len(y))
    xs = x[:, keep].astype(float)
    xc = xs.copy()
    for s in np.unique(strata):
        k = strata == s
        xc[k] -= xs[k].mean(axis=0)
    betas: dict[bool, np.ndarray] = {}
    for arm, w in ((True, 1 / pi), (False, 1 / (1 - pi))):
        rows = drawn == arm
        if rows.sum() < len(keep) + 3:
            continue
        a = np.column_stack([np.ones(rows.sum()), xc[rows]]) * np.sqrt(w[rows])[:, None]
        beta, *_ = np.linalg.lstsq(a, y[rows] * np.sqrt(w[rows]), rcond=None)
        betas[arm] = beta[1:]
    if not betas:
        return np.zeros(len(y))
    b1, b0 = betas.get(True, betas.get(False)), betas.get(False, betas.get(True))
    return np.where(drawn, xc @ b1, xc @ b0)


def _adjusted(
    resp: np.ndarray,
    x: np.ndarray,
    d: np.ndarray,
    pi: np.ndarray,
    strata: np.ndarray,
    interacted: bool = False,
    target: str = "pool",
) -> float:
    """The covariate-adjusted stratified Hajek estimate (no variance): linear in ``resp``."""
    adj = interacted_adjustment(resp, x, d, pi, strata) if interacted else adjustment(resp, x, d, pi)
    return hajek_itt(resp - adj, d, pi, strata, None, variance=False, target=target)["estimate"]


def randomisation_inference(
    y: np.ndarray,
    x: np.ndarray,
    drawn: np.ndarray,
    pi: np.ndarray,
    strata: np.ndarray,
    *,
    n_draws: int = 999,
    level: float = 0.95,
    seed: int = 0,
    interacted: bool = False,
    target: str = "pool",
) -> dict[str, float]:
    """Randomisation test of no effect and its inverted interval for the adjusted Hajek estimate.

    The draw is repeated ``n_draws`` times per stratum with the recorded ``pi`` (randomised
    systematic PPS). Under a constant effect τ the counts without guidance are ``y − τ·drawn``;
    the estimate is linear in the counts, so each re-draw ``d*`` gives
    ``T(d*, y) − τ·T(d*, drawn)`` and one set of re-draws serves every τ. ``p_value`` (τ = 0) is
    two-sided (twice the smaller tail, with the observed draw counted); ``ci_low``/``ci_high``
    bound the τ whose p-value exceeds ``1 − level`` on a grid of 801 points over ±8 standard
    deviations of the re-drawn estimates (NaN when nothing varies). ``interacted``: Lin's
    adjustment (:func:`interacted_adjustment`) instead of the pooled slopes; ``target``: the
    weighting of :func:`hajek_itt` (``pool`` or ``drawn``). The test is exact for either: under
    the sharp null every statistic's re-draw distribution is known.

    >>> rng = np.random.default_rng(1)
    >>> pi = np.full(200, 0.25)
    >>> d = systematic_draw(pi, rng)
    >>> y = rng.poisson(2.0, 200) - 1.0 * d      # every drawn business one violation fewer
    >>> r = randomisation_inference(y.astype(float), np.zeros((200, 0)), d, pi, np.zeros(200), seed=2)
    >>> bool(r["ci_low"] < -1.0 < r["ci_high"]), bool(r["p_value"] < 0.05)
    (True, True)
    """
    y, d, pi = np.asarray(y, float), np.asarray(drawn, bool), np.asarray(pi, float)
    rng = np.random.default_rng(seed)
    t = _adjusted(y, x, d, pi, strata, interacted, target)
    s_obs = _adjusted(d.astype(float), x, d, pi, strata, interacted, target)
    a, b = np.empty(n_draws), np.empty(n_draws)
    groups = [np.flatnonzero(strata == s) for s in np.unique(strata)]
    for i in range(n_draws):
        dd = np.zeros(len(y), bool)
        for idx in groups:
            dd[idx] = systematic_draw(pi[idx], rng)
        a[i] = _adjusted(y, x, dd, pi, strata, interacted, target)
        b[i] = _adjusted(d.astype(float), x, dd, pi, strata, interacted, target)
    nan = {"estimate": t, "p_value": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    ok = np.isfinite(a) & np.isfinite(b)
    if not np.isfinite(t) or ok.sum() < 20:
        return nan
    a, b = a[ok], b[ok]

    def p_at(tau: np.ndarray) -> np.ndarray:
        obs = (t - tau * s_obs)[:, None]
        null = a[None, :] - tau[:, None] * b[None, :]
        hi = (1 + (null >= obs - 1e-12).sum(axis=1)) / (len(a) + 1)
        lo = (1 + (null <= obs + 1e-12).sum(axis=1)) / (len(a) + 1)
        return np.minimum(1.0, 2 * np.minimum(hi, lo))

    spread = float(np.std(a))
    if not spread > 0:
        return nan
    grid = t + np.linspace(-8, 8, 801) * spread
    keep = grid[p_at(grid) > 1 - level]
    return {
        "estimate": t,
        "p_value": float(p_at(np.array([0.0]))[0]),
        "ci_low": float(keep.min()) if len(keep) else np.nan,
        "ci_high": float(keep.max()) if len(keep) else np.nan,
    }


def randomised_from_panel(
    ws: WorkspaceLike,
    panel: Panel,
    start: pd.Timestamp,
    index: dict,
    window_months: int,
    as_of: pd.Timestamp,
    n_boot: int = 0,
    seed: int = 0,
    *,
    covariates: list[str] | None = None,
    adjustment_mode: str | None = None,
    target: str | None = None,
) -> pd.DataFrame:
    """The design-based estimate of every recorded draw whose follow-up window has ended.

    Returns one row per action drawn and 全部 (:data:`RANDOMISED_COLUMNS`); empty when no draw
    with a comparison was recorded. ``n_boot`` is unused; ``seed`` seeds the re-draws of the
    randomisation test (``randomisation_draws`` in the effects rules, default 999).
    ``covariates`` (names of :data:`COVARIATES`) and ``adjustment_mode`` (``pooled`` or
    ``interacted``) and ``target`` (``pool``: the ITT over the pool; ``drawn``: the effect on the
    drawn, see :func:`hajek_itt`) override ``adjustment_covariates`` / ``adjustment`` /
    ``randomised_target`` of the effects rules.
    """
    cfg = rules(ws, "effects")["effects"]
    draws = ws.store.query("effects/draws", as_of=as_of.date())
    if draws.empty:
        return pd.DataFrame(columns=RANDOMISED_COLUMNS)
    draws = draws[(draws["inclusion_prob"] > 0) & (draws["inclusion_prob"] < 1)].copy()
    day = pd.to_datetime(draws["as_of"])
    g = np.asarray((day.dt.year - start.year) * 12 + day.dt.month - start.month, dtype=int)
    ends = (
        day.dt.to_period("M").dt.to_timestamp() + pd.DateOffset(months=window_months) - pd.Timedelta(days=1)
    )
    unit = draws["business_id"].astype(str).map(index)
    keep = (ends <= as_of).to_numpy() & unit.notna().to_numpy() & (g - window_months >= 0)
    draws, g, unit = draws[keep].reset_index(drop=True), g[keep], unit[keep].astype(int).to_numpy()
    if draws.empty:
        return pd.DataFrame(columns=RANDOMISED_COLUMNS)
    months = np.asarray(g, dtype=int)
    post = _row_window(panel, "violations", unit, months, window_months)
    pre = _row_window(panel, "violations", unit, months - window_months, window_months)
    score = pd.to_numeric(draws["score"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    names = list(cfg.get("adjustment_covariates", DEFAULT_COVARIATES) if covariates is None else covariates)
    covariates_x = draw_covariates(panel, unit, months, score, window_months, names)
    mode = str(cfg.get("adjustment", "pooled") if adjustment_mode is None else adjustment_mode)
    if mode not in ("pooled", "interacted"):
        raise ValueError(f"adjustment must be 'pooled' or 'interacted', not {mode!r}")
    aim = str(cfg.get("randomised_target", "pool") if target is None else target)
    weighting, subject = (
        ("按入选概率加权后", "抽中的（全部候选平均）")
        if aim == "pool"
        else ("未抽中者按入选概率的比值加权（代表抽中者若未抽中的情况）后", "对抽中者的")
    )
    level = float(cfg.get("ci_level", 0.95))
    rows = []
    for method in [ALL_METHODS, *sorted(set(draws["action"]))]:
        k = np.ones(len(draws), bool) if method == ALL_METHODS else (draws["action"] == method).to_numpy()
        d = draws["drawn"].to_numpy(dtype=bool)[k]
        p = draws["inclusion_prob"].to_numpy(dtype=float)[k]
        strata = (draws["draw_id"] + "|" + draws["action"]).to_numpy()[k]
        yk, xk = post[k], pre[k]
        xk_all = covariates_x[k]
        adj = (
            interacted_adjustment(yk, xk_all, d, p, strata)
            if mode == "interacted"
            else adjustment(yk, xk_all, d, p)
        )
        ids = draws["business_id"].to_numpy()[k]
        r = hajek_itt(yk - adj, d, p, strata, ids, target=aim)
        raw = hajek_itt(yk, d, p, strata, ids, target=aim)
        pre_r = hajek_itt(xk, d, p, strata, ids, target=aim)
        ri = randomisation_inference(
            yk,
            xk_all,
            d,
            p,
            strata,
            n_draws=int(cfg.get("randomisation_draws", 999)),
            level=level,
            seed=seed,
            interacted=mode == "interacted",
            target=aim,
        )
        adopted = draws["adopted"].to_numpy()[k]
        row: dict[str, Any] = {
            "method": method,
            "n_draws": int(len(set(strata))),
            "n_pool": int(k.sum()),
            "n_drawn": int(d.sum()),
            "n_adopted": int(np.sum(d & (adopted == True))),  # noqa: E712 (NULL = not reviewed)
            "n_declined": int(np.sum(d & (adopted == False))),  # noqa: E712
            "mean_drawn": raw["mean_drawn"],
            "mean_not_drawn": raw["mean_not_drawn"],
            "estimate": r["estimate"],
            "se": r["se"],
            "ci_low": ri["ci_low"],
            "ci_high": ri["ci_high"],
            "p_value": ri["p_value"],
            "relative_change": r["estimate"] / raw["mean_not_drawn"] if raw["mean_not_drawn"] > 0 else np.nan,
            "pre_difference": pre_r["estimate"],
        }
        v, why = verdict({"n_cases": row["n_drawn"], **row}, min_cases=int(cfg.get("min_cases", 10)))
        row["verdict"], row["reason"] = v, why
        who = "" if method == ALL_METHODS else f"「{method}」"
        row["interpretation"] = (
            f"随机抽取{who}：{row['n_draws']}批次、{row['n_pool']}户候选，其中抽中{row['n_drawn']}户"
            f"（采纳{row['n_adopted']}户、不采纳{row['n_declined']}户，仍按抽中计算）。{weighting}，抽中者指导后"
            f"{window_months}个月平均违法问题{row['mean_drawn']:.2f}件，未抽中者{row['mean_not_drawn']:.2f}件；"
            f"{subject}效果估计{row['estimate']:+.2f}件（{level:.0%}置信区间{row['ci_low']:+.2f}至{row['ci_high']:+.2f}，"
            f"按同一抽取方案重抽检验 p={row['p_value']:.3f}）。"
            f"结论：{v}（{why}）。这是随机化比较，不受“按记录挑选”带来的向均值回归影响。"
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=RANDOMISED_COLUMNS)
