"""Per-business features as of a planning date, computed in DuckDB without leakage.

Only events dated strictly before the planning date ``as_of`` are used, and a complaint's 是否属实
counts only once it was known (``closed_at``, else ``received_at``, before ``as_of``). The SQL is in
``sql/targeting/features_panel.sql`` (features) and ``sql/targeting/features_outcomes.sql`` (what happened afterwards,
for training and backtests).

Feature columns (counts over the last N months unless said otherwise):

- inspections: ``insp_3m/12m/24m``; with a problem (result severity >= 1) ``prob_3m/6m/12m/24m/60m``;
  corrected on the spot ``onspot_24m``; 责令限期整改 or worse ``order_12m/24m``; 移送立案
  ``referral_24m``; ``problems_12m`` (sum of problem counts), ``max_severity_12m/24m``,
  ``last_severity`` (result of the latest inspection), ``clean_after_problem``;
- complaints (投诉/举报 matched to the business): ``cmp_3m/6m/12m/24m``; substantiated
  ``sub_3m/6m/12m/24m``; not substantiated ``unsub_12m``; ``sub_same_matter_12m`` (most substantiated
  complaints in one 事项分类);
- penalties: ``pen_12m/24m``, ``pen_serious_24m`` (licence suspension/revocation, closure …),
  ``fine_24m`` (元);
- licences: ``permits_total``, ``permits_active``, ``expiring_30d/60d/90d``, ``licence_age_days``,
  ``days_since_permit``;
- recency: ``days_since_insp/problem/order/complaint/substantiated/penalty`` (NaN = never);
- trajectory: ``prob_trend`` (problems in the last 6 months minus the 6 before);
- field: ``field_problem_rate`` (industry class), ``division_problem_rate``,
  ``township_problem_rate`` (smoothed share of inspections in the last 12 months that found a
  problem), ``field_sub_per_business``;
- hotspot: ``in_hotspot`` (the business's industry is flagged by ``ws.hotspots`` in a period ending
  within ``hotspot_recent_days`` of ``as_of``, computed with data up to ``as_of`` only) and
  ``hotspot_note`` (Chinese, e.g. "所在领域（6210）2024年7月为高发").
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, rules, sql, table, to_date
from ..hotspots import hotspots

log = logging.getLogger(__name__)

#: Numeric feature columns produced by ``features_panel.sql`` (plus ``prob_trend``).
COUNT_COLUMNS = (
    "insp_3m",
    "insp_12m",
    "insp_24m",
    "prob_3m",
    "prob_6m",
    "prob_12m",
    "prob_24m",
    "prob_60m",
    "onspot_24m",
    "order_12m",
    "order_24m",
    "referral_24m",
    "problems_12m",
    "max_severity_12m",
    "max_severity_24m",
    "cmp_3m",
    "cmp_6m",
    "cmp_12m",
    "cmp_24m",
    "sub_3m",
    "sub_6m",
    "sub_12m",
    "sub_24m",
    "unsub_12m",
    "sub_same_matter_12m",
    "pen_12m",
    "pen_24m",
    "pen_serious_24m",
    "fine_24m",
    "permits_total",
    "permits_active",
    "expiring_30d",
    "expiring_60d",
    "expiring_90d",
)
DAYS_COLUMNS = (
    "licence_age_days",
    "days_since_permit",
    "days_since_insp",
    "days_since_problem",
    "days_since_order",
    "days_since_complaint",
    "days_since_substantiated",
    "days_since_penalty",
)
RATE_COLUMNS = (
    "field_problem_rate",
    "division_problem_rate",
    "township_problem_rate",
    "field_sub_per_business",
)
OTHER_COLUMNS = ("last_severity", "clean_after_problem", "prob_trend", "in_hotspot")
FEATURE_COLUMNS = COUNT_COLUMNS + DAYS_COLUMNS + RATE_COLUMNS + OTHER_COLUMNS


def feature_panel(
    ws: WorkspaceLike,
    dates: Iterable[Any],
    smoothing: float | None = None,
    *,
    observed_horizon: int | None = None,
    known_before: Any = None,
    sample_share: float = 1.0,
) -> pd.DataFrame:
    """Features for every business known before each planning date (one row per business × date).

    Parameters
    ----------
    ws : the workspace.
    dates : planning dates.
    smoothing : pseudo-count for the field rates (default from ``routing.toml``).
    observed_horizon : when given, keep only businesses inspected in the following
        ``observed_horizon`` months (before ``known_before``): the training rows of the model.
        Field rates are still computed over every business.
    known_before : see ``observed_horizon`` (default: no limit).
    sample_share : keep a deterministic hash sample of this share of the rows (large workspaces).

    Returns
    -------
    DataFrame with ``business_id``, ``as_of``, ``township``, ``industry_code``, ``division`` and the
    feature columns listed in the module docstring (except the hotspot ones).
    """
    days = sorted({to_date(d) for d in dates})
    if smoothing is None:
        smoothing = float(rules(ws, "routing")["features"].get("field_smoothing", 20.0))
    with ws.store.connect(read_only=True) as con:
        panel = con.execute(
            sql.load("targeting/features_panel"),
            {
                "dates": days,
                "smoothing": smoothing,
                "observed_only": observed_horizon is not None,
                "horizon_months": int(observed_horizon or 0),
                "sample_share": float(sample_share),
                "known_before": to_date(known_before) if known_before is not None else dt.date(9999, 12, 31),
            },
        ).df()
    return _finish(panel)


def _finish(panel: pd.DataFrame) -> pd.DataFrame:
    panel["as_of"] = pd.to_datetime(panel["as_of"])
    for col in COUNT_COLUMNS:
        panel[col] = panel[col].astype(float)
    for col in DAYS_COLUMNS:
        panel[col] = panel[col].astype(float)
    for col in RATE_COLUMNS:
        panel[col] = panel[col].astype(float).fillna(0.0)
    panel["last_severity"] = panel["last_severity"].astype(float)
    panel["clean_after_problem"] = panel["clean_after_problem"].astype(float)
    panel["prob_trend"] = panel["prob_6m"] - (panel["prob_12m"] - panel["prob_6m"])
    panel["in_hotspot"] = 0.0
    return panel


def outcomes(
    ws: WorkspaceLike,
    dates: Iterable[Any],
    horizon_months: int = 3,
    known_before: Any = None,
    *,
    inspected_only: bool = False,
    sample_share: float = 1.0,
) -> pd.DataFrame:
    """What happened in ``[as_of, as_of + horizon_months)`` after each planning date.

    Parameters
    ----------
    dates : planning dates.
    horizon_months : length of the outcome window.
    known_before : only outcomes known before this date count (the scoring date when building
        training labels); default: everything in the database.
    inspected_only : keep only businesses inspected in the window.
    sample_share : the deterministic hash sample of :func:`feature_panel` (1 = all rows).

    Returns
    -------
    DataFrame, one row per business × date with any event in the window: ``business_id``, ``as_of``,
    ``inspections``, ``problems_found`` (inspections with result severity >= 1), ``penalties``,
    ``complaints_checked`` (complaints with a 是否属实 answer), ``substantiated``, and the booleans
    ``inspected``, ``observed_any`` and ``positive`` (a problem found, a penalty or a substantiated
    complaint).
    """
    days = sorted({to_date(d) for d in dates})
    cutoff = to_date(known_before) if known_before is not None else dt.date(9999, 12, 31)
    with ws.store.connect(read_only=True) as con:
        out = con.execute(
            sql.load("targeting/features_outcomes"),
            {
                "dates": days,
                "horizon_months": int(horizon_months),
                "known_before": cutoff,
                "inspected_only": bool(inspected_only),
                "sample_share": float(sample_share),
            },
        ).df()
    out["as_of"] = pd.to_datetime(out["as_of"])
    for col in ("inspections", "problems_found", "penalties", "complaints_checked", "substantiated"):
        out[col] = out[col].astype(int)
    out["inspected"] = out["inspections"] > 0
    out["observed_any"] = out["inspected"] | (out["penalties"] > 0) | (out["complaints_checked"] > 0)
    out["positive"] = (out["problems_found"] + out["penalties"] + out["substantiated"]) > 0
    return out


def business_info(ws: WorkspaceLike) -> pd.DataFrame:
    """Descriptive columns per business: ``business_id``, ``uscc``, ``name``, ``township``,
    ``industry`` (class code), ``industry_name``, ``section`` (GB/T 4754 letter), ``subject_type``."""
    info = ws.store.query("targeting/business_info")
    names = industry_lookup(ws, info["industry"])
    codes = info["industry"].fillna("")
    info["industry_name"] = codes.map(lambda c: names.get(c, (np.nan, np.nan))[1])
    info["section"] = codes.map(lambda c: names.get(c, (np.nan, np.nan))[0])
    return info


def industry_lookup(ws: WorkspaceLike, codes: pd.Series) -> dict[str, tuple[Any, Any]]:
    """Map of the industry ``codes`` (class codes of businesses) to ``(section letter, name)``.

    Uses ``industries.csv`` (GB/T 4754-2017: section, division, group, class, name): the class row
    when present, else the group (first 3 digits), else the division (first 2). Empty when the file
    is not installed.
    """
    try:
        industries = table(ws, "industries")
    except (FileNotFoundError, OSError):
        return {}
    by_level: dict[str, tuple[str, str]] = {}
    for row in industries.to_dict("records"):
        section, name = row.get("section", ""), row.get("name", "")
        division, group, klass = row.get("division", ""), row.get("group", ""), row.get("class", "")
        for code in (klass, group, division):
            if code:
                by_level.setdefault(code, (section, name))
                break
        if division:
            by_level.setdefault(f"div:{division}", (section, name))
    out: dict[str, tuple[Any, Any]] = {}
    for code in codes.dropna().unique():
        section = by_level.get(f"div:{code[:2]}", (np.nan, np.nan))[0]
        hit = by_level.get(code) or by_level.get(code[:3]) or by_level.get(code[:2])
        out[code] = (section, hit[1] if hit else np.nan)
    return out


def features(ws: WorkspaceLike, as_of: Any, *, use_hotspots: bool = True) -> pd.DataFrame:
    """Features of every business known before ``as_of`` (one row per business).

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    as_of : date-like
        Date-like
        The planning date; nothing dated on or after it is used.
    use_hotspots : bool
        Add ``in_hotspot`` / ``hotspot_note`` from
        :func:`guidance_analytics.hotspots.hotspots` (computed with data before ``as_of`` only);
        otherwise they are 0 / NaN.

    Returns
    -------
    pandas.DataFrame
        ``business_id``, ``uscc``, ``name``, ``township``, ``industry``, ``industry_name``,
        ``section``, ``subject_type``, ``as_of``, then the feature columns of the module docstring.
    """
    day = to_date(as_of)
    panel = feature_panel(ws, [day])
    info = business_info(ws)
    out = info.merge(panel.drop(columns=["township"]), on="business_id", how="inner")
    out["hotspot_note"] = np.nan
    if use_hotspots and not out.empty:
        notes = hotspot_notes(ws, day, out[["business_id", "industry", "section"]])
        if not notes.empty:
            out = out.drop(columns=["hotspot_note"]).merge(notes, on="business_id", how="left")
            out["in_hotspot"] = out["hotspot_note"].notna().astype(float)
    return out.sort_values("business_id", ignore_index=True)


def hotspot_notes(ws: WorkspaceLike, as_of: dt.date, businesses: pd.DataFrame) -> pd.DataFrame:
    """``business_id`` → ``hotspot_note`` for businesses in a currently flagged hotspot field.

    Calls ``hotspots(ws, measure, by, end=as_of - 1 day)`` (measure and ``by`` from
    ``routing.toml`` ``[features]``); any failure there is logged and treated as "no hotspot
    information" (empty frame), so the scores never depend on it.
    """
    empty = pd.DataFrame({"business_id": pd.Series(dtype="str"), "hotspot_note": pd.Series(dtype="str")})
    cfg = rules(ws, "routing")["features"]
    try:
        found = hotspots(
            ws,
            cfg.get("hotspot_measure", "violations"),
            cfg.get("hotspot_by", "industry"),
            end=as_of - dt.timedelta(days=1),
        )
    except Exception as exc:  # hotspot information is optional: never let it break the scores
        log.warning("hotspots unavailable for %s: %s", as_of, exc)
        return empty
    if found is None or found.empty or "flagged" not in found.columns:
        return empty
    recent = pd.Timestamp(as_of) - pd.Timedelta(days=int(cfg.get("hotspot_recent_days", 62)))
    flagged = found[
        found["flagged"].fillna(False).astype(bool)
        & (pd.to_datetime(found["period_end"]) >= recent)
        & (pd.to_datetime(found["period_start"]) < pd.Timestamp(as_of))
    ]
    if flagged.empty:
        return empty
    latest: dict[str, str] = {}
    for row in flagged.sort_values("period_start").itertuples(index=False):
        start = pd.Timestamp(row.period_start)
        key = str(row.field).split()[0] if isinstance(row.field, str) else str(row.field)
        latest[key] = f"所在领域（{row.field}）{start.year}年{start.month}月为高发"
    rows = []
    for b in businesses.itertuples(index=False):
        code = b.industry if isinstance(b.industry, str) else ""
        section = b.section if isinstance(b.section, str) else ""
        keys = [
            k
            for k in (
                code,
                code[:3],
                code[:2],
                section + code,
                section + code[:3],
                section + code[:2],
                section,
            )
            if k
        ]
        note = next((latest[k] for k in keys if k in latest), None)
        if note:
            rows.append((b.business_id, note))
    return pd.DataFrame(rows, columns=["business_id", "hotspot_note"]) if rows else empty
