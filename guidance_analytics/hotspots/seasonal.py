"""Recurrent seasonal hotspots: months or quarters of the year that are high year after year.

For each field and complete calendar year, the non-seasonal baseline of a month (quarter) is the
year's total spread over its periods in proportion to the exposure (active licences; equal shares
without exposure). A season is *high* in a year when ``observed >= ratio_threshold × baseline``.

Pooled over years, ``observed`` (sum) is compared with ``expected`` (sum of baselines) by a one-sided
negative-binomial test, ``P(Y >= observed)`` with mean ``expected`` and variance ``phi × mean``; ``phi``
is the field's Pearson dispersion around a stable seasonal pattern (year × season independence,
``(years - 1)(seasons - 1)`` degrees of freedom, floored at 1), so a season that is high by a varying
amount from year to year gets a wider bound. Benjamini–Hochberg
q-values are taken over all field × season cells.

A season is **recurrent** when the field has at least ``min_years`` complete years with events,
the season was high in at least ``ceil(min_share_high × years_total)`` of them, the pooled q-value is
at most ``fdr`` and the season holds at least ``min_observed`` events over those years.

Violations and effort (:func:`seasonal_hotspots`): a summer inspection campaign every year makes
summer violations high every year without any change in how often businesses break rules. For
violations the same profile is computed for the inspections and for the failure rate (problem
inspections with all inspections as exposure: the months' baselines follow the inspections). A
recurrent violation season is **explained by effort** (``effort_explained``, not recurrent) when the
inspections are recurrently high in that season too and the failure rate is not (its pooled q-value
above ``fdr`` or its ratio at most 1).

With ``by="industry"`` (every level) a parent that repeats its only child is dropped, and a parent's
recurrent season is not reported again when a descendant has the same recurrent season (the finest
level carries it).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..core import WorkspaceLike, rules
from .detect import benjamini_hochberg
from .levels import same_as_child
from .panels import LICENCE_DIMENSIONS, MEASURES, hotspot_panel, parse_by

__all__ = ["SEASONAL_HEADERS", "seasonal_hotspots", "seasonal_profile"]

SEASONAL_HEADERS = {
    "season": "月份/季度",
    "season_label": "时段",
    "years_total": "完整年数",
    "years_high": "偏高年数",
    "share_high": "偏高年份占比",
    "observed": "合计实际数",
    "expected": "合计基线数",
    "mean_ratio": "平均倍数",
    "recurrent": "是否季节性热点",
    "effort_explained": "可由检查力度解释",
    "reason": "说明",
}
COLUMNS = [
    "by",
    "field",
    "field_label",
    "season",
    "season_label",
    "years_total",
    "years_high",
    "share_high",
    "observed",
    "expected",
    "mean_ratio",
    "p_value",
    "q_value",
    "recurrent",
    "effort_explained",
    "reason",
]


def seasonal_profile(
    panel: pd.DataFrame,
    freq: str = "M",
    measure: str = "violations",
    ratio_threshold: float = 1.25,
    min_years: int = 3,
    min_share_high: float = 0.75,
    fdr: float = 0.05,
    min_observed: int = 5,
) -> pd.DataFrame:
    """Month-of-year (or quarter-of-year) profile per field with the recurrent seasons marked.

    Parameters
    ----------
    panel : ``by``, ``field``, ``period_start``, ``observed``, ``exposure`` (``NaN`` = none) and
        optionally ``field_label`` — monthly or quarterly, as from ``hotspot_panel``.
    freq : ``"M"`` or ``"Q"``.
    measure : names the events in the reasons.
    ratio_threshold, min_years, min_share_high, fdr, min_observed : see the module docstring.

    Returns
    -------
    pandas.DataFrame
        ``by, field, field_label, season`` (1–12 or 1–4), ``season_label`` (``7月`` / ``第3季度``),
        ``years_total, years_high, share_high, observed, expected, mean_ratio`` (observed / expected,
        pooled), ``p_value, q_value, recurrent, effort_explained`` (always False here: see
        :func:`seasonal_hotspots`), ``reason``; recurrent rows first, then by ``mean_ratio``.
    """
    freq = freq.upper()
    if freq not in ("M", "Q"):
        raise ValueError("seasonal hotspots need freq='M' or 'Q'")
    ppy = 12 if freq == "M" else 4
    if panel.empty:
        return pd.DataFrame(columns=COLUMNS)
    df = panel.copy()
    if "field_label" not in df.columns:
        df["field_label"] = df["field"]
    start = pd.to_datetime(df["period_start"])
    df["year"] = start.dt.year
    df["season"] = start.dt.month if freq == "M" else (start.dt.month - 1) // 3 + 1
    # complete years: all seasons of the year present in the grid
    n_seasons = df.groupby("year")["period_start"].nunique()
    df = df[df["year"].isin(n_seasons[n_seasons == ppy].index)].copy()
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    keys = ["by", "field", "year"]
    exp = pd.to_numeric(df["exposure"], errors="coerce")
    weight = exp.where(exp > 0)
    usable = weight.notna().groupby([df[k] for k in keys]).transform("all")
    df["weight"] = np.where(usable, weight, 1.0)
    df["share"] = df["weight"] / df.groupby(keys)["weight"].transform("sum")
    df["year_total"] = df.groupby(keys)["observed"].transform("sum")
    df["baseline"] = df["year_total"] * df["share"]
    df = df[df["year_total"] > 0]
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    df["high"] = df["observed"] >= ratio_threshold * df["baseline"]
    # dispersion around a *stable* seasonal pattern (one proportional-fitting step): seasons keep their
    # pooled ratio every year; what varies beyond that from year to year is over-dispersion
    pooled = df.groupby(["by", "field", "season"])[["observed", "baseline"]].transform("sum")
    ratio = (pooled["observed"] / pooled["baseline"]).where(pooled["baseline"] > 0, 0.0)
    fitted = df["share"] * ratio
    fitted = df["year_total"] * fitted / fitted.groupby([df[k] for k in keys]).transform("sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = ((df["observed"] - fitted) ** 2 / fitted).where(fitted > 0, 0.0)
    per_field = pd.DataFrame(
        {"chi2": pearson, "field": df["field"], "by": df["by"], "year": df["year"], "season": df["season"]}
    )
    disp = per_field.groupby(["by", "field"]).agg(
        chi2=("chi2", "sum"), years=("year", "nunique"), seasons=("season", "nunique")
    )
    dof = np.maximum((disp["years"] - 1) * (disp["seasons"] - 1), 1)
    disp["phi"] = np.maximum(1.0, disp["chi2"] / dof)

    out = df.groupby(["by", "field", "season"], as_index=False).agg(
        field_label=("field_label", "first"),
        years_total=("year", "nunique"),
        years_high=("high", "sum"),
        observed=("observed", "sum"),
        expected=("baseline", "sum"),
    )
    out = out.merge(disp["phi"].reset_index(), on=["by", "field"], how="left")
    out["share_high"] = out["years_high"] / out["years_total"]
    out["mean_ratio"] = np.where(
        out["expected"] > 0, out["observed"] / np.maximum(out["expected"], 1e-12), np.nan
    )
    out["p_value"] = _nb_upper_p(
        out["observed"].to_numpy(float), out["expected"].to_numpy(float), out["phi"].to_numpy(float)
    )
    out["q_value"] = benjamini_hochberg(out["p_value"].to_numpy(float))
    need = out["years_total"].map(lambda n: math.ceil(min_share_high * n - 1e-9))
    out["recurrent"] = (
        (out["years_total"] >= min_years)
        & (out["years_high"] >= need)
        & (out["q_value"] <= fdr)
        & (out["observed"] >= min_observed)
    )
    out["season_label"] = [f"{s}月" if freq == "M" else f"第{s}季度" for s in out["season"]]
    noun = MEASURES.get(measure, ("事件", "件"))[0]
    out["reason"] = [
        (
            f"{r.field_label} 每年{r.season_label}{noun}偏高：{r.years_total} 个完整年份中有 {r.years_high} 年"
            f"达到全年平均水平的 {ratio_threshold:g} 倍以上，合计为平均水平的 {r.mean_ratio:.1f} 倍"
        )
        if r.recurrent
        else ""
        for r in out.itertuples(index=False)
    ]
    out["years_high"] = out["years_high"].astype(int)
    out["effort_explained"] = False
    out = out.sort_values(["recurrent", "mean_ratio"], ascending=[False, False], ignore_index=True)
    return out[COLUMNS]


def _nb_upper_p(observed: np.ndarray, mean: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """``P(Y >= observed)`` for Y negative binomial with ``mean`` and variance ``phi*mean`` (Poisson at 1)."""
    p = np.full(observed.shape, np.nan)
    ok = mean > 0
    pois = ok & (phi <= 1 + 1e-9)
    p[pois] = stats.poisson.sf(observed[pois] - 1, mean[pois])
    nb = ok & ~pois
    size = mean[nb] / (phi[nb] - 1)
    p[nb] = stats.nbinom.sf(observed[nb] - 1, size, size / (size + mean[nb]))
    return np.clip(p, 0.0, 1.0)


def seasonal_hotspots(
    ws: WorkspaceLike,
    measure: str = "violations",
    by: str | tuple[str, ...] = "industry",
    freq: str = "M",
    end: Any = None,
    *,
    substantiated: bool = False,
    exposure: str | None = "auto",
    request_types: list[str] | None = None,
    include_penalties: bool = True,
    ratio_threshold: float | None = None,
    min_years: int | None = None,
    min_share_high: float | None = None,
    fdr: float | None = None,
    min_observed: int | None = None,
) -> pd.DataFrame:
    """Months (``freq="M"``) or quarters (``"Q"``) of the year that are high year after year.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    measure, by, end : str, str or tuple, date-like
        As in :func:`~guidance_analytics.hotspots.hotspots`.
    freq : str
        ``"M"`` or ``"Q"`` (weekly panels have no seasonal profile: ``ValueError``).
    substantiated, exposure, request_types, include_penalties
        Panel options (see :func:`~guidance_analytics.hotspots.hotspot_panel`).
    ratio_threshold, min_years, min_share_high, fdr, min_observed : float or int, optional
        See :func:`seasonal_profile`; ``None`` = the value in ``config/hotspots.toml`` ``[seasonal]``.

    Returns
    -------
    pandas.DataFrame
        ``by, field, field_label, season, season_label, years_total, years_high, share_high,
        observed, expected, mean_ratio, p_value, q_value, recurrent, effort_explained, reason`` (see
        :func:`seasonal_profile` and the module docstring).

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> seasonal_hotspots(ws).empty
    True
    """
    given = {
        "ratio_threshold": ratio_threshold,
        "min_years": min_years,
        "min_share_high": min_share_high,
        "fdr": fdr,
        "min_observed": min_observed,
    }
    opts = {**rules(ws, "hotspots").get("seasonal", {}), **{k: v for k, v in given.items() if v is not None}}
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
    multi = parse_by(by) == ("industry",)
    if multi:  # a parent that repeats its only child is the child
        panel = panel[~panel["field"].isin(same_as_child(panel))]
    out = seasonal_profile(panel, freq=freq, measure=measure, **opts)
    if out.empty:
        return out
    if measure == "violations" and all(d in LICENCE_DIMENSIONS for d in parse_by(by)):
        out = _effort_seasons(ws, out, by, freq, end, opts)
    if multi:  # the finest level carries a recurrent season
        rec = out[out["recurrent"]]
        seasons = {(f, sn) for f, sn in zip(rec["field"], rec["season"], strict=True)}
        carried = [
            r.recurrent
            and any((d, r.season) in seasons for d in rec["field"] if d != r.field and d.startswith(r.field))
            for r in out.itertuples(index=False)
        ]
        out.loc[carried, "recurrent"] = False
        out.loc[carried, "reason"] = ""
        out = out.sort_values(["recurrent", "mean_ratio"], ascending=[False, False], ignore_index=True)
    return out


def _effort_seasons(ws, out, by, freq, end, opts):
    """Mark recurrent violation seasons that recurrently higher inspection counts explain."""
    rate_panel = hotspot_panel(ws, "inspection_failure_rate", by, freq=freq, end=end)
    if rate_panel.empty:
        return out
    rate = seasonal_profile(rate_panel, freq=freq, measure="inspection_failure_rate", **opts)
    insp_panel = rate_panel.assign(observed=rate_panel["exposure"].fillna(0).astype("int64"), exposure=np.nan)
    insp = seasonal_profile(insp_panel, freq=freq, measure="inspection_failure_rate", **opts)
    keys = ["field", "season"]
    m = (
        out[keys]
        .merge(
            rate[[*keys, "q_value", "mean_ratio"]].rename(
                columns={"q_value": "rate_q", "mean_ratio": "rate_ratio"}
            ),
            on=keys,
            how="left",
        )
        .merge(insp[[*keys, "recurrent"]].rename(columns={"recurrent": "insp_high"}), on=keys, how="left")
    )
    rate_high = (m["rate_q"] <= opts.get("fdr", 0.05)) & (m["rate_ratio"] > 1)
    explained = (
        out["recurrent"].to_numpy() & m["insp_high"].fillna(False).to_numpy(bool) & ~rate_high.to_numpy()
    )
    if explained.any():
        out = out.copy()
        out.loc[explained, "effort_explained"] = True
        out.loc[explained, "recurrent"] = False
        out.loc[explained, "reason"] = [
            f"{r.field_label} 每年{r.season_label}违法偏高（合计为平均水平的 {r.mean_ratio:.1f} 倍），但每年这时检查也"
            f"明显增多（如专项检查），每次检查发现问题的比例并不偏高（为平常的 {ratio:.1f} 倍）："
            "可由检查力度解释，不列为季节性热点"
            for r, ratio in zip(
                out[explained].itertuples(index=False), m.loc[explained, "rate_ratio"], strict=True
            )
        ]
    return out
