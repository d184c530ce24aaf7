"""Rolling-origin backtest of the risk ranking: a model grid against the simple rules, over time.

For each planning date D every model of the grid (``[backtest] models``) and every simple rule
(``[backtest] rules``) is trained exactly as :func:`~guidance_analytics.targeting.risk_scores`
would train it then (only outcomes known before D) and ranks the businesses; the rankings are
compared with what happened in ``[D, D + horizon)``. A business nobody inspected has an unknown
outcome, not a clean one, so two populations are evaluated:

- ``"inspected"`` — every business inspected in the window (any type but 许可勘验), labelled by
  the configured label. Most of these inspections are *targeted* (re-inspections, complaints,
  campaigns), so its base rate is the hit rate of a random pick among businesses that were going
  to be inspected anyway — **not** what a random draw of all businesses finds;
- ``"random"`` — the businesses drawn by 双随机抽查 in the window, labelled by what those checks
  found: the unbiased random draw. Its base rate is what the status quo finds.

Metrics at each cut-off k (counts and shares of the evaluated businesses): precision@k, recall@k
and lift (precision / base rate), per planning date and pooled over dates (hits, k and positives
summed), each with a 95 % percentile bootstrap interval over businesses (a business is resampled
with all its planning dates; the same replicates for every scorer, so the ratio to the best rule
has a paired interval). Ties are handled honestly: a tied group at the cut contributes its mean
label times the places left (the expected value of a random tie-break), and ``ties_at_cut`` says
how many businesses share the k-th score. :func:`pr_curve` gives the precision–recall curve and
:func:`days_earlier` how much sooner the ranked order reaches the serious findings than the
order in which the businesses were actually inspected (Chicago's food-inspection evaluation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, month_starts, rules, to_date
from .feature_table import business_info, feature_panel, outcomes, population_frame
from .risk import (
    MODEL_KINDS,
    RULE_KINDS,
    PanelCache,
    RiskModel,
    fit,
    model_config,
    sample_share,
    score_frame,
    training_panel,
)
from .selection import candidates

BACKTEST_COLUMNS = (
    "population",
    "scorer",
    "as_of",
    "pooled",
    "k_type",
    "k_param",
    "k",
    "n_eval",
    "n_positive",
    "base_rate",
    "hits",
    "precision",
    "precision_lo",
    "precision_hi",
    "recall",
    "recall_lo",
    "recall_hi",
    "lift",
    "lift_lo",
    "lift_hi",
    "ties_at_cut",
    "vs_best_rule",
    "vs_best_rule_lo",
    "vs_best_rule_hi",
    "best_rule",
)

#: Chinese headers for the backtest tables people read.
BACKTEST_HEADERS = {
    "population": "评估对象",
    "scorer": "方法",
    "as_of": "计划日期",
    "pooled": "是否合计",
    "k_type": "k类型",
    "k_param": "k参数",
    "k": "选取数",
    "dates": "计划期数",
    "n_eval": "可观察主体数",
    "n_positive": "发现严重问题数",
    "base_rate": "基础发现率",
    "hits": "命中数",
    "precision": "命中率",
    "precision_lo": "命中率下限",
    "precision_hi": "命中率上限",
    "recall": "召回率",
    "recall_lo": "召回率下限",
    "recall_hi": "召回率上限",
    "lift": "提升倍数",
    "lift_lo": "提升倍数下限",
    "lift_hi": "提升倍数上限",
    "ties_at_cut": "截断处并列数",
    "vs_best_rule": "相对最佳规则",
    "vs_best_rule_lo": "相对最佳规则下限",
    "vs_best_rule_hi": "相对最佳规则上限",
    "best_rule": "最佳简单规则",
}

#: Chinese names of the scorers and populations.
SCORER_NAMES = {
    "hgb": "梯度提升树模型",
    "blend": "组合模型（逻辑回归与梯度提升树）",
    "logit": "逻辑回归模型",
    "auto": "滚动验证选定的模型",
    "last_severity": "规则：上次检查结果",
    "past_orders": "规则：以往责令整改次数",
    "prior": "领域先验",
}
POPULATION_NAMES = {
    "inspected": "预测期内受检主体（多为有针对性的检查，基础发现率不是随机抽查命中率）",
    "random": "预测期内双随机抽查主体（无偏的随机抽取）",
}


def backtest_dates(start: Any, end: Any, step_months: int = 1) -> list[dt.date]:
    """The planning dates a backtest from ``start`` to ``end`` uses."""
    return month_starts(to_date(start), to_date(end), step_months)


def backtest_records(
    ws: WorkspaceLike,
    start: Any,
    end: Any,
    horizon_months: int = 3,
    step_months: int = 1,
    *,
    models: Sequence[str] | None = None,
    baselines: Sequence[str] | None = None,
    cache: PanelCache | None = None,
    with_actions: bool = False,
    progress: bool = False,
    **model_settings: Any,
) -> pd.DataFrame:
    """Every evaluated business × planning date with its outcome and the score of every scorer.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    start, end : date-like
        First and last planning dates (monthly steps of ``step_months``).
    horizon_months : int
        Outcome window (default 3).
    models, baselines : sequence of str, optional
        Model kinds (:data:`~guidance_analytics.targeting.MODEL_KINDS`) and simple rules
        (:data:`~guidance_analytics.targeting.RULE_KINDS`) to score (default ``[backtest]``).
        The configured ``[model] kind`` is always included.
    cache : PanelCache, optional
        Panel cache to use (and fill); default a new one bounded to the training window.
    with_actions : bool
        Also build the candidate list each date would have had (the configured model's scores,
        routing, capacity) and record each business's ``action`` and ``status`` (入选 / 超出容量 /
        冷却期内 / 在办案件) for :func:`~guidance_analytics.targeting.fairness_backtest`.
    progress : bool
        Show a progress bar (tqdm) over the planning dates.
    **model_settings
        Settings overriding ``[model]`` (``train_months``, ``calibration_months`` …).

    Returns
    -------
    pandas.DataFrame
        One row per business × date inspected in the window: ``as_of``, ``business_id``,
        ``township``, ``industry_code``, ``subject_type``, ``first_inspected_on``, ``inspected``,
        ``random_inspected``, ``positive`` (the configured label), ``random_positive`` (what the
        双随机 checks found), one ``score_<scorer>`` column per scorer (higher = riskier) and
        ``prob_<kind>`` (the calibrated probability of each model). ``attrs``: ``default`` (the
        configured kind), ``scorers``, ``models``, ``rules``, ``calibrated_to`` (per date),
        ``cache_hits`` / ``cache_misses``.
    """
    cfg = rules(ws, "routing")
    bt_cfg = cfg.get("backtest", {})
    mcfg = model_config(ws, **model_settings)
    default = str(mcfg.get("kind", "logit"))
    kinds = list(
        dict.fromkeys([default, *(models if models is not None else bt_cfg.get("models", MODEL_KINDS))])
    )
    kinds = [k for k in kinds if k in MODEL_KINDS or k == "auto"]  # auto: chosen per date
    rule_kinds = [r for r in (baselines if baselines is not None else bt_cfg.get("rules", RULE_KINDS))]
    for r in rule_kinds:
        if r not in RULE_KINDS:
            raise ValueError(f"unknown rule {r!r}: use one of {RULE_KINDS}")
    days = backtest_dates(start, end, step_months)
    info = business_info(ws)
    train_months = int(mcfg.get("train_months", 24))
    if cache is None:
        cache = PanelCache(max_entries=train_months + 2 * horizon_months + 2)
    # one training sample share for every date (the cached panels of neighbouring dates match)
    share = 1.0
    if days and mcfg.get("max_train_rows"):
        last = (pd.Timestamp(days[-1]) - pd.DateOffset(months=horizon_months)).date()
        first = (pd.Timestamp(last) - pd.DateOffset(months=train_months - 1)).date()
        share = sample_share(ws, first, last, horizon_months, int(mcfg["max_train_rows"]))
    frames, calibrated = [], {}
    steps: Any = days
    if progress:
        from tqdm import tqdm

        steps = tqdm(days, desc="回测", unit="个计划日期")
    for day in steps:
        train = training_panel(
            ws,
            day,
            horizon_months,
            train_months,
            mcfg.get("train_on", "inspected"),
            cache,
            share=share,
        )
        now = feature_panel(ws, [day], observed_horizon=horizon_months)
        truth = outcomes(ws, [day], horizon_months, inspected_only=True)
        ev = now.merge(truth, on=["business_id", "as_of"], how="inner")
        if ev.empty:
            continue
        rec = ev[
            [
                "as_of",
                "business_id",
                "township",
                "industry_code",
                "first_inspected_on",
                "inspected",
                "random_inspected",
                "positive",
                "random_positive",
            ]
        ].copy()
        for kind in kinds:
            model = fit(train, mcfg, horizon_months, kind=kind)
            rec[f"score_{kind}"] = model.ranking(ev)
            rec[f"prob_{kind}"] = model.predict(ev)
            if kind == default:
                calibrated[day] = model.info.get("calibrated_to")
                rec["default_kind"] = model.kind
                if with_actions:
                    rec = rec.merge(_actions(ws, day, model, info), on="business_id", how="left")
        for rule in rule_kinds:
            rec[f"score_{rule}"] = fit(train, mcfg, horizon_months, kind=rule).ranking(ev)
        frames.append(rec)
    if not frames:
        out = pd.DataFrame(
            columns=["as_of", "business_id", "township", "industry_code", "subject_type", "positive"]
        )
    else:
        out = pd.concat(frames, ignore_index=True)
        out = out.merge(info[["business_id", "subject_type", "section"]], on="business_id", how="left")
        out["industry"] = out["industry_code"]
        out["first_inspected_on"] = pd.to_datetime(out["first_inspected_on"])
    out.attrs.update(
        default=default,
        models=kinds,
        rules=rule_kinds,
        scorers=[*kinds, *rule_kinds],
        calibrated_to={str(k): v for k, v in calibrated.items()},
        cache_hits=cache.hits,
        cache_misses=cache.misses,
        cache_entries=len(cache),
        horizon_months=horizon_months,
    )
    return out


def _actions(ws: WorkspaceLike, day: dt.date, model: RiskModel, info: pd.DataFrame) -> pd.DataFrame:
    """The guidance pool the candidate list of ``day`` would have had: business, action, status."""
    scores = score_frame(feature_panel(ws, [day]), model, with_features=True, explain=0, info=info)
    pool = candidates(ws, day, scores=scores).attrs["pool"]
    return pool[["business_id", "action", "status"]].drop_duplicates("business_id")


def expected_hits_at_k(scores: Sequence[float], positive: Sequence[bool], k: int) -> float:
    """Expected hits among the top ``k`` by score, breaking ties at the cut-off at random.

    >>> expected_hits_at_k([3, 2, 2, 2, 1], [1, 1, 0, 0, 1], 2)
    1.3333333333333333
    """
    s = np.asarray(scores, dtype=float)
    y = np.asarray(positive, dtype=float)
    n = len(s)
    if k <= 0 or n == 0:
        return 0.0
    k = min(int(k), n)
    cut = np.sort(s)[::-1][k - 1]
    above = s > cut
    tied = s == cut
    n_above = int(above.sum())
    return float(y[above].sum() + (k - n_above) * y[tied].mean())


def k_values(n_eval: int, counts: Sequence[int], shares: Sequence[float]) -> list[tuple[str, float, int]]:
    """The ``(k_type, k_param, k)`` cut-offs for ``n_eval`` businesses (counts capped at n_eval).

    >>> k_values(200, [20], [0.1])
    [('count', 20.0, 20), ('share', 0.1, 20)]
    """
    out: list[tuple[str, float, int]] = [("count", float(c), min(int(c), n_eval)) for c in counts]
    out += [("share", float(s), max(1, int(round(s * n_eval)))) for s in shares]
    return [row for row in out if n_eval > 0]


class _Ranked:
    """One scorer at one date: the evaluated rows sorted by score, in tie groups."""

    def __init__(self, score: np.ndarray, y: np.ndarray, biz: np.ndarray) -> None:
        s = np.where(np.isnan(score), -np.inf, score)
        order = np.argsort(-s, kind="stable")
        v = s[order]
        new = np.r_[True, v[1:] != v[:-1]] if len(v) else np.zeros(0, dtype=bool)
        self.order = order
        self.biz = biz[order]
        self.y = y[order].astype(float)
        self.starts = np.flatnonzero(new)
        self.group = np.cumsum(new) - 1
        self.sizes = np.diff(np.r_[self.starts, len(v)])

    def hits(self, w: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Expected hits in the top ``k`` (weighted rows ``w`` of shape (B, n); fair tie-break)."""
        gw = np.add.reduceat(w, self.starts, axis=1)
        gy = np.add.reduceat(w * self.y, self.starts, axis=1)
        cw, cy = np.cumsum(gw, axis=1), np.cumsum(gy, axis=1)
        j = np.argmax(cw >= k[:, None] - 1e-9, axis=1)
        rows = np.arange(len(k))
        before_w = np.where(j > 0, cw[rows, np.maximum(j - 1, 0)], 0.0)
        before_y = np.where(j > 0, cy[rows, np.maximum(j - 1, 0)], 0.0)
        frac = np.divide(gy[rows, j], gw[rows, j], out=np.zeros(len(k)), where=gw[rows, j] > 0)
        return before_y + np.clip(k - before_w, 0, None) * frac

    def tie_at(self, k: int) -> int:
        if k <= 0 or len(self.y) == 0:
            return 0
        return int(self.sizes[self.group[min(k, len(self.y)) - 1]])


def _weights(biz_index: pd.Index, n_boot: int, seed: int) -> np.ndarray:
    """Row 0: the data (weight 1); rows 1..n_boot: bootstrap counts of each business."""
    n = len(biz_index)
    rng = np.random.default_rng(seed)
    w = np.ones((1 + n_boot, n), dtype=np.float32)
    for b in range(n_boot):
        w[b + 1] = np.bincount(rng.integers(0, n, n), minlength=n)
    return w


def _interval(values: np.ndarray) -> tuple[float, float]:
    boot = values[1:][np.isfinite(values[1:])]
    if not len(boot):
        return (np.nan, np.nan)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return float(lo), float(hi)


def backtest_metrics(
    records: pd.DataFrame,
    k: Sequence[float] | None = None,
    *,
    populations: Sequence[str] = ("inspected", "random"),
    n_boot: int = 500,
    seed: int = 0,
    scorers: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Precision, recall and lift at each k, per date and pooled, with bootstrap intervals.

    Parameters
    ----------
    records : pandas.DataFrame
        From :func:`backtest_records`.
    k : sequence of float, optional
        Cut-offs: numbers >= 1 are counts, below 1 shares of the evaluated businesses (default
        counts 20/50/100 and shares 5/10/20 %).
    populations : sequence of str
        ``"inspected"`` and/or ``"random"`` (see the module docstring).
    n_boot : int
        Bootstrap replicates (resampling businesses); 0 = no intervals.
    seed : int
        Seed of the replicates.
    scorers : sequence of str, optional
        Default: every ``score_*`` column.

    Returns
    -------
    pandas.DataFrame
        :data:`BACKTEST_COLUMNS`: one row per population × scorer × date (``pooled`` False) or
        pooled over the dates (``pooled`` True, ``as_of`` NaT) × cut-off. ``vs_best_rule`` is the
        pooled lift over the best simple rule's at the same cut-off (paired interval).
    """
    counts, shares = _cutoffs(k)
    scorers = list(scorers or [c[len("score_") :] for c in records.columns if c.startswith("score_")])
    rules_present = [s for s in scorers if s in RULE_KINDS]
    rows: list[dict[str, Any]] = []
    for population in populations:
        ev = population_frame(records, population) if len(records) else records
        if ev.empty:
            continue
        biz_index = pd.Index(sorted(ev["business_id"].unique()))
        w_all = _weights(biz_index, n_boot, seed)
        pooled: dict[tuple[str, str, float], list[np.ndarray]] = {}
        for day, part in ev.groupby("as_of", sort=True):
            biz = biz_index.get_indexer(part["business_id"])
            y = part["y"].to_numpy(dtype=float)
            w = w_all[:, biz]
            for name in scorers:
                r = _Ranked(part[f"score_{name}"].to_numpy(dtype=float), y, biz)
                ws = w[:, r.order]
                total = ws.sum(axis=1, dtype=float)
                pos = (ws * r.y).sum(axis=1)
                for k_type, k_param, k_n in k_values(len(part), counts, shares):
                    kk = np.minimum(np.float64(k_n), total) if k_type == "count" else k_param * total
                    hits = r.hits(ws, kk)
                    acc = pooled.setdefault(
                        (name, k_type, k_param), [np.zeros(len(w)) for _ in range(4)] + [0]
                    )
                    for i, arr in enumerate((hits, kk, pos, total)):
                        acc[i] = acc[i] + arr
                    tie = r.tie_at(k_n)
                    acc[4] = max(acc[4], tie)
                    rows.append(
                        _row(
                            population,
                            name,
                            pd.Timestamp(day),
                            False,
                            k_type,
                            k_param,
                            hits,
                            kk,
                            pos,
                            total,
                            tie,
                        )
                    )
        best: dict[tuple[str, float], tuple[str, np.ndarray]] = {}
        for (name, k_type, k_param), acc in pooled.items():
            if name in rules_present:
                lift = _lift(acc)
                cur = best.get((k_type, k_param))
                if cur is None or lift[0] > cur[1][0]:
                    best[(k_type, k_param)] = (name, lift)
        for (name, k_type, k_param), acc in pooled.items():
            row = _row(population, name, pd.NaT, True, k_type, k_param, *acc[:4], acc[4])
            if (k_type, k_param) in best:
                rule, ref = best[(k_type, k_param)]
                with np.errstate(divide="ignore", invalid="ignore"):
                    q = _lift(acc) / ref
                row["vs_best_rule"] = float(q[0])
                row["vs_best_rule_lo"], row["vs_best_rule_hi"] = _interval(q)
                row["best_rule"] = rule
            rows.append(row)
    out = pd.DataFrame(rows)
    for col in BACKTEST_COLUMNS:
        if col not in out.columns:
            out[col] = np.nan
    return out[list(BACKTEST_COLUMNS)]


def _cutoffs(k: Sequence[float] | None) -> tuple[list[int], list[float]]:
    if k is None:
        return [20, 50, 100], [0.05, 0.1, 0.2]
    return [int(v) for v in k if v >= 1], [float(v) for v in k if v < 1]


def _lift(acc: list) -> np.ndarray:
    hits, k, pos, total = acc[:4]
    with np.errstate(divide="ignore", invalid="ignore"):
        return (hits / k) / (pos / total)


def _row(
    population: str,
    scorer: str,
    as_of: Any,
    pooled: bool,
    k_type: str,
    k_param: float,
    hits: np.ndarray,
    k: np.ndarray,
    pos: np.ndarray,
    total: np.ndarray,
    tie: int,
) -> dict[str, Any]:
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = hits / k
        base = pos / total
        recall = hits / pos
        lift = precision / base
    row = {
        "population": population,
        "scorer": scorer,
        "as_of": as_of,
        "pooled": pooled,
        "k_type": k_type,
        "k_param": k_param,
        "k": float(k[0]),
        "n_eval": int(round(total[0])),
        "n_positive": int(round(pos[0])),
        "base_rate": float(base[0]),
        "hits": float(hits[0]),
        "ties_at_cut": int(tie),
    }
    for name, v in (("precision", precision), ("recall", recall), ("lift", lift)):
        row[name] = float(v[0])
        row[f"{name}_lo"], row[f"{name}_hi"] = _interval(v)
    return row


def backtest(
    ws: WorkspaceLike,
    start: Any,
    end: Any,
    horizon_months: int = 3,
    step_months: int = 1,
    k: Sequence[float] | None = None,
    observe: str | None = None,
    *,
    n_boot: int | None = None,
    progress: bool = False,
    **model_settings: Any,
) -> pd.DataFrame:
    """Rolling-origin backtest of the model grid and the simple rules (see the module docstring).

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    start, end : date-like
        First and last planning dates (monthly steps of ``step_months``); planning dates
        whose outcome window is not over in the data are still evaluated on what is there.
    horizon_months : int
        Outcome window (default 3).
    k : sequence of float, optional
        Cut-offs; integers >= 1 are counts, numbers below 1 are shares of the evaluated businesses
        (default from ``[backtest]`` in ``routing.toml``).
    observe : str, optional
        ``"inspected"``, ``"random"`` or ``"both"`` (default ``[backtest] observe``).
    n_boot : int, optional
        Bootstrap replicates (default ``[backtest] bootstrap``).
    progress : bool
        Show a progress bar (tqdm) over the planning dates.
    **model_settings
        Model settings (``kind``, ``train_months`` …) as in
        :func:`~guidance_analytics.targeting.risk_scores`.

    Returns
    -------
    pandas.DataFrame
        :data:`BACKTEST_COLUMNS` (see :func:`backtest_metrics`); ``attrs`` as the records'
        (:func:`backtest_records`). Pooled rows only: :func:`summarize_backtest`.
    """
    bt_cfg = rules(ws, "routing").get("backtest", {})
    if k is None:
        k = [*bt_cfg.get("k_counts", [20, 50, 100]), *bt_cfg.get("k_shares", [0.05, 0.1, 0.2])]
    observe = observe or bt_cfg.get("observe", "both")
    pops = ("inspected", "random") if observe == "both" else (observe,)
    if observe == "any":  # the earlier name of the inspected population
        pops = ("inspected",)
    records = backtest_records(
        ws, start, end, horizon_months, step_months, progress=progress, **model_settings
    )
    out = backtest_metrics(
        records,
        k,
        populations=pops,
        n_boot=int(bt_cfg.get("bootstrap", 300) if n_boot is None else n_boot),
        seed=int(bt_cfg.get("seed", 0)),
    )
    out.attrs.update(records.attrs)
    return out


def summarize_backtest(bt: pd.DataFrame) -> pd.DataFrame:
    """The pooled rows of a backtest (one per population × scorer × cut-off), with ``dates``."""
    if bt.empty:
        return pd.DataFrame(columns=[*BACKTEST_COLUMNS, "dates"])
    dates = bt[~bt["pooled"]].groupby(["population", "scorer"])["as_of"].nunique().rename("dates")
    pooled = bt[bt["pooled"]].merge(dates.reset_index(), on=["population", "scorer"], how="left")
    return pooled.reset_index(drop=True)


def model_comparison(bt: pd.DataFrame, share: float = 0.1, population: str = "inspected") -> pd.DataFrame:
    """Which scorer wins over time at the top ``share``: pooled lift with its interval, and on how
    many planning dates each scorer had the best lift (ties split).

    Returns ``scorer``, ``lift``, ``lift_lo``, ``lift_hi``, ``vs_best_rule`` (+ interval),
    ``dates_won``, ``dates``, sorted by pooled lift.
    """
    sel = (bt["population"] == population) & (bt["k_type"] == "share") & np.isclose(bt["k_param"], share)
    part = bt[sel]
    if part.empty:
        return pd.DataFrame(columns=["scorer", "lift", "dates_won", "dates"])
    per = part[~part["pooled"]].pivot_table(index="as_of", columns="scorer", values="lift")
    top = per.max(axis=1)
    won = per.eq(top, axis=0)
    share_won = won.div(won.sum(axis=1), axis=0).sum()
    pooled = part[part["pooled"]].set_index("scorer")
    out = pooled[["lift", "lift_lo", "lift_hi", "vs_best_rule", "vs_best_rule_lo", "vs_best_rule_hi"]].copy()
    out["dates_won"] = share_won.reindex(out.index).fillna(0.0)
    out["dates"] = len(per)
    return out.sort_values("lift", ascending=False).reset_index()


def pr_curve(
    records: pd.DataFrame,
    population: str = "inspected",
    scorers: Sequence[str] | None = None,
    points: int = 50,
) -> pd.DataFrame:
    """Pooled precision–recall curve of each scorer: at shares 1/points … 1 of each date's
    evaluated businesses (expected values under random tie-breaking).

    Returns ``scorer``, ``share``, ``precision``, ``recall``, ``base_rate``.
    """
    ev = population_frame(records, population)
    scorers = list(scorers or [c[len("score_") :] for c in records.columns if c.startswith("score_")])
    grid = np.linspace(1.0 / points, 1.0, points)
    rows = []
    for name in scorers:
        hits = np.zeros(len(grid))
        ks = np.zeros(len(grid))
        pos = 0.0
        for _, part in ev.groupby("as_of"):
            y = part["y"].to_numpy(dtype=float)
            r = _Ranked(part[f"score_{name}"].to_numpy(dtype=float), y, np.zeros(len(y), dtype=int))
            kk = grid * len(y)
            hits += r.hits(np.ones((len(grid), len(y))), kk)
            ks += kk
            pos += y.sum()
        total = float(sum(len(p) for _, p in ev.groupby("as_of")))
        for g, h, kk in zip(grid, hits, ks, strict=True):
            rows.append(
                {
                    "scorer": name,
                    "share": float(g),
                    "precision": h / kk if kk else np.nan,
                    "recall": h / pos if pos else np.nan,
                    "base_rate": pos / total if total else np.nan,
                }
            )
    return pd.DataFrame(rows)


def days_earlier(
    records: pd.DataFrame, scorers: Sequence[str] | None = None, n_boot: int = 300, seed: int = 0
) -> pd.DataFrame:
    """How many days sooner each ranking reaches the serious findings than the actual order.

    Within each planning date's window, the inspected businesses keep the dates of the
    inspections that were actually made (the first one per business, sorted), but are visited in
    the order of the ranking: the riskiest gets the earliest date. For every business whose
    window held a serious finding, ``actual date − ranked date`` is the time gained (a tied group
    shares the mean of its dates). Pooled over dates, with a bootstrap interval over businesses.

    Returns
    -------
    pandas.DataFrame
        ``scorer``, ``positives``, ``days_earlier`` (mean), ``days_earlier_lo``/``_hi``,
        ``found_first_half_actual`` / ``found_first_half_ranked`` (share of the serious findings
        reached in the first half of the inspections).
    """
    ev = population_frame(records, "inspected")
    ev = ev[ev["first_inspected_on"].notna()]
    scorers = list(scorers or [c[len("score_") :] for c in records.columns if c.startswith("score_")])
    biz_index = pd.Index(sorted(ev["business_id"].unique()))
    w = _weights(biz_index, n_boot, seed)
    rows = []
    for name in scorers:
        gain_w = np.zeros(len(w))
        pos_w = np.zeros(len(w))
        first_actual = first_ranked = n_pos = 0.0
        for _, part in ev.groupby("as_of"):
            actual = (part["first_inspected_on"] - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float)
            slots = np.sort(actual)
            s = part[f"score_{name}"].to_numpy(dtype=float)
            s = np.where(np.isnan(s), -np.inf, s)
            order = np.argsort(-s, kind="stable")
            v = s[order]
            new = np.r_[True, v[1:] != v[:-1]]
            grp = np.cumsum(new) - 1
            mean_slot = pd.Series(slots).groupby(grp).transform("mean").to_numpy()
            ranked = np.empty(len(s))
            ranked[order] = mean_slot
            y = part["y"].to_numpy(dtype=float)
            biz = biz_index.get_indexer(part["business_id"])
            gain = (actual - ranked) * y
            gain_w += (w[:, biz] * gain).sum(axis=1)
            pos_w += (w[:, biz] * y).sum(axis=1)
            half = slots[(len(slots) - 1) // 2] if len(slots) else 0
            n_pos += y.sum()
            first_actual += (y * (actual <= half)).sum()
            first_ranked += (y * (ranked <= half)).sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = gain_w / pos_w
        lo, hi = _interval(mean)
        rows.append(
            {
                "scorer": name,
                "positives": int(n_pos),
                "days_earlier": float(mean[0]),
                "days_earlier_lo": lo,
                "days_earlier_hi": hi,
                "found_first_half_actual": first_actual / n_pos if n_pos else np.nan,
                "found_first_half_ranked": first_ranked / n_pos if n_pos else np.nan,
            }
        )
    return pd.DataFrame(rows)


def backtest_report(
    ws: WorkspaceLike, start: Any, end: Any, horizon_months: int = 3, step_months: int = 1, **kwargs: Any
) -> tuple[pd.DataFrame, str]:
    """Run the backtest and pool it; return the pooled table (for people: 户数/比例, Chinese
    scorer and population names) and a Chinese text summary."""
    bt = backtest(ws, start, end, horizon_months, step_months, **kwargs)
    pooled = summarize_backtest(bt)
    if pooled.empty:
        return pooled, "回测期内没有可观察的主体。"
    default = bt.attrs.get("default", "")
    lines = [
        f"风险模型回测（{to_date(start)} 至 {to_date(end)}，预测期{horizon_months}个月，"
        f"默认模型：{SCORER_NAMES.get(default, default)}；区间为按主体自助抽样的95%区间）："
    ]
    for population in ("inspected", "random"):
        part = pooled[pooled["population"] == population]
        if part.empty:
            continue
        base = part["base_rate"].iloc[0]
        label = (
            "受检主体基础发现率（多为有针对性的检查，不是随机抽查命中率）"
            if population == "inspected"
            else "双随机抽查发现率"
        )
        lines.append(
            f"【{POPULATION_NAMES[population]}】{label} {base:.1%}，共 {int(part['n_eval'].iloc[0])} 户次："
        )
        for r in part[part["k_type"] == "share"].itertuples(index=False):
            if not np.isclose(r.k_param, 0.1):
                continue
            rel = (
                f"，为最佳简单规则的 {r.vs_best_rule:.2f} 倍［{r.vs_best_rule_lo:.2f}–{r.vs_best_rule_hi:.2f}］"
                if np.isfinite(r.vs_best_rule) and r.scorer not in RULE_KINDS
                else ""
            )
            lines.append(
                f"  前10% {SCORER_NAMES.get(r.scorer, r.scorer)}：命中率 {r.precision:.1%}，"
                f"提升 {r.lift:.2f} 倍［{r.lift_lo:.2f}–{r.lift_hi:.2f}］，截断处并列 {r.ties_at_cut} 户{rel}"
            )
    table = pooled.assign(
        k_type=pooled["k_type"].map({"count": "户数", "share": "比例"}),
        scorer=pooled["scorer"].map(lambda s: SCORER_NAMES.get(s, s)),
        population=pooled["population"].map({"inspected": "受检主体", "random": "双随机抽查"}),
    ).drop(columns=["as_of", "pooled"])
    return table, "\n".join(lines)
