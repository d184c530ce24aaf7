"""Verdicts and Chinese sentences of the effect figures: never an effect the interval does not carry.

Works on the summary rows built by :func:`guidance_analytics.effects.guidance_effects` (no
DuckDB, no workspace). Part of :mod:`guidance_analytics.effects`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: Outcomes counted per business and month.
COUNT_OUTCOMES = ("violations", "penalties", "substantiated_complaints", "inspections")
ALL_METHODS = "全部"
#: The verdicts, in the order people read them.
EFFECTIVE, NO_CHANGE, NOT_REDUCED, UNDECIDED = "有效", "无显著变化", "未见减少", "数据不足以判断"
VERDICTS = (EFFECTIVE, NO_CHANGE, NOT_REDUCED, UNDECIDED)

SUMMARY_COLUMNS = [
    "method",
    "outcome",
    "outcome_label",
    "window_months",
    "as_of",
    "n_entries",
    "n_pending",
    "n_unmatched",
    "n_off_support",
    "n_excluded",
    "n_cases",
    "n_controls",
    "guided_pre",
    "guided_post",
    "control_pre",
    "control_post",
    "naive_change",
    "naive_ci_low",
    "naive_ci_high",
    "control_change",
    "did",
    "estimate",
    "ci_low",
    "ci_high",
    "relative_change",
    "rel_ci_low",
    "rel_ci_high",
    "pretrend_p",
    "placebo",
    "placebo_ci_low",
    "placebo_ci_high",
    "significant",
    "verdict",
    "reason",
    "interpretation",
]


def _finite(*values: Any) -> bool:
    return all(v is not None and np.isfinite(float(v)) for v in values)


def off_support_reason(off: int, min_support: int, milder: int = 0) -> str:
    """The Chinese sentence on ``off`` entries outside the controls' range of risk (``milder`` of
    them below it rather than above).

    >>> off_support_reason(12, 3)
    '12户次指导对象指导前的风险高于同行业几乎所有可比的未受指导主体（风险分或前12个月违法问题数不低于它的不足3户），无法比较，未计入估计'
    """
    text = (
        f"{off}户次指导对象指导前的风险高于同行业几乎所有可比的未受指导主体（风险分或前12个月违法问题数"
        f"不低于它的不足{min_support}户）"
    )
    if milder:
        text += f"（其中{milder}户次相反，低于几乎所有对照）"
    return text + "，无法比较，未计入估计"


def verdict(
    row: dict[str, Any],
    *,
    min_cases: int,
    check_level: float = 0.05,
    max_off_support_share: float = 0.25,
    min_support: int = 3,
) -> tuple[str, str]:
    """(verdict, Chinese reason) of one summary row.

    有效 only when the interval lies below 0, at least ``min_cases`` cases were evaluated, the
    pre-trend test does not reject (p ≥ ``check_level``) and the placebo shows no effect of the
    same sign. 未见减少: the interval lies above 0. 无显著变化: the interval contains 0.
    数据不足以判断: too few cases, no interval, a failed check, or more than
    ``max_off_support_share`` of the comparable entries (evaluated + ``n_off_support``) outside
    the controls' range of risk — the figure would then describe only the milder guided
    businesses, and the others have no unguided business to be compared with.

    >>> verdict({"n_cases": 3, "ci_low": -2.0, "ci_high": -1.0}, min_cases=10)[0]
    '数据不足以判断'
    >>> verdict({"n_cases": 40, "ci_low": -0.5, "ci_high": 0.2, "pretrend_p": 0.6}, min_cases=10)[0]
    '无显著变化'
    >>> verdict({"n_cases": 12, "n_off_support": 8, "ci_low": 1.0, "ci_high": 2.0}, min_cases=10)[0]
    '数据不足以判断'
    """
    n = int(row.get("n_cases", 0) or 0)
    off = int(row.get("n_off_support", 0) or 0)
    if off and (n < min_cases or off / (n + off) > max_off_support_share):
        why = off_support_reason(off, min_support, int(row.get("_off_milder", 0) or 0))
        if n < min_cases:
            return UNDECIDED, why + f"；其余可比较的仅{n}户次（少于{min_cases}），不能据此得出结论"
        return UNDECIDED, (
            why + f"，占可比较户次的{off / (n + off):.0%}（超过{max_off_support_share:.0%}）："
            "估计只代表风险较低的被指导主体，不能据此得出结论"
        )
    if n == 0:
        return UNDECIDED, "尚无随访期已满且找到可比对照的指导记录"
    if n < min_cases:
        return UNDECIDED, f"可评估户次仅{n}（少于{min_cases}），样本过少，不能据此得出结论"
    low, high = row.get("ci_low"), row.get("ci_high")
    if not _finite(low, high):
        return UNDECIDED, "无法计算置信区间"
    p = row.get("pretrend_p")
    if _finite(p) and float(p) < check_level:
        return UNDECIDED, (
            f"指导前被指导主体与对照主体的走势不一致（前趋势检验 p={float(p):.3f}），"
            "对照组不能代表“未受指导时会怎样”"
        )
    pl, ph = row.get("placebo_ci_low"), row.get("placebo_ci_high")
    placebo_same_sign = _finite(pl, ph) and ((high < 0 and ph < 0) or (low > 0 and pl > 0))
    if placebo_same_sign:
        return (
            UNDECIDED,
            "安慰剂检验（未受指导的主体充当被指导主体）也得出同方向的“效果”，比较方法在这批数据上不可靠",
        )
    if high < 0:
        return EFFECTIVE, "置信区间整体小于0：指导后问题数显著少于可比的未受指导主体"
    if low > 0:
        return NOT_REDUCED, "置信区间整体大于0：指导后问题数反而多于可比的未受指导主体，不能认定有效"
    return NO_CHANGE, "置信区间包含0：数据与“没有效果”相符，不能认定指导有效，也不能认定无效"


def interpret(
    row: dict[str, Any], *, label: str, unit: str, level: float, subject: str = "被指导主体"
) -> str:
    """The Chinese sentence of one summary row (figures, verdict and its reason)."""
    w = row["window_months"]
    who = "" if row["method"] == ALL_METHODS else f"「{row['method']}」"
    as_of = f"{pd.Timestamp(row['as_of']):%Y-%m-%d}"
    if row["n_entries"] == 0:
        return f"登记簿中尚无{who}行政指导记录，暂无可评估的效果。结论：{row['verdict']}。"
    if row["n_cases"] == 0:
        text = (
            f"共{row['n_entries']}条{who}指导记录，其中{row['n_pending']}条指导后{w}个月的随访期"
            f"截至{as_of}尚未期满"
        )
        if row["n_unmatched"]:
            text += f"，{row['n_unmatched']}条找不到可比的未受指导主体"
        if row.get("n_off_support"):
            text += f"，{row['n_off_support']}条指导前的风险超出可比对照的范围"
        if row.get("n_excluded"):
            text += f"，{row['n_excluded']}条因指导前已受指导或指导前数据不足未评估"
        return text + f"。结论：{row['verdict']}（{row['reason']}）。"
    pct = f"{level:.0%}"
    parts = [
        f"{label}：{subject}{who}（{row['n_cases']}户次）指导后{w}个月平均{row['guided_post']:.2f}{unit}"
        f"（指导前同等时长{row['guided_pre']:.2f}{unit}，简单前后对比{row['naive_change']:+.2f}{unit}）；"
        f"可比的未受指导主体（按指导前记录和风险匹配并校正）同期{row['control_post']:.2f}{unit}。"
    ]
    if row.get("n_off_support"):
        parts.append(f"另有{row['n_off_support']}户次指导前的风险超出可比对照的范围，未计入估计。")
    if _finite(row["estimate"]):
        ci = (
            f"{pct}置信区间{row['ci_low']:+.2f}至{row['ci_high']:+.2f}"
            if _finite(row["ci_low"], row["ci_high"])
            else "无法计算置信区间"
        )
        rel = f"，约{row['relative_change']:+.0%}" if _finite(row["relative_change"]) else ""
        parts.append(f"指导效果估计为{row['estimate']:+.2f}{unit}{rel}（{ci}）。")
    if _finite(row.get("pretrend_p")):
        parts.append(f"前趋势检验 p={row['pretrend_p']:.2f}。")
    if row["outcome"] == "inspections":
        parts.append("被检查次数反映的是执法力度，不作为指导效果的结论，解读违法问题数时应一并参考。")
        return "".join(parts)
    parts.append(f"结论：{row['verdict']}（{row['reason']}）。")
    naive = row["naive_change"]
    if _finite(naive, row["control_change"]) and naive < 0 and row["control_change"] < 0:
        parts.append(
            f"注意：{subject}多因近期记录较差而被选中，其问题数本会自然回落（向均值回归）；可比主体同期也变化了"
            f"{row['control_change']:+.2f}{unit}，简单前后对比会夸大效果。"
        )
    return "".join(parts)


def verdict_row(
    row: dict[str, Any], *, rules: dict[str, Any], label: str, unit: str, subject: str
) -> dict[str, Any]:
    """Add ``verdict``, ``reason``, ``significant`` and ``interpretation`` to a summary row."""
    if row["outcome"] == "inspections":
        v, why = "—", "检查次数不作效果判断"
    else:
        v, why = verdict(
            row,
            min_cases=int(rules.get("min_cases", 10)),
            check_level=float(rules.get("check_level", 0.05)),
            max_off_support_share=float(rules.get("max_off_support_share", 0.25)),
            min_support=int(rules.get("min_support", 3)),
        )
    row["verdict"], row["reason"] = v, why
    row["significant"] = v in (EFFECTIVE, NOT_REDUCED)
    row["interpretation"] = interpret(
        row, label=label, unit=unit, level=float(rules.get("ci_level", 0.95)), subject=subject
    )
    return row
