"""Fairness audit of a candidate list (公正公开): who is selected, against who is at risk.

"At risk" = every business a guidance rule fired for (the pool, before cooldown, open cases and
capacity). For each group of a dimension (乡镇, 行政相对人类别 企业/个体工商户, 行业门类):

- ``selection_rate`` = selected / at risk in the group;
- ``overall_rate`` = selected / at risk over all groups;
- ``disparity_ratio`` = selection_rate / overall_rate (equivalently: the group's share of the
  selected divided by its share of the businesses at risk);
- ``flagged`` when the ratio is outside ``[low, high]`` (default 0.8–1.25, the four-fifths rule and
  its mirror) and the group has at least ``min_group`` businesses at risk.

The audit is computed for the whole guidance list (``action == "全部"``) and for each action.
移送执法 rows are not guidance and are not counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, rules
from ..hotspots import field_labels
from .feature_table import business_info

AUDIT_COLUMNS = (
    "action",
    "dimension",
    "group",
    "n_at_risk",
    "share_at_risk",
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


def audit_groups(
    pool: pd.DataFrame,
    selected: pd.Series,
    low: float = 0.8,
    high: float = 1.25,
    min_group: int = 5,
    action: str = "全部",
) -> pd.DataFrame:
    """The audit table for one pool (one row per business at risk) and its selection mask.

    ``pool`` needs ``township``, ``subject_type`` and ``industry`` (``section`` optional).
    """
    dims = {
        "乡镇": pool["township"].fillna("其他").astype("str"),
        "行政相对人类别": subject_group(pool["subject_type"]),
        "行业门类": industry_group(pool),
    }
    sel = selected.astype(bool).to_numpy()
    n_risk, n_sel = len(pool), int(sel.sum())
    overall = n_sel / n_risk if n_risk else np.nan
    rows = []
    for dim, groups in dims.items():
        table = (
            pd.DataFrame({"g": groups.to_numpy(), "s": sel}).groupby("g", sort=True)["s"].agg(["size", "sum"])
        )
        for group, (size, picked) in table.iterrows():
            rate = picked / size if size else np.nan
            ratio = rate / overall if overall else np.nan
            small = size < min_group
            flagged = bool(not small and not np.isnan(ratio) and (ratio < low or ratio > high))
            note = (
                "风险主体过少，不作判断"
                if small
                else (("入选率偏低" if ratio < low else "入选率偏高") if flagged else "")
            )
            rows.append(
                {
                    "action": action,
                    "dimension": dim,
                    "group": group,
                    "n_at_risk": int(size),
                    "share_at_risk": size / n_risk,
                    "n_selected": int(picked),
                    "share_selected": picked / n_sel if n_sel else np.nan,
                    "selection_rate": rate,
                    "overall_rate": overall,
                    "disparity_ratio": ratio,
                    "flagged": flagged,
                    "note": note,
                }
            )
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))


def fairness_audit(
    ws: WorkspaceLike | None,
    candidates: pd.DataFrame,
    pool: pd.DataFrame | None = None,
    by_action: bool = True,
) -> pd.DataFrame:
    """Selection rates by township, subject type and industry vs their share of businesses at risk.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    candidates : pandas.DataFrame
        Output of ``ws.candidates``; its ``attrs["pool"]`` is used when ``pool`` is None.
    pool : pandas.DataFrame, optional
        The businesses at risk (``status`` == 入选 marks the selected ones); when neither is
        available the candidates themselves are the pool (every rate is then 1).
    by_action : bool
        Also audit each guidance action separately.

    Returns
    -------
    pandas.DataFrame
        With :data:`AUDIT_COLUMNS`: ``action`` (全部 or the action), ``dimension``, ``group``,
        ``n_at_risk``, ``share_at_risk``, ``n_selected``, ``share_selected``, ``selection_rate``,
        ``overall_rate``, ``disparity_ratio``, ``flagged``, ``note``.
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
    frames = [audit_groups(pool, pool["status"] == "入选", low, high, min_group)]
    if by_action:
        for action, part in pool.groupby("action", sort=False):
            part = part.reset_index(drop=True)
            frames.append(audit_groups(part, part["status"] == "入选", low, high, min_group, action))
    return pd.concat(frames, ignore_index=True)
