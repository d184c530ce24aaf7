"""Difference-in-differences estimates, bootstrap intervals and honest Chinese sentences.

Works on the per-case table of :func:`guidance_analytics.effects.follow_up_cases` (no DuckDB, no
workspace). Part of :mod:`guidance_analytics.effects`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: Outcomes counted per business and window; ``violations_per_inspection`` is derived from two.
COUNT_OUTCOMES = ("violations", "penalties", "substantiated_complaints", "inspections")
RATIO_OUTCOME = "violations_per_inspection"
ALL_METHODS = "全部"

SUMMARY_COLUMNS = [
    "method",
    "outcome",
    "outcome_label",
    "window_months",
    "as_of",
    "n_entries",
    "n_pending",
    "n_unmatched",
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
    "ci_low",
    "ci_high",
    "significant",
    "interpretation",
]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Ratio of sums along the last axis; NaN where nothing was inspected."""
    top, bottom = num.sum(axis=-1), den.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1), np.nan)


def _values(cases: pd.DataFrame, outcome: str) -> dict[str, np.ndarray]:
    """Arrays gp, gq, cp, cq (guided/control, pre/post) of one count outcome."""
    return {
        key: cases[f"{group}_{when}_{outcome}"].to_numpy(dtype=float)
        for key, group, when in (
            ("gp", "guided", "pre"),
            ("gq", "guided", "post"),
            ("cp", "control", "pre"),
            ("cq", "control", "post"),
        )
    }


def _stats(cases: pd.DataFrame, outcome: str, idx: np.ndarray | None) -> dict[str, Any]:
    """Group means, naive change and DiD of one outcome; with ``idx`` (resamples × n) their draws."""
    if outcome == RATIO_OUTCOME:
        v, i = _values(cases, "violations"), _values(cases, "inspections")
        take = (lambda a: a[idx]) if idx is not None else (lambda a: a)
        means = {k: _ratio(take(v[k]), take(i[k])) for k in v}
    else:
        v = _values(cases, outcome)
        means = {k: (a[idx] if idx is not None else a).mean(axis=-1) for k, a in v.items()}
    naive = means["gq"] - means["gp"]
    control = means["cq"] - means["cp"]
    return {**means, "naive": naive, "control": control, "did": naive - control}


def _interval(draws: np.ndarray, level: float) -> tuple[float, float]:
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        return np.nan, np.nan
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return float(low), float(high)


def _trend(before: float, after: float, unit: str, w: int) -> str:
    if after < before:
        return f"由指导前{w}个月的{before:.2f}{unit}降至指导后{w}个月的{after:.2f}{unit}"
    if after > before:
        return f"由指导前{w}个月的{before:.2f}{unit}升至指导后{w}个月的{after:.2f}{unit}"
    return f"指导前后{w}个月均为{before:.2f}{unit}"


def interpret(
    row: dict[str, Any], *, label: str, unit: str, min_cases: int, level: float, subject: str = "被指导主体"
) -> str:
    """The Chinese sentence of one summary row (see :func:`summarise_effects`)."""
    w, who = row["window_months"], "" if row["method"] == ALL_METHODS else f"「{row['method']}」"
    as_of = f"{pd.Timestamp(row['as_of']):%Y-%m-%d}"
    if row["n_entries"] == 0:
        return f"登记簿中尚无{who}行政指导记录，暂无可评估的效果。"
    if row["n_cases"] == 0:
        text = (
            f"共{row['n_entries']}条{who}指导记录，其中{row['n_pending']}条指导后{w}个月的随访期"
            f"截至{as_of}尚未期满"
        )
        if row["n_unmatched"]:
            text += f"，{row['n_unmatched']}条找不到同行业未受指导的对照主体"
        return text + "；尚无可评估的记录，请待随访期满后再评估。"
    pct = f"{level:.0%}"
    means = [row[k] for k in ("guided_pre", "guided_post", "control_pre", "control_post")]
    if not np.all(np.isfinite(means)):
        return (
            f"{label}：{subject}{who}（{row['n_cases']}户次）或其对照主体在指导前或指导后{w}个月内没有检查记录，"
            "无法计算此项。"
        )
    if max(abs(m) for m in means) == 0:
        return (
            f"{label}：{subject}{who}（{row['n_cases']}户次）及其对照主体指导前后{w}个月均无此类记录，"
            "无法据此评估效果。"
        )
    parts = [
        f"{label}：{subject}{who}（{row['n_cases']}户次）平均"
        f"{_trend(row['guided_pre'], row['guided_post'], unit, w)}（简单前后对比{row['naive_change']:+.2f}{unit}）；"
        f"匹配的未受指导对照主体同期{_trend(row['control_pre'], row['control_post'], unit, w)}。"
    ]
    low, high, did = row["ci_low"], row["ci_high"], row["did"]
    if np.isfinite(did):
        ci = f"{pct}置信区间{low:+.2f}至{high:+.2f}" if np.isfinite(low) else "样本太少，无法计算置信区间"
        parts.append(f"扣除对照组同期变化后，双重差分估计为{did:+.2f}{unit}（{ci}）。")
    if row["n_cases"] < min_cases:
        parts.append(
            f"可评估记录仅{row['n_cases']}条（少于{min_cases}条），样本过少，以上数字仅用于演示方法，"
            "不能据此得出结论。"
        )
    elif not (np.isfinite(low) and np.isfinite(high)) or low <= 0 <= high:
        parts.append("差异不显著，不能据此认定指导有效。")
    elif row["outcome"] == "inspections":
        parts.append(
            f"{subject}被检查次数相对对照组有显著变化；违法问题数取决于是否被检查，"
            "应结合“每次检查发现问题数”一并解读。"
        )
    elif high < 0:
        parts.append(
            "指导后下降幅度显著大于对照组，提示指导可能减少了问题；但这是观察性比较，仍可能受未观测因素影响。"
        )
    else:
        parts.append("指导后相对对照组反而增加（可能是指导后检查更频繁、发现更多问题），不能认定指导有效。")
    naive, common = row["naive_change"], row["control_change"]
    if row["outcome"] != "inspections" and naive < 0 and common < 0.05 * naive:
        parts.append(
            f"注意：{subject}多因近期记录较差而被选中，其指标本会自然回落（向均值回归）；对照组同期也变化了"
            f"{common:+.2f}{unit}，简单前后对比中约{min(common / naive, 1):.0%}的下降并非指导所致，"
            "应以扣除对照组后的估计为准。"
        )
    elif row["outcome"] != "inspections" and naive < 0:
        parts.append(
            f"注意：{subject}多因近期记录较差而被选中，只看指导前后的简单对比容易因向均值回归而夸大效果。"
        )
    gap = abs(row["guided_pre"] - row["control_pre"])
    if np.isfinite(gap) and gap > max(0.5, 0.2 * abs(row["guided_pre"])):
        parts.append(
            f"匹配后两组指导前水平仍有差距（{row['guided_pre']:.2f} 对 {row['control_pre']:.2f}），"
            "同行业中找不到记录同样差的未受指导主体，上述估计可能有偏（方向不定），宜谨慎看待。"
        )
    return "".join(parts)


def _group_rows(
    group: pd.DataFrame,
    method: str,
    rules: dict[str, Any],
    n_boot: int,
    rng: np.random.Generator,
    meta: dict[str, Any],
    subject: str,
) -> list[dict[str, Any]]:
    evaluated = group[group["status"] == "已评估"]
    n = len(evaluated)
    idx = rng.integers(0, n, size=(n_boot, n)) if n >= 2 and n_boot > 0 else None
    ids = {i for text in evaluated["control_ids"].dropna() for i in str(text).split(";")}
    level = float(rules.get("ci_level", 0.95))
    rows = []
    for outcome, (label, unit) in rules["outcomes"].items():
        row: dict[str, Any] = {
            "method": method,
            "outcome": outcome,
            "outcome_label": label,
            **meta,
            "n_entries": len(group),
            "n_pending": int((group["status"] == "随访期未满").sum()),
            "n_unmatched": int((group["status"] == "无可比对照").sum()),
            "n_cases": n,
            "n_controls": len(ids),
        }
        point = _stats(evaluated, outcome, None) if n else {}
        row.update(
            {
                key: float(point[src]) if n else np.nan
                for key, src in (
                    ("guided_pre", "gp"),
                    ("guided_post", "gq"),
                    ("control_pre", "cp"),
                    ("control_post", "cq"),
                    ("naive_change", "naive"),
                    ("control_change", "control"),
                    ("did", "did"),
                )
            }
        )
        for key in ("naive_ci_low", "naive_ci_high", "ci_low", "ci_high"):
            row[key] = np.nan
        if idx is not None:
            draws = _stats(evaluated, outcome, idx)
            row["naive_ci_low"], row["naive_ci_high"] = _interval(draws["naive"], level)
            row["ci_low"], row["ci_high"] = _interval(draws["did"], level)
        row["significant"] = bool(
            np.isfinite(row["ci_low"])
            and n >= int(rules.get("min_cases", 10))
            and (row["ci_low"] > 0 or row["ci_high"] < 0)
        )
        row["interpretation"] = interpret(
            row,
            label=label,
            unit=unit,
            subject=subject,
            min_cases=int(rules.get("min_cases", 10)),
            level=level,
        )
        rows.append(row)
    return rows


def summarise_effects(
    cases: pd.DataFrame, *, rules: dict[str, Any], n_boot: int = 500, seed: int = 0
) -> pd.DataFrame:
    """Summarise a per-case table into one row per (method, outcome).

    See :func:`guidance_analytics.effects.guidance_effects` for the columns. Each group's bootstrap
    resamples its evaluated cases with replacement (the same resamples for every outcome).
    """
    meta = {"window_months": cases.attrs.get("window_months"), "as_of": cases.attrs.get("as_of")}
    order = [m for m in rules.get("methods", []) if m in set(cases["method"])]
    order += sorted(set(cases["method"].dropna()) - set(order))
    rng = np.random.default_rng(seed)
    subject = "假设挑选的未指导主体" if cases.attrs.get("hypothetical") else "被指导主体"
    rows = _group_rows(cases, ALL_METHODS, rules, n_boot, rng, meta, subject)
    for method in order:
        rows += _group_rows(cases[cases["method"] == method], method, rules, n_boot, rng, meta, subject)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
