"""Chinese explanations of risk scores: which signal groups raise a business's score.

Each group of features has a sentence built from the business's own values (e.g. "近12个月检查发现问题
3次（最近一次45天前）"). A group is named only when it raises the score and the business actually
has that signal, so an explanation never cites an event that did not happen. An explanation agrees
with the score: "无突出风险信号" is said only when no signal group raises it; a business whose score
is raised by a group without a sentence of its own gets that group's plain name (:data:`LABELS`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

#: Signal groups: the feature columns the explanation treats as one signal.
GROUPS: dict[str, tuple[str, ...]] = {
    "problems": (
        "prob_3m",
        "prob_6m",
        "prob_12m",
        "prob_24m",
        "prob_60m",
        "onspot_24m",
        "problems_12m",
        "problem_rate",
        "days_since_problem",
        "prob_trend",
        "clean_after_problem",
    ),
    "severity": (
        "order_12m",
        "order_24m",
        "order_60m",
        "serious_rate",
        "serious_rate_decayed",
        "serious_rate_random",
        "order_decayed",
        "random_order_60m",
        "referral_24m",
        "max_severity_12m",
        "max_severity_24m",
        "last_severity",
        "severity_2",
        "severity_3",
        "mean_severity_3",
        "days_since_order",
        "order_recent",
        "serious_rate_recent",
        "serious_rate_eb",
        "order_pending",
        "reinspected_clean",
        "insp_after_order",
    ),
    "substantiated": (
        "sub_3m",
        "sub_6m",
        "sub_12m",
        "sub_24m",
        "sub_same_matter_12m",
        "days_since_substantiated",
    ),
    "complaints": ("cmp_3m", "cmp_6m", "cmp_12m", "cmp_24m", "unsub_12m", "days_since_complaint"),
    "penalties": ("pen_12m", "pen_24m", "pen_serious_24m", "fine_24m", "days_since_penalty"),
    "inspections": (
        "insp_3m",
        "insp_12m",
        "insp_24m",
        "insp_60m",
        "complaint_insp_12m",
        "random_insp_24m",
        "random_insp_60m",
        "insp_decayed",
        "insp_recent",
        "complaint_insp_3m",
        "days_since_complaint_insp",
        "days_since_insp",
    ),
    "licences": (
        "permits_total",
        "permits_active",
        "items_active",
        "renewals",
        "expiring_30d",
        "expiring_60d",
        "expiring_90d",
        "licence_age_days",
        "days_since_permit",
    ),
    "field": ("field_problem_rate", "field_serious_rate", "division_problem_rate", "field_sub_per_business"),
    "township": ("township_problem_rate", "township_serious_rate"),
}


def _n(col: pd.Series) -> pd.Series:
    return col.fillna(0).astype(int).astype(str)


def _days(col: pd.Series) -> pd.Series:
    """ "（最近一次N天前）" where known, else ""."""
    text = "（最近一次" + col.fillna(0).astype(int).astype(str) + "天前）"
    return text.where(col.notna(), "")


def _when(mask: pd.Series, text: pd.Series) -> pd.Series:
    return text.where(mask.to_numpy(), None)


def _problems(f: pd.DataFrame) -> pd.Series:
    base = ("近12个月检查发现问题" + _n(f["prob_12m"]) + "次").where(
        f["prob_12m"] > 0, "近24个月检查发现问题" + _n(f["prob_24m"]) + "次"
    )
    trend = pd.Series(np.where(f["prob_trend"] > 0, "，且呈上升趋势", ""), index=f.index)
    return _when(f["prob_24m"] > 0, base + trend + _days(f["days_since_problem"]))


def _severity(f: pd.DataFrame) -> pd.Series:
    order = ("责令限期整改" + _n(f["order_24m"]) + "次").where(f["order_24m"] > 0, "")
    referral = ("移送立案" + _n(f["referral_24m"]) + "次").where(f["referral_24m"] > 0, "")
    sep = pd.Series(np.where((f["order_24m"] > 0) & (f["referral_24m"] > 0), "、", ""), index=f.index)
    due = pd.Series(np.where(f["order_pending"] > 0, "（最近一次责令限期整改后尚未复查）", ""), index=f.index)
    return _when((f["order_24m"] > 0) | (f["referral_24m"] > 0), "近24个月" + order + sep + referral + due)


def _substantiated(f: pd.DataFrame) -> pd.Series:
    recent = "近12个月属实投诉" + _n(f["sub_12m"]) + "件" + _days(f["days_since_substantiated"])
    text = recent.where(f["sub_12m"] > 0, "近24个月属实投诉" + _n(f["sub_24m"]) + "件")
    return _when(f["sub_24m"] > 0, text)


def _complaints(f: pd.DataFrame) -> pd.Series:
    unsub = ("（经核实不属实或无法核实" + _n(f["unsub_12m"]) + "件）").where(f["unsub_12m"] > 0, "")
    return _when(f["cmp_12m"] > 0, "近12个月被投诉举报" + _n(f["cmp_12m"]) + "件" + unsub)


def _penalties(f: pd.DataFrame) -> pd.Series:
    serious = ("（含暂扣/吊销、停产停业等" + _n(f["pen_serious_24m"]) + "次）").where(
        f["pen_serious_24m"] > 0, ""
    )
    text = "近24个月受行政处罚" + _n(f["pen_24m"]) + "次" + serious + _days(f["days_since_penalty"])
    return _when(f["pen_24m"] > 0, text)


def _inspections(f: pd.DataFrame) -> pd.Series:
    text = "近12个月接受检查" + _n(f["insp_12m"]) + "次" + _days(f["days_since_insp"])
    return text.where(f["insp_24m"] > 0, "近24个月未接受检查")


def _licences(f: pd.DataFrame) -> pd.Series:
    age = f["licence_age_days"]
    text = pd.Series(None, index=f.index, dtype="object")
    text = text.mask((f["permits_active"] <= 0) & (f["permits_total"] > 0), "许可已过期")
    text = text.mask(age.notna() & (age < 365), "取得许可不足一年（" + _n(age) + "天）")
    return text.mask(f["expiring_90d"] > 0, _n(f["expiring_90d"]) + "项许可将于90天内到期")


def _pct(col: pd.Series) -> pd.Series:
    return (col.fillna(0) * 100).round().astype(int).astype(str) + "%"


def _field(f: pd.DataFrame) -> pd.Series:
    return "所在行业近12个月检查发现问题比例" + _pct(f["field_problem_rate"])


def _township(f: pd.DataFrame) -> pd.Series:
    return "所在乡镇近12个月检查发现问题比例" + _pct(f["township_problem_rate"])


#: Plain names of the groups, for a group that raises the score without a sentence of its own.
LABELS = {
    "problems": "检查记录",
    "severity": "检查结果",
    "substantiated": "属实投诉记录",
    "complaints": "投诉举报记录",
    "penalties": "行政处罚记录",
    "inspections": "检查频次",
    "licences": "许可持有情况",
    "field": "所在行业情况",
    "township": "所在乡镇情况",
}
NO_SIGNAL = "无突出风险信号"

SENTENCES: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "problems": _problems,
    "severity": _severity,
    "substantiated": _substantiated,
    "complaints": _complaints,
    "penalties": _penalties,
    "inspections": _inspections,
    "licences": _licences,
    "field": _field,
    "township": _township,
}


def describe(
    frame: pd.DataFrame, contributions: pd.DataFrame, top: int = 3, min_contribution: float = 0.002
) -> pd.Series:
    """One Chinese explanation per row: the ``top`` groups that raise the score most.

    Parameters
    ----------
    frame : features (one row per business).
    contributions : per-row contribution of each group (same index), positive = raises the score.
    top : how many signals to name.
    min_contribution : smaller contributions (in probability) are not named.
    """
    groups = list(contributions.columns)
    values = contributions.to_numpy(dtype=float)
    sentences = [SENTENCES[g](frame).tolist() for g in groups]
    notes = frame["hotspot_note"].tolist() if "hotspot_note" in frame.columns else [None] * len(frame)
    order = np.argsort(-values, axis=1, kind="stable")
    texts = []
    for i in range(len(frame)):
        parts = []
        for j in order[i]:
            if values[i, j] < min_contribution or len(parts) >= top:
                break
            sentence = sentences[j][i]
            if isinstance(sentence, str) and sentence:
                parts.append(sentence)
        if not parts:  # small contributions: still name what raises the score, never "no signal"
            raising = [j for j in order[i] if values[i, j] > 0][:top]
            parts = [s for j in raising if isinstance(s := sentences[j][i], str) and s]
            parts = parts or [f"{LABELS.get(groups[j], groups[j])}抬高风险分" for j in raising[:1]]
        if isinstance(notes[i], str) and notes[i]:
            parts.append(notes[i])
        texts.append("；".join(parts) if parts else NO_SIGNAL)
    return pd.Series(texts, index=frame.index, dtype="str")
