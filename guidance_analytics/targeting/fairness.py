"""Fairness audit (公正公开): who is selected against who is at risk, who is at risk against who
exists, and — from the backtest — how well the list works for each group.

**The list** (:func:`fairness_audit`). "At risk" = every business a guidance rule fired for (the
pool, before cooldown, open cases and capacity); the population = every business with a record
before the planning date (every business scored that day). For each group of a dimension (乡镇, 行政相对人类别 企业/个体工商户,
行业门类):

- ``selection_rate`` = selected / at risk in the group; ``overall_rate`` = selected / at risk over
  all groups; ``disparity_ratio`` = selection_rate / overall_rate (equivalently: the group's share
  of the selected divided by its share of the businesses at risk);
- ``pool_ratio`` = the group's share of the pool / its share of the population (do the rules put
  one township or subject type at risk more often than its size?);
- ``flagged`` / ``pool_flagged`` when a ratio is outside ``[low, high]`` (default 0.8–1.25, the
  four-fifths rule and its mirror) and the group has at least ``min_group`` businesses at risk.

The audit is computed for the whole guidance list (``action == "全部"``) and for each action.
移送执法 rows are not guidance and are not counted.

**The backtest** (:func:`fairness_backtest`, Aequitas-style). On the businesses whose outcome was
observed (inspected in the window), per group: how many were selected, the precision among the
selected (share with a serious finding) and the false-negative rate (share of the serious findings
that the selection missed), each with a 95 % bootstrap interval over businesses and its ratio to
the overall value — for the ranking's top share, and per action (each action has its own capacity,
so actions are never mixed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, rules
from ..hotspots import field_labels
from .feature_table import business_info, population_frame

AUDIT_COLUMNS = (
    "action",
    "dimension",
    "group",
    "n_population",
    "share_population",
    "n_at_risk",
    "share_at_risk",
    "pool_ratio",
    "pool_flagged",
    "n_selected",
    "share_selected",
    "selection_rate",
    "overall_rate",
    "disparity_ratio",
    "flagged",
    "note",
)

#: Chinese headers of the audit sheet.
AUDIT_HEADERS = {
    "action": "建议方式",
    "dimension": "维度",
    "group": "分组",
    "n_population": "主体总数",
    "share_population": "占全部主体比例",
    "pool_ratio": "风险主体占比/总体占比",
    "pool_flagged": "风险主体占比是否超出范围",
    "n_at_risk": "风险主体数",
    "share_at_risk": "占风险主体比例",
    "n_selected": "入选数",
    "share_selected": "占入选比例",
    "selection_rate": "入选率",
    "overall_rate": "总体入选率",
    "disparity_ratio": "差异比",
    "flagged": "是否超出范围",
    "note": "说明",
}

SUBJECT_GROUPS = {"法人及非法人组织": "企业", "个体工商户": "个体工商户", "自然人": "自然人"}


def subject_group(subject_type: pd.Series) -> pd.Series:
    """行政相对人类别 → 企业 / 个体工商户 / 自然人 / 未知."""
    return subject_type.map(SUBJECT_GROUPS).fillna("未知").astype("str")


def industry_group(frame: pd.DataFrame) -> pd.Series:
    """GB/T 4754 section with its name (``住宿和餐饮业(H)``), else the division (``大类NN``), else 未知."""
    section = frame["section"] if "section" in frame.columns else pd.Series(np.nan, index=frame.index)
    code = frame["industry"].fillna("").astype(str)
    known = section.notna() & (section.astype(str) != "")
    labelled = pd.Series(None, index=frame.index, dtype="object")
    if known.any():
        labelled[known] = field_labels("industry_section", section[known].astype(str)).to_numpy()
    fallback = code.str[:2].map(lambda d: f"大类{d}" if d else "未知")
    return labelled.fillna(fallback).astype("str")


def _dimensions(frame: pd.DataFrame) -> dict[str, pd.Series]:
    return {
        "乡镇": frame["township"].fillna("其他").astype("str"),
        "行政相对人类别": subject_group(frame["subject_type"]),
        "行业门类": industry_group(frame),
    }


def _note(small: bool, ratio: float, low: float, high: float, what: str) -> str:
    if small or not np.isfinite(ratio) or low <= ratio <= high:
        return ""
    return f"{what}偏低" if ratio < low else f"{what}偏高"


def population_counts(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Businesses per group of each audit dimension (乡镇, 行政相对人类别, 行业门类) in ``frame``
    (``township``, ``subject_type``, ``industry``, ``section`` optional): the population a pool
    is drawn from, for :func:`audit_groups`."""
    return {dim: groups.value_counts() for dim, groups in _dimensions(frame).items()}


def audit_groups(
    pool: pd.DataFrame,
    selected: pd.Series,
    low: float = 0.8,
    high: float = 1.25,
    min_group: int = 5,
    action: str = "全部",
    population: dict[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """The audit table for one pool (one row per business at risk) and its selection mask.

    ``pool`` needs ``township``, ``subject_type`` and ``industry`` (``section`` optional);
    ``population`` is :func:`population_counts` of every business that could have been at risk
    (without it the population columns are NaN).
    """
    dims = _dimensions(pool)
    sel = selected.astype(bool).to_numpy()
    n_risk, n_sel = len(pool), int(sel.sum())
    overall = n_sel / n_risk if n_risk else np.nan
    rows = []
    for dim, groups in dims.items():
        table = (
            pd.DataFrame({"g": groups.to_numpy(), "s": sel}).groupby("g", sort=True)["s"].agg(["size", "sum"])
        )
        pop_counts = population.get(dim, pd.Series(dtype=int)) if population else pd.Series(dtype=int)
        n_pop = int(pop_counts.sum())
        for group, (size, picked) in table.iterrows():
            rate = picked / size if size else np.nan
            ratio = rate / overall if overall else np.nan
            small = size < min_group
            flagged = bool(not small and not np.isnan(ratio) and (ratio < low or ratio > high))
            in_pop = int(pop_counts.get(group, 0))
            share_pop = in_pop / n_pop if n_pop else np.nan
            pool_ratio = (size / n_risk) / share_pop if n_pop and in_pop else np.nan
            pool_flagged = bool(
                not small and np.isfinite(pool_ratio) and (pool_ratio < low or pool_ratio > high)
            )
            notes = [
                "风险主体过少，不作判断" if small else _note(small, ratio, low, high, "入选率"),
                _note(small, pool_ratio, low, high, "风险主体占比（相对全部主体）"),
            ]
            rows.append(
                {
                    "action": action,
                    "dimension": dim,
                    "group": group,
                    "n_population": in_pop if n_pop else np.nan,
                    "share_population": share_pop,
                    "n_at_risk": int(size),
                    "share_at_risk": size / n_risk,
                    "pool_ratio": pool_ratio,
                    "pool_flagged": pool_flagged,
                    "n_selected": int(picked),
                    "share_selected": picked / n_sel if n_sel else np.nan,
                    "selection_rate": rate,
                    "overall_rate": overall,
                    "disparity_ratio": ratio,
                    "flagged": flagged,
                    "note": "；".join(n for n in notes if n),
                }
            )
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))


def fairness_audit(
    ws: WorkspaceLike | None,
    candidates: pd.DataFrame,
    pool: pd.DataFrame | None = None,
    by_action: bool = True,
) -> pd.DataFrame:
    """Selection rates by township, subject type and industry against the businesses at risk, and
    the businesses at risk against the population.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace (``None``: no population columns, default thresholds).
    candidates : pandas.DataFrame
        Output of ``ws.candidates``; its ``attrs["pool"]`` is used when ``pool`` is None and its
        ``attrs["population"]`` (the groups of every business scored that day) for the population
        columns.
    pool : pandas.DataFrame, optional
        The businesses at risk (``status`` == 入选 marks the selected ones); when neither is
        available the candidates themselves are the pool (every rate is then 1).
    by_action : bool
        Also audit each guidance action separately.

    Returns
    -------
    pandas.DataFrame
        With :data:`AUDIT_COLUMNS`: ``action`` (全部 or the action), ``dimension``, ``group``,
        ``n_population``, ``share_population``, ``n_at_risk``, ``share_at_risk``, ``pool_ratio``,
        ``pool_flagged``, ``n_selected``, ``share_selected``, ``selection_rate``, ``overall_rate``,
        ``disparity_ratio``, ``flagged``, ``note``.
    """
    cfg = rules(ws, "routing").get("fairness", {}) if ws is not None else {}
    low, high = float(cfg.get("low", 0.8)), float(cfg.get("high", 1.25))
    min_group = int(cfg.get("min_group", 5))
    if pool is None:
        pool = candidates.attrs.get("pool")
    if pool is None:
        pool = candidates.assign(status="入选")
    pool = pool[pool["action"] != "移送执法"].reset_index(drop=True)
    if "section" not in pool.columns and ws is not None:
        pool = pool.merge(business_info(ws)[["business_id", "section"]], on="business_id", how="left")
    pop = candidates.attrs.get("population")
    frames = [audit_groups(pool, pool["status"] == "入选", low, high, min_group, population=pop)]
    if by_action:
        for action, part in pool.groupby("action", sort=False):
            part = part.reset_index(drop=True)
            frames.append(
                audit_groups(part, part["status"] == "入选", low, high, min_group, action, population=pop)
            )
    return pd.concat(frames, ignore_index=True)


#: Columns of :func:`fairness_backtest`.
BACKTEST_FAIRNESS_COLUMNS = (
    "action",
    "dimension",
    "group",
    "n_eval",
    "n_selected",
    "n_positive",
    "prevalence",
    "selection_rate",
    "precision",
    "precision_lo",
    "precision_hi",
    "precision_ratio",
    "fnr",
    "fnr_lo",
    "fnr_hi",
    "fnr_ratio",
    "note",
)

#: Chinese headers of :func:`fairness_backtest`.
BACKTEST_FAIRNESS_HEADERS = {
    "action": "选取方式",
    "dimension": "维度",
    "group": "分组",
    "n_eval": "可观察主体户次",
    "n_selected": "入选户次",
    "n_positive": "发现严重问题户次",
    "prevalence": "严重问题发生率",
    "selection_rate": "入选率",
    "precision": "命中率",
    "precision_lo": "命中率下限",
    "precision_hi": "命中率上限",
    "precision_ratio": "命中率/总体",
    "fnr": "漏选率",
    "fnr_lo": "漏选率下限",
    "fnr_hi": "漏选率上限",
    "fnr_ratio": "漏选率/总体",
    "note": "说明",
}


def _top_share_weights(records: pd.DataFrame, column: str, share: float) -> np.ndarray:
    """Selection weight of each row when the top ``share`` of each date is taken by ``column``
    (a tied group at the cut is selected in part: places left / group size)."""
    out = np.zeros(len(records))
    for _, idx in records.groupby("as_of").indices.items():
        s = records[column].to_numpy(dtype=float)[idx]
        s = np.where(np.isnan(s), -np.inf, s)
        k = share * len(idx)
        order = np.argsort(-s, kind="stable")
        v = s[order]
        new = np.r_[True, v[1:] != v[:-1]]
        grp = np.cumsum(new) - 1
        size = np.bincount(grp)
        start = np.cumsum(np.r_[0, size[:-1]])
        take = np.clip(k - start, 0, size) / size
        out[idx[order]] = take[grp]
    return out


def fairness_backtest(
    records: pd.DataFrame,
    share: float = 0.1,
    scorer: str | None = None,
    *,
    n_boot: int = 300,
    seed: int = 0,
    min_group: int = 30,
) -> pd.DataFrame:
    """Aequitas-style group metrics from a backtest: precision and false-negative rate by group.

    Parameters
    ----------
    records : pandas.DataFrame
        From :func:`~guidance_analytics.targeting.backtest_records` (with ``with_actions=True``
        for the per-action rows).
    share : float
        The ranking's top share per planning date (row ``action`` = ``排序前10%`` for 0.1).
    scorer : str, optional
        The ranking (default: the configured model, ``records.attrs["default"]``).
    n_boot, seed : int
        Bootstrap replicates over businesses for the intervals.
    min_group : int
        Groups with fewer evaluated business-dates are shown with a note, not judged.

    Returns
    -------
    pandas.DataFrame
        :data:`BACKTEST_FAIRNESS_COLUMNS`: per selection (the ranking's top share, then each
        guidance action among the businesses it was proposed for), dimension and group (全部 =
        every group): ``n_eval`` (business-dates inspected in the window), ``n_selected``,
        ``n_positive`` (with a serious finding), ``prevalence``, ``selection_rate``, ``precision``
        (positives among the selected), ``fnr`` (positives not selected / positives), their
        intervals and ratios to the 全部 row.
    """
    ev = population_frame(records, "inspected").reset_index(drop=True)
    if ev.empty:
        return pd.DataFrame(columns=list(BACKTEST_FAIRNESS_COLUMNS))
    scorer = scorer or records.attrs.get("default", "logit")
    selections = [(f"排序前{share:.0%}", ev, _top_share_weights(ev, f"score_{scorer}", share))]
    if "action" in ev.columns:
        for action in [a for a in ev["action"].dropna().unique() if a != "移送执法"]:
            part = ev[(ev["action"] == action) & ev["status"].isin(["入选", "超出容量"])].reset_index(
                drop=True
            )
            selections.append((action, part, (part["status"] == "入选").to_numpy(dtype=float)))
    biz_index = pd.Index(sorted(ev["business_id"].unique()))
    rng = np.random.default_rng(seed)
    n = len(biz_index)
    boot = np.ones((1 + n_boot, n))
    for b in range(n_boot):
        boot[b + 1] = np.bincount(rng.integers(0, n, n), minlength=n)
    rows = []
    for action, part, sel in selections:
        if part.empty:
            continue
        w = boot[:, biz_index.get_indexer(part["business_id"])]
        y = part["y"].to_numpy(dtype=float)
        dims = {"全部": pd.Series("全部", index=part.index), **_dimensions(part)}
        for dim, groups in dims.items():
            codes, labels = pd.factorize(groups, sort=True)
            onehot = np.zeros((len(part), len(labels)))
            onehot[np.arange(len(part)), codes] = 1.0
            n_g = w @ onehot
            s_g = (w * sel) @ onehot
            p_g = (w * y) @ onehot
            tp_g = (w * sel * y) @ onehot
            with np.errstate(divide="ignore", invalid="ignore"):
                precision = tp_g / s_g
                fnr = (p_g - tp_g) / p_g
            for j, group in enumerate(labels):
                prec_lo, prec_hi = _percentiles(precision[1:, j])
                fnr_lo, fnr_hi = _percentiles(fnr[1:, j])
                rows.append(
                    {
                        "action": action,
                        "dimension": dim,
                        "group": group,
                        "n_eval": int(n_g[0, j]),
                        "n_selected": float(s_g[0, j]),
                        "n_positive": int(p_g[0, j]),
                        "prevalence": p_g[0, j] / n_g[0, j] if n_g[0, j] else np.nan,
                        "selection_rate": s_g[0, j] / n_g[0, j] if n_g[0, j] else np.nan,
                        "precision": precision[0, j],
                        "precision_lo": prec_lo,
                        "precision_hi": prec_hi,
                        "fnr": fnr[0, j],
                        "fnr_lo": fnr_lo,
                        "fnr_hi": fnr_hi,
                        "note": "样本过少，不作判断" if n_g[0, j] < min_group else "",
                    }
                )
    out = pd.DataFrame(rows)
    overall = out[out["dimension"] == "全部"].set_index("action")
    out["precision_ratio"] = out["precision"] / out["action"].map(overall["precision"])
    out["fnr_ratio"] = out["fnr"] / out["action"].map(overall["fnr"])
    return out[list(BACKTEST_FAIRNESS_COLUMNS)]


def _percentiles(values: np.ndarray) -> tuple[float, float]:
    v = values[np.isfinite(values)]
    if not len(v):
        return (np.nan, np.nan)
    lo, hi = np.percentile(v, [2.5, 97.5])
    return float(lo), float(hi)
