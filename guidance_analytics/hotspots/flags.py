"""Hotspots: the periods and fields where violations or complaints are unusually frequent.

Pipeline: a count panel per field and period (DuckDB, :mod:`~guidance_analytics.hotspots.panels`)
→ the prospective aberration detector (:func:`guidance_analytics.hotspots.detect.detect_aberrations`,
improved Farrington with the log exposure as offset) per field → Benjamini–Hochberg q-values per
period across the fields → flags, Chinese reasons and episodes (recurrent seasons:
:mod:`~guidance_analytics.hotspots.seasonal`).

What a flag means (exactly)
---------------------------
``alarm``  the detector's decision for the cell: ``observed > upper`` (``upper`` = the ``1 - alpha``
           negative-binomial quantile of the expected count from that field's own history up to the
           period), with at least ``min_count`` events in the period.
``q_value`` the Benjamini–Hochberg q-value of the cell's one-sided p-value among all evaluated fields of
           the same period (same ``by``); a field joins this family from its first event on.
``flagged`` ``alarm and q_value <= fdr``: the cell is unusually high for its own field *and* remains so
           after allowing for the number of fields looked at in that period. ``fdr=None`` → ``alarm``.

Decisions are prospective: a period's flag uses only data up to that period, so flags of earlier
periods never change when later data arrive.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, rules
from .detect import detect_aberrations
from .panels import MEASURES, hotspot_panel

__all__ = [
    "EXTRA_COLUMNS",
    "OUTPUT_COLUMNS",
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
EXTRA_COLUMNS = ["field_label", "alarm", "method", "measure", "phi"]


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


def flag_hotspots(
    panel: pd.DataFrame,
    freq: str = "M",
    start: Any = None,
    alpha: float = 0.01,
    fdr: float | None = 0.05,
    measure: str = "violations",
    **detect_kwargs: Any,
) -> pd.DataFrame:
    """Run the detector on a hotspot panel and add q-values, flags and reasons (no workspace needed).

    Parameters
    ----------
    panel : columns ``by``, ``field``, ``period_start``, ``period_end``, ``observed``, ``exposure``
        (``NaN`` = none) and optionally ``field_label`` — as returned by ``hotspot_panel``.
    freq : ``"W"``, ``"M"`` or ``"Q"``.
    start : the period holding this date is the first one evaluated and returned (earlier periods are
        history only); ``None`` = all.
    alpha : one-sided level of the bound.
    fdr : Benjamini–Hochberg level across fields within a period; ``None`` flags every alarm.
    measure : names the events in the reasons (see ``panels.MEASURES``).
    **detect_kwargs : passed to ``detect_aberrations`` (e.g. ``min_count``, ``years_back``).

    Returns
    -------
    pandas.DataFrame
        ``OUTPUT_COLUMNS`` then ``field_label``, ``alarm``, ``method``, ``measure``, ``phi`` (the
        baseline's dispersion: variance = ``phi`` × mean); sorted by period and
        field. Exposure is ``NaN`` where none was used. For the model, a licence exposure is floored at
        1 (a field without active licences is compared with its own counts, and the decision for a
        period never depends on later licences); for the failure rate a period without inspections
        carries the last inspection count forward (its count is 0 anyway).
    """
    freq = freq.upper()
    columns = OUTPUT_COLUMNS + EXTRA_COLUMNS
    if panel.empty:
        return _empty_result(columns)
    df = panel.reset_index(drop=True).copy()
    if start is not None:  # the period holding ``start`` is the first one reported
        start = pd.Timestamp(start).to_period({"W": "W-SUN", "M": "M", "Q": "Q"}[freq]).start_time
    if "field_label" not in df.columns:
        df["field_label"] = df["field"]
    exp = pd.to_numeric(df["exposure"], errors="coerce")
    if measure == "inspection_failure_rate":  # no inspection = no information: carried forward
        model_exp = exp.where(exp > 0)
        model_exp = model_exp.where(model_exp.notna().groupby(df["field"]).transform("any"), 1.0)
    else:  # licences: at least one, so a field without licences is compared with its own counts
        model_exp = exp.clip(lower=1.0).fillna(1.0)
    det_panel = pd.DataFrame(
        {"series": df["field"], "period": df["period_start"], "count": df["observed"], "exposure": model_exp}
    )
    res = detect_aberrations(det_panel, freq=freq, alpha=alpha, evaluate_from=start, **detect_kwargs)
    df["expected"] = res["expected"].to_numpy(float)
    df["upper"] = res["upper"].to_numpy(float)
    df["p_value"] = res["p_value"].to_numpy(float)
    df["alarm"] = res["alarm"].to_numpy(bool)
    df["method"] = res["method"].astype(str).to_numpy()
    df["phi"] = res["phi"].to_numpy(float) if "phi" in res.columns else np.nan
    # a field enters the multiple-testing family from its first event on, so fields that appear later
    # never change the q-values (and flags) of earlier periods
    started = df.sort_values("period_start").groupby("field")["observed"].cumsum().reindex(df.index) > 0
    if start is not None:
        keep = (df["period_start"] >= pd.Timestamp(start)).to_numpy()
        df, started = df[keep].reset_index(drop=True), started[keep].reset_index(drop=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        # a ratio to an expectation of (almost) nothing means nothing: left empty
        df["rate_ratio"] = np.where(df["expected"] >= 0.01, df["observed"] / df["expected"], np.nan)
    df["q_value"] = _bh_by_period(df["period_start"], df["p_value"].where(started))
    df["flagged"] = df["alarm"] & ((df["q_value"] <= fdr) if fdr is not None else True)
    df["measure"] = measure
    df["reason"] = _reasons(df, freq, measure, fdr)
    return df[columns].sort_values(["period_start", "field"], ignore_index=True)


def _empty_result(columns: list[str]) -> pd.DataFrame:
    types = {
        "period_start": "datetime64[us]",
        "period_end": "datetime64[us]",
        "observed": "int64",
        "flagged": bool,
        "alarm": bool,
    }
    return pd.DataFrame(
        {
            c: pd.Series(
                dtype=types.get(
                    c,
                    "float64"
                    if c in ("expected", "upper", "exposure", "rate_ratio", "p_value", "q_value", "phi")
                    else "str",
                )
            )
            for c in columns
        }
    )


def _bh_by_period(period: pd.Series, p: pd.Series) -> np.ndarray:
    """Benjamini–Hochberg q-values within each period (vectorised; NaN p-values stay NaN)."""
    q = np.full(len(p), np.nan)
    ok = p.notna().to_numpy()
    if not ok.any():
        return q
    d = pd.DataFrame({"g": period.to_numpy()[ok], "p": p.to_numpy(float)[ok], "i": np.flatnonzero(ok)})
    d = d.sort_values(["g", "p"], ignore_index=True)
    grp = d.groupby("g", sort=False)
    d["raw"] = d["p"] * grp["p"].transform("size") / (grp.cumcount() + 1)
    d = d.iloc[::-1]
    d["q"] = d.groupby("g", sort=False)["raw"].cummin().clip(upper=1.0)
    q[d["i"].to_numpy()] = d["q"].to_numpy()
    return q


def _reasons(df: pd.DataFrame, freq: str, measure: str, fdr: float | None) -> np.ndarray:
    noun, unit = MEASURES.get(measure, ("事件", "件"))
    rate = measure == "inspection_failure_rate"
    out = np.where(df["observed"] > df["upper"], "", "在预期范围内").astype(object)
    out[(df["method"] == "none").to_numpy() | ~np.isfinite(df["expected"].to_numpy(float))] = (
        "历史数据不足，未评估"
    )
    todo = np.flatnonzero(out == "")
    for i, r in zip(todo, df.iloc[todo].itertuples(index=False), strict=True):
        head = f"{period_label(r.period_start, freq)} {r.field_label} {noun} {int(r.observed)} {unit}"
        if rate and np.isfinite(r.exposure) and r.exposure > 0:
            head += f"（共检查 {int(r.exposure)} 次，发现问题率 {r.observed / r.exposure:.0%}）"
        text = f"{head}，预期 {r.expected:.1f} {unit}（上限 {r.upper:.0f}）"
        if np.isfinite(r.rate_ratio):
            text += f"，为预期的 {r.rate_ratio:.1f} 倍"
        else:
            text += "，此前几乎没有此类记录"
        if r.flagged:
            out[i] = text
        elif r.alarm:
            out[i] = f"{text}；但与同期其他领域一并校正后不显著（q={r.q_value:.2f} > {fdr}），不列为热点"
        else:
            out[i] = f"{text}；超出上限但件数过少，不列为热点"
    return out


def _defaults(ws: WorkspaceLike, kwargs: dict[str, Any]) -> dict[str, Any]:
    cfg = rules(ws, "hotspots").get("detect", {})  # alpha, fdr and any detect_aberrations keyword
    for key in cfg:
        if kwargs.get(key) is None:
            kwargs[key] = cfg[key]
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
        ``"violations"``, ``"complaints"``, ``"substantiated_complaints"``, ``"inspection_failure_rate"``.
    by : str or tuple of str
        ``"industry"`` (division), ``"industry_section"``, ``"industry_class"``, ``"permit_item"``,
        ``"township"``, ``"violation_type"``, ``"complaint_category"`` or a pair (``"industry×township"``).
    freq : str
        ``"W"``, ``"M"`` or ``"Q"``.
    start : date-like, optional
        First period reported (earlier data is history only); ``None`` = every period.
    end : date-like, optional
        Last date used; ``None`` = all data.
    alpha : float, optional
        Level of the detector's upper bound (default from ``config/hotspots.toml``: 0.01).
    fdr : float, optional
        Benjamini–Hochberg level across the fields of a period (default 0.05); ``fdr=1`` flags every alarm.
    substantiated : bool
        Complaints only 属实 / 部分属实.
    exposure : {"auto", None}
        ``"auto"``: active licences (or inspections for the failure rate) as exposure; ``None``: plain counts.
    request_types : list of str, optional
        Complaints only these 诉求类型 (e.g. ``["投诉", "举报"]``).
    include_penalties : bool
        Violations also count penalty decisions.
    min_count : int, optional
        No flag unless the period holds at least this many events (default from the config: 5).
    **detect_options
        Any other keyword of :func:`~guidance_analytics.hotspots.detect.detect_aberrations`
        (``threshold_method``, ``years_back`` …); defaults from ``config/hotspots.toml`` ``[detect]``.

    Returns
    -------
    pandas.DataFrame
        ``by, field, period_start, period_end, observed, expected, upper, exposure, rate_ratio, p_value,
        q_value, flagged, reason`` then ``field_label, alarm, method, measure, phi``.

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> hotspots(ws, "violations", "industry").columns[:4].tolist()
    ['by', 'field', 'period_start', 'period_end']
    """
    options = _defaults(ws, {"alpha": alpha, "fdr": fdr, "min_count": min_count, **detect_options})
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
    )
    named = "substantiated_complaints" if substantiated else measure
    return flag_hotspots(panel, freq=freq, start=start, measure=named, **options)


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
