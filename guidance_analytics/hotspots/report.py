"""Files for people from the hotspot results: the spreadsheet (Chinese headers) and the HTML chart page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, rules, write_table
from .charts import hotspot_report_page
from .flags import find_episodes, hotspots
from .panels import DIMENSIONS, LEVEL_LABELS, MEASURES, PAIR_SEP, PANEL_KEYS, parse_by
from .records import RECORD_HEADERS, records_of_flags
from .seasonal import SEASONAL_HEADERS, seasonal_hotspots

__all__ = ["HEADERS", "METHOD_NAMES", "readable_hotspots", "write_hotspot_report", "write_hotspot_table"]

#: The baseline methods as staff read them.
METHOD_NAMES = {
    "none": "未评估（历史数据不足）",
    "farrington_noufaily": "改进 Farrington 法（含趋势）",
    "farrington_noufaily_notrend": "改进 Farrington 法（无趋势）",
    "glm_harmonic": "季节回归（历史较短）",
    "glm_level": "全年水平回归（无季节）",
    "glm_season1": "季节回归（一组年周期）",
    "glm_season2": "季节回归（两组年周期）",
    "ears_c2": "EARS-C2 短基线法",
}

#: Chinese headers for files people read
HEADERS = {
    "by": "维度",
    "field": "领域代码",
    "field_label": "领域",
    "period_start": "期间起",
    "period_end": "期间止",
    "observed": "实际数",
    "expected": "预期数",
    "upper": "预警上限",
    "exposure": "基数（在册许可或检查次数）",
    "rate_ratio": "实际/预期（倍）",
    "p_value": "p值",
    "q_value": "q值（错误发现率校正）",
    "flagged": "是否热点",
    "reason": "说明",
    "alarm": "单项预警",
    "method": "基线方法",
    "measure": "指标",
    "start": "开始",
    "end": "结束",
    "n_periods": "热点期数",
    "n_span": "跨越期数",
    "peak_period": "峰值期间",
    "peak_observed": "峰值实际数",
    "peak_ratio": "峰值倍数",
    "min_q": "最小q值",
    "ongoing": "是否持续中",
    "season": "月份/季度",
    "season_label": "时段",
    "years_total": "完整年数",
    "years_high": "偏高年数",
    "share_high": "偏高年份占比",
    "mean_ratio": "平均倍数",
    "recurrent": "是否季节性热点",
    "phi": "离散系数",
    "level": "层级",
    "parents": "所属上级领域",
    "test": "检验",
    "window": "检验期数",
    "observed_window": "检验期内实际数",
    "expected_window": "检验期内预期数",
    "p_adjusted": "每月误报期望（按此证据强度）",
    "effort_explained": "可由检查力度解释",
    "inspections": "检查次数",
    "failure_rate": "发现问题率",
    "failure_rate_expected": "以往发现问题率",
    "partial": "本期数据不完整",
    "effort_note": "检查力度说明",
}
#: columns of the hotspot table that are for the model, not for people
_MODEL_COLUMNS = ("phi_raw", "se_log_expected", "phi_df", "field1", "field2", "pos", "last_start")


def write_hotspot_table(
    ws: WorkspaceLike,
    path: str | Path,
    measure: str = "violations",
    by: str | tuple[str, ...] = "industry",
    hot: pd.DataFrame | None = None,
    seasonal: pd.DataFrame | None = None,
    **kwargs: Any,
) -> Path:
    """Write the hotspot spreadsheet (``.xlsx``: 热点, 全部, 连续热点, 季节性, 记录明细 sheets) or ``.csv``.

    ``hot`` / ``seasonal``: results already computed (else computed here with ``kwargs``). The 记录明细
    sheet lists the inspections, penalties and complaints counted in each flagged cell (its 热点
    column names the cell; no personal data), and 检查力度所致 the violation flags explained by
    inspection effort (not hotspots). The ``.csv`` holds every evaluated row.
    """
    if hot is None:
        hot = hotspots(ws, measure, by, **kwargs)
    shown = _for_people(hot[hot["method"] != "none"])
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return write_table(shown, path, headers=HEADERS)
    flagged = _for_people(hot[hot["flagged"]].sort_values(["period_start", "rate_ratio"], ascending=False))
    episodes = find_episodes(hot, max_gap=int(rules(ws, "hotspots").get("episodes", {}).get("max_gap", 0)))
    if seasonal is None:
        seasonal = _seasonal(ws, measure, by, kwargs)
    noun = MEASURES.get(_measure_name(measure, kwargs), ("事件",))[0]
    records = records_of_flags(ws, hot, **_record_options(kwargs))
    effort = hot[hot["effort_explained"]] if "effort_explained" in hot.columns else hot.iloc[:0]
    extra = {
        "全部": shown.rename(columns=HEADERS),
        "连续热点": readable_hotspots(episodes),
        "季节性": readable_hotspots(seasonal),
        "记录明细": _for_people(records).rename(columns=RECORD_HEADERS),
    }
    if len(effort):
        extra["检查力度所致"] = readable_hotspots(effort)
    return write_table(
        flagged,
        path,
        headers=HEADERS,
        sheet_name="热点",
        title=f"{noun}热点（按{_by_label(by)}）",
        subtitle=_subtitle(hot, rules(ws, "hotspots").get("flags", {}).get("false_flags")),
        extra_sheets=extra,
    )


def _record_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The panel options of ``hotspots`` that :func:`~guidance_analytics.hotspots.hotspot_records` needs."""
    return {k: kwargs[k] for k in ("include_penalties", "request_types") if kwargs.get(k) is not None}


def _seasonal(ws: WorkspaceLike, measure: str, by: Any, kwargs: dict[str, Any]) -> pd.DataFrame:
    panel_kw = {k: kwargs[k] for k in PANEL_KEYS if k in kwargs}
    try:
        return seasonal_hotspots(
            ws, measure, by, freq=kwargs.get("freq") or "M", end=kwargs.get("end"), **panel_kw
        )
    except ValueError:  # weekly panels have no seasonal summary
        return pd.DataFrame()


def _measure_name(measure: str, kwargs: dict[str, Any]) -> str:
    return "substantiated_complaints" if kwargs.get("substantiated") else measure


def _by_label(by: Any) -> str:
    return PAIR_SEP.join(DIMENSIONS.get(d, d) for d in parse_by(by))


def _subtitle(hot: pd.DataFrame, false_flags: float | None = None) -> str:
    if hot.empty:
        return "无数据"
    budget = f"{false_flags:g}" if false_flags is not None else "约 0.3"
    return (
        f"期间 {hot['period_start'].min():%Y-%m-%d} 至 {hot['period_end'].max():%Y-%m-%d}；"
        f"热点 = 单月或连续数月明显高于该领域自身历史推算的预期，且按“每月误报平均不超过 {budget} 个”的标准"
        "与同期所有领域一并校正后仍显著；可由检查力度（如专项检查）解释的不列为热点（见“说明”列）"
    )


def readable_hotspots(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A hotspot, episode or seasonal table as staff read it: Chinese headers (:data:`HEADERS`) and
    values (是/否, 行业大类, the baseline method's Chinese name), rounded; ``columns`` picks and
    orders the columns first (snake_case names).

    Examples
    --------
    >>> t = pd.DataFrame({"by": ["township"], "field": ["南麻街道"], "method": ["glm_harmonic"],
    ...                   "flagged": [True], "q_value": [0.012345]})
    >>> readable_hotspots(t).iloc[0].to_dict()
    {'维度': '乡镇（街道）', '领域代码': '南麻街道', '基线方法': '季节回归（历史较短）', '是否热点': '是', 'q值（错误发现率校正）': 0.0123}
    """
    picked = df[[c for c in columns if c in df.columns]] if columns is not None else df
    headers = {**HEADERS, **SEASONAL_HEADERS} if "season" in df.columns else HEADERS
    out = _for_people(picked)
    for col in ("period_start", "start", "peak_period"):
        if col in out.columns and pd.api.types.is_datetime64_any_dtype(out[col]):
            stamps = pd.to_datetime(out[col])
            if (stamps.dropna().dt.day == 1).all():  # monthly periods: the month, as people say it
                out[col] = [f"{t.year}年{t.month}月" if pd.notna(t) else None for t in stamps]
    return out.rename(columns=headers)


def _for_people(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    if "by" in out.columns:
        out["by"] = out["by"].map(
            lambda b: PAIR_SEP.join(DIMENSIONS.get(d, d) for d in parse_by(b)) if isinstance(b, str) else b
        )
    if "method" in out.columns:
        out["method"] = out["method"].map(lambda m: METHOD_NAMES.get(m, m))
    if "measure" in out.columns:
        out["measure"] = out["measure"].map(lambda m: MEASURES.get(m, (m,))[0])
    if "level" in out.columns:
        out["level"] = out["level"].map(lambda v: LEVEL_LABELS.get(v, v))
    for col in ("flagged", "alarm", "ongoing", "recurrent", "effort_explained", "partial", "problem"):
        if col in out.columns:
            out[col] = np.where(out[col].astype(bool), "是", "否")
    for col in (
        "expected",
        "upper",
        "rate_ratio",
        "mean_ratio",
        "peak_ratio",
        "share_high",
        "phi",
        "expected_window",
        "failure_rate",
        "failure_rate_expected",
    ):
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="coerce").round(2)
    for col in ("p_value", "q_value", "min_q", "p_adjusted"):
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="coerce").round(4)
    out = out.drop(columns=[c for c in _MODEL_COLUMNS if c in out.columns])
    if "field_label" in out.columns:  # the readable name next to the key
        cols = [c for c in out.columns if c != "field_label"]
        cols.insert(cols.index("field") + 1 if "field" in cols else 0, "field_label")
        out = out[cols]
    return out


def write_hotspot_report(
    ws: WorkspaceLike,
    out_dir: str | Path,
    measure: str = "violations",
    by: str | tuple[str, ...] = "industry",
    hot: Any = None,
    **kwargs: Any,
) -> dict[str, Path]:
    """Write the hotspot spreadsheet and the HTML chart page to ``out_dir``.

    ``hot`` is the result of :func:`hotspots` for the same arguments when the caller already has it.

    Returns
    -------
    dict
        ``{"xlsx": path, "html": path}``; file names ``hotspots_<measure>_<by>.xlsx/.html``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    hot = hotspots(ws, measure, by, **kwargs) if hot is None else hot
    stem = f"hotspots_{measure}_{'_x_'.join(parse_by(by))}"
    seasonal = _seasonal(ws, measure, by, kwargs)
    xlsx = write_hotspot_table(
        ws, out_dir / f"{stem}.xlsx", measure, by, hot=hot, seasonal=seasonal, **kwargs
    )
    episodes = find_episodes(hot, max_gap=int(rules(ws, "hotspots").get("episodes", {}).get("max_gap", 0)))
    top = int(rules(ws, "hotspots").get("report", {}).get("top_fields", 8))
    html = hotspot_report_page(
        hot,
        episodes,
        out_dir / f"{stem}.html",
        measure=_measure_name(measure, kwargs),
        top_fields=top,
        seasonal=seasonal,
        records=records_of_flags(ws, hot, **_record_options(kwargs)),
    )
    return {"xlsx": xlsx, "html": html}
