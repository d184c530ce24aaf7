"""Per-business features as of a planning date, computed in DuckDB without leakage.

Only records dated strictly before the planning date ``as_of`` are used; a complaint's 是否属实
counts only once it was known (``closed_at``, else ``received_at``, before ``as_of``); a
business's township, industry class and licence item are those of its newest record before
``as_of`` (a licence issued later never changes them). 许可勘验 visits (``[label] skip_types``)
are not counted as inspections. The SQL is ``sql/targeting/features_panel.sql`` (features) and
``sql/targeting/features_outcomes.sql`` (what happened afterwards, for training and backtests).

Feature columns (counts over the last N months unless said otherwise):

- inspections: ``insp_3m/12m/24m/60m``; with a problem (severity >= 1) ``prob_3m/6m/12m/24m/60m``;
  corrected on the spot ``onspot_24m``; 责令限期整改 or worse ``order_12m/24m/60m``; 移送立案
  ``referral_24m``; complaint-driven checks (投诉核查) ``complaint_insp_12m``,
  ``complaint_insp_3m`` (what customers found lately), ``days_since_complaint_insp``; 双随机 checks
  ``random_insp_24m``; ``problems_12m`` (sum of problem counts), ``max_severity_12m/24m``;
  severity (0–3) of the latest three inspections ``last_severity``, ``severity_2``, ``severity_3``
  and their mean ``mean_severity_3`` (NaN = fewer inspections); ``clean_after_problem``;
- rates per inspection, not counts: ``serious_rate`` and ``problem_rate`` = (findings in 60 months
  + ``rate_prior`` × the field's rate) / (inspections + ``rate_prior``): a business never inspected
  gets its field's rate (the prior), one inspected often is judged mostly on its own record;
  ``serious_rate_decayed`` the same with counts weighted ``exp(-age / decay_days)`` (``order_decayed``
  / ``insp_decayed``: recent findings weigh more), ``serious_rate_random`` over the 双随机 checks
  alone (``random_order_60m`` / ``random_insp_60m``: not inflated by the re-inspections that
  follow a finding); ``serious_rate_recent`` with a short time constant (``insp_recent`` /
  ``order_recent``, ``[features] decay_short_days``: the business's current state, which changes
  with staff, season and management); ``serious_rate_eb`` shrunk towards the field's rate with the
  prior strength of a beta-binomial fitted by moments to all businesses' records of that date
  (empirical Bayes: how much a business's own record says beyond its field's is estimated, not
  fixed);
- after the latest 责令限期整改: ``insp_after_order`` (inspections since), ``reinspected_clean``
  (all of them found nothing), ``order_pending`` (none yet within ``[features] due_days``: the
  复查 is due, the problem not yet seen corrected);
- complaints (投诉/举报 matched to the business): ``cmp_3m/6m/12m/24m``; substantiated
  ``sub_3m/6m/12m/24m``; not substantiated ``unsub_12m``; ``sub_same_matter_12m`` (most substantiated
  complaints in one 事项分类);
- penalties: ``pen_12m/24m``, ``pen_serious_24m`` (licence suspension/revocation, closure …),
  ``fine_24m`` (元);
- licences: ``permits_total``, ``permits_active``, ``items_active`` (distinct licence items held),
  ``renewals`` (licences re-issued for an item already held), ``expiring_30d/60d/90d``,
  ``licence_age_days``, ``days_since_permit``; the licence kind is ``permit_item`` (text, newest
  licence);
- recency: ``days_since_insp/problem/order/complaint/substantiated/penalty`` (NaN = never);
- trajectory: ``prob_trend`` (problems in the last 6 months minus the 6 before);
- field: ``field_problem_rate`` / ``field_serious_rate`` (industry class), ``division_problem_rate``,
  ``township_problem_rate`` / ``township_serious_rate`` (smoothed shares of the inspections of the
  last 12 months that found a problem / a serious one), ``field_sub_per_business`` (substantiated
  complaints in 12 months per active licence of the class);
- credit: ``credit_class_level`` (企业信用风险分类 classified before ``as_of``: A 1 … E 5, 0 = none;
  never named in an explanation or anything a business receives);
- hotspot: ``in_hotspot`` (the business's field was flagged by
  :func:`guidance_analytics.hotspots.hotspots` in a period that ended before ``as_of`` and at most
  ``hotspot_recent_days`` before it) and ``hotspot_note`` (Chinese, e.g.
  "所在领域（H62）2024年6月为高发"). The flags of every date of a panel come from one hotspot run
  with the data before the panel's cut-off; the detector is prospective (a period's flag uses only
  data up to that period), so each date's flag is the one that was known on that date.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, rules, sql, table, to_date
from ..hotspots import hotspots
from .contacts import CREDIT_LEVELS, credit_classes_as_of

log = logging.getLogger(__name__)

COUNT_COLUMNS = (
    "insp_3m",
    "insp_12m",
    "insp_24m",
    "insp_60m",
    "prob_3m",
    "prob_6m",
    "prob_12m",
    "prob_24m",
    "prob_60m",
    "onspot_24m",
    "order_12m",
    "order_24m",
    "order_60m",
    "referral_24m",
    "complaint_insp_12m",
    "random_insp_24m",
    "random_insp_60m",
    "random_order_60m",
    "insp_decayed",
    "order_decayed",
    "insp_recent",
    "order_recent",
    "complaint_insp_3m",
    "insp_after_order",
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
    "items_active",
    "renewals",
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
    "days_since_complaint_insp",
)
#: Shares (0–1): the business's own smoothed rates and its field's and township's rates.
RATE_COLUMNS = (
    "serious_rate",
    "problem_rate",
    "serious_rate_decayed",
    "serious_rate_random",
    "serious_rate_recent",
    "serious_rate_eb",
    "field_problem_rate",
    "field_serious_rate",
    "division_problem_rate",
    "township_problem_rate",
    "township_serious_rate",
    "field_sub_per_business",
)
#: Severity (0–3) of the latest inspections; NaN when there were fewer.
SEVERITY_COLUMNS = ("last_severity", "severity_2", "severity_3", "mean_severity_3")
OTHER_COLUMNS = (
    "clean_after_problem",
    "order_pending",
    "reinspected_clean",
    "prob_trend",
    "in_hotspot",
    "credit_class_level",
)
#: Every numeric feature column (the model's candidate inputs).
FEATURE_COLUMNS = COUNT_COLUMNS + DAYS_COLUMNS + RATE_COLUMNS + SEVERITY_COLUMNS + OTHER_COLUMNS
#: Descriptive columns of a panel row besides the features.
KEY_COLUMNS = ("business_id", "as_of", "township", "industry_code", "division", "permit_item")


def label_settings(ws: WorkspaceLike | None, **overrides: Any) -> dict[str, Any]:
    """The ``[label]`` settings of ``routing.toml`` (what counts as a positive outcome), with overrides.

    ``min_severity`` (an inspection result at least this severe: 1 = any problem incl.
    发现问题已当场整改, 2 = 责令限期整改 or 移送立案, 3 = 移送立案), ``penalties`` (a penalty decision
    counts), ``substantiated`` (a substantiated complaint counts), ``skip_types`` (inspection types
    that are not compliance checks).
    """
    cfg = dict(rules(ws, "routing").get("label", {})) if ws is not None else {}
    cfg.update({k: v for k, v in overrides.items() if v is not None})
    return {
        "min_severity": int(cfg.get("min_severity", 2)),
        "penalties": bool(cfg.get("penalties", True)),
        "substantiated": bool(cfg.get("substantiated", False)),
        "skip_types": [str(t) for t in cfg.get("skip_types", ["许可勘验"])],
    }


def feature_panel(
    ws: WorkspaceLike,
    dates: Iterable[Any],
    smoothing: float | None = None,
    *,
    observed_horizon: int | None = None,
    known_before: Any = None,
    sample_share: float = 1.0,
    use_hotspots: bool = True,
) -> pd.DataFrame:
    """Features for every business known before each planning date (one row per business × date).

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    dates : iterable of date-like
        Planning dates.
    smoothing : float, optional
        Pseudo-count for the field rates (default ``[features] field_smoothing``).
    observed_horizon : int, optional
        When given, keep only businesses inspected in the following ``observed_horizon`` months
        (before ``known_before``): the training rows of the model. Field rates still use every
        business.
    known_before : date-like, optional
        See ``observed_horizon`` (default: no limit).
    sample_share : float
        Keep a deterministic hash sample of this share of the rows (large workspaces).
    use_hotspots : bool
        Compute ``in_hotspot`` / ``hotspot_note`` (else 0 / NaN).

    Returns
    -------
    pandas.DataFrame
        ``business_id``, ``as_of``, ``township``, ``industry_code``, ``division``, ``permit_item``
        (as of each date), the :data:`FEATURE_COLUMNS` (float32) and ``hotspot_note``.

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> feature_panel(Workspace(tempfile.mkdtemp()), ["2024-07-01"]).empty
    True
    """
    days = sorted({to_date(d) for d in dates})
    params = _panel_params(ws, days, smoothing, observed_horizon, known_before, sample_share)
    with _connect(ws) as con:
        panel = con.execute(sql.load("targeting/features_panel"), params).df()
    flags = hotspot_flags(ws, days[-1]) if use_hotspots and not panel.empty else None
    return _complete(ws, panel, days, flags, credit_classes_as_of(ws, days) if days else None)


def feature_chunks(
    ws: WorkspaceLike, as_of: Any, chunk_rows: int = 100_000, *, use_hotspots: bool = True
) -> Iterator[pd.DataFrame]:
    """The rows of ``feature_panel(ws, [as_of], use_hotspots=...)`` in chunks of about ``chunk_rows``.

    The same rows, values and order (by ``business_id``) as the one-frame panel, streamed from one
    DuckDB query: the scoring of a million businesses never holds every feature row at once. The
    hotspot run and the credit classes are computed once for every chunk.
    """
    day = to_date(as_of)
    params = _panel_params(ws, [day], None, None, None, 1.0)
    flags = hotspot_flags(ws, day) if use_hotspots else None
    classes = credit_classes_as_of(ws, [day])
    vectors = max(int(chunk_rows) // 2048, 1)  # DuckDB hands rows over in vectors of 2,048
    with _connect(ws) as con:
        result = con.execute(sql.load("targeting/features_panel"), params)
        while True:
            part = result.fetch_df_chunk(vectors)
            if part.empty:
                break
            yield _complete(ws, part, [day], flags, classes)


def _panel_params(
    ws: WorkspaceLike,
    days: list[dt.date],
    smoothing: float | None,
    observed_horizon: int | None,
    known_before: Any,
    sample_share: float,
) -> dict[str, Any]:
    """The parameters of ``sql/targeting/features_panel.sql``."""
    cfg = rules(ws, "routing")["features"]
    if smoothing is None:
        smoothing = float(cfg.get("field_smoothing", 20.0))
    label = label_settings(ws)
    return {
        "dates": days,
        "smoothing": float(smoothing),
        "rate_prior": float(cfg.get("rate_prior", 3.0)),
        "decay_days": float(cfg.get("decay_days", 365.0)),
        "decay_short_days": float(cfg.get("decay_short_days", 120.0)),
        "due_days": int(cfg.get("due_days", 90)),
        "skip_types": label["skip_types"],
        "observed_only": observed_horizon is not None,
        "horizon_months": int(observed_horizon or 0),
        "sample_share": float(sample_share),
        "known_before": to_date(known_before) if known_before is not None else dt.date(9999, 12, 31),
    }


def _complete(
    ws: WorkspaceLike,
    panel: pd.DataFrame,
    days: list[dt.date],
    flags: pd.DataFrame | None,
    classes: pd.DataFrame | None,
) -> pd.DataFrame:
    """Finish the rows of the panel query: derived columns, the hotspot flag, the credit class."""
    panel = _finish(panel)
    panel["hotspot_note"] = pd.Series(np.nan, index=panel.index, dtype="str")
    if flags is not None and not panel.empty:
        # flags of periods that ended before the latest date: one run serves every date
        hot = hotspot_feature(ws, panel, flags)
        panel["in_hotspot"] = hot["in_hotspot"].to_numpy(dtype="float32")
        panel["hotspot_note"] = hot["hotspot_note"].to_numpy()
    return with_credit_class(ws, panel, days, classes)


@contextlib.contextmanager
def _connect(ws: WorkspaceLike) -> Iterator[Any]:
    """A read-only connection, with DuckDB's memory capped at ``[model] duckdb_memory_limit``."""
    limit = rules(ws, "routing")["model"].get("duckdb_memory_limit")
    with ws.store.connect(read_only=True) as con:
        if limit:
            con.execute(sql.load("targeting/memory_limit"), {"limit": str(limit)})
        yield con


def with_credit_class(
    ws: WorkspaceLike, panel: pd.DataFrame, days: list[dt.date], classes: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Add ``credit_class_level``: the 企业信用风险分类 known before each planning date as a level
    (A 1 … E 5, 0 = never classified; ``classes`` = :func:`credit_classes_as_of` of ``days`` when
    already read). Internal: explanations never name it (不公开)."""
    if classes is None:
        classes = credit_classes_as_of(ws, days) if days else pd.DataFrame()
    panel = panel.drop(columns=["credit_class_level"], errors="ignore")
    if classes.empty or panel.empty:
        panel["credit_class_level"] = 0.0
        return panel
    level = classes.assign(credit_class_level=classes["risk_class"].map(CREDIT_LEVELS).astype(float))
    out = panel.merge(
        level[["business_id", "as_of", "credit_class_level"]], on=["business_id", "as_of"], how="left"
    )
    out["credit_class_level"] = out["credit_class_level"].fillna(0.0)
    return out


def _finish(panel: pd.DataFrame) -> pd.DataFrame:
    panel["as_of"] = pd.to_datetime(panel["as_of"])
    for col in FEATURE_COLUMNS:
        if col not in panel.columns:
            panel[col] = np.float32(0.0)
    for col in RATE_COLUMNS:
        panel[col] = panel[col].fillna(0.0)
    panel["prob_trend"] = panel["prob_6m"] - (panel["prob_12m"] - panel["prob_6m"])
    panel["in_hotspot"] = np.float32(0.0)
    return panel


def hotspot_flags(ws: WorkspaceLike, before: Any) -> pd.DataFrame:
    """The flagged hotspot periods of the configured measure, from one run with data before ``before``.

    Calls :func:`guidance_analytics.hotspots.hotspots` once (``[features] hotspot_measure`` and
    ``hotspot_by``, ``end`` = the day before ``before``). Any failure there is logged and treated as
    "no hotspot information" (an empty frame), so the scores never depend on it.

    Returns
    -------
    pandas.DataFrame
        ``key`` (the field code, e.g. ``H62``, or a township name), ``field``, ``period_start``,
        ``period_end`` — flagged periods only.
    """
    cols = {"key": "str", "field": "str", "period_start": "datetime64[us]", "period_end": "datetime64[us]"}
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})
    cfg = rules(ws, "routing")["features"]
    try:
        found = hotspots(
            ws,
            cfg.get("hotspot_measure", "violations"),
            cfg.get("hotspot_by", "industry"),
            end=to_date(before) - dt.timedelta(days=1),
        )
    except Exception as exc:  # hotspot information is optional: never let it break the scores
        log.warning("hotspots unavailable before %s: %s", before, exc)
        return empty
    if found is None or found.empty or "flagged" not in found.columns:
        return empty
    flagged = found[found["flagged"].fillna(False).astype(bool)]
    if flagged.empty:
        return empty
    field = flagged["field"].astype(str)
    return pd.DataFrame(
        {
            "key": field.str.split().str[0].to_numpy(),
            "field": field.to_numpy(),
            "period_start": pd.to_datetime(flagged["period_start"]).to_numpy(),
            "period_end": pd.to_datetime(flagged["period_end"]).to_numpy(),
        }
    )


def hotspot_feature(ws: WorkspaceLike, panel: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """``in_hotspot`` (0/1) and ``hotspot_note`` for each row of a panel, from :func:`hotspot_flags`.

    A row is in a hotspot when a field it belongs to (its industry class, group, division or
    section, with or without the section letter, or its township) was flagged in a period that
    ended before the row's ``as_of`` and at most ``[features] hotspot_recent_days`` before it; the
    note names the latest such period. Returns a frame aligned with ``panel``'s index.
    """
    out = pd.DataFrame({"in_hotspot": 0.0, "hotspot_note": pd.Series(np.nan, index=panel.index, dtype="str")})
    out.index = panel.index
    if flags.empty or panel.empty:
        return out
    recent = pd.Timedelta(days=int(rules(ws, "routing")["features"].get("hotspot_recent_days", 62)))
    # the flag depends on (date, class, township) only: work on the distinct triples, not the rows
    # (a million rows times every flagged period of their fields would not fit in memory)
    rows = pd.DataFrame(
        {
            "as_of": panel["as_of"].to_numpy(),
            "i": panel["industry_code"].fillna("").astype(str).to_numpy(),
            "t": panel["township"].fillna("").astype(str).to_numpy(),
        }
    )
    combo = rows.groupby(["as_of", "i", "t"], sort=False).ngroup().to_numpy()
    uniq = rows.drop_duplicates(["as_of", "i", "t"], ignore_index=True)
    codes = uniq["i"]
    sections = industry_lookup(ws, codes[codes != ""])
    pairs = []
    for code in codes.unique():
        section = sections.get(code, (np.nan, np.nan))[0]
        section = section if isinstance(section, str) else ""
        keys = {code, code[:3], code[:2], section + code, section + code[:3], section + code[:2], section}
        pairs += [("i", code, k) for k in keys if k]
    for town in uniq["t"].unique():
        if town:
            pairs.append(("t", town, town))
    keys = pd.DataFrame(pairs, columns=["kind", "value", "key"]).merge(flags, on="key")
    if keys.empty:
        return out
    uniq["row"] = np.arange(len(uniq))
    hits = []
    for kind in ("i", "t"):
        part = keys[keys["kind"] == kind]
        if part.empty:
            continue
        m = uniq[["row", "as_of", kind]].merge(part, left_on=kind, right_on="value")
        hits.append(m[(m["period_end"] < m["as_of"]) & (m["period_end"] >= m["as_of"] - recent)])
    hit = pd.concat(hits, ignore_index=True) if hits else pd.DataFrame()
    if hit.empty:
        return out
    latest = hit.sort_values(["row", "period_start", "field"]).groupby("row").tail(1)
    start = pd.to_datetime(latest["period_start"])
    notes = (
        "所在领域（"
        + latest["field"].astype(str)
        + "）"
        + start.dt.year.astype(str)
        + "年"
        + start.dt.month.astype(str)
        + "月为高发"
    )
    flag = np.zeros(len(uniq))
    note = np.full(len(uniq), np.nan, dtype=object)
    flag[latest["row"].to_numpy()] = 1.0
    note[latest["row"].to_numpy()] = notes.to_numpy(dtype=object)
    # ngroup numbers the triples in order of first appearance, as drop_duplicates keeps them
    out["in_hotspot"] = flag[combo]
    out["hotspot_note"] = pd.Series(note[combo], index=panel.index, dtype="str")
    return out


def outcomes(
    ws: WorkspaceLike,
    dates: Iterable[Any],
    horizon_months: int = 3,
    known_before: Any = None,
    *,
    inspected_only: bool = False,
    sample_share: float = 1.0,
    **label: Any,
) -> pd.DataFrame:
    """What happened in ``[as_of, as_of + horizon_months)`` after each planning date.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    dates : iterable of date-like
        Planning dates.
    horizon_months : int
        Length of the outcome window.
    known_before : date-like, optional
        Only outcomes known before this date count (the scoring date when building training
        labels); default: everything in the database.
    inspected_only : bool
        Keep only businesses inspected in the window.
    sample_share : float
        The deterministic hash sample of :func:`feature_panel` (1 = all rows).
    **label
        Overrides of the ``[label]`` settings (see :func:`label_settings`).

    Returns
    -------
    pandas.DataFrame
        One row per business × date with any event in the window: ``business_id``, ``as_of``,
        ``inspections``, ``problems_found`` (inspections with severity >= 1), ``serious_found``
        (>= 2), ``max_severity`` (-1 = not inspected), ``random_inspections`` (双随机抽查),
        ``random_max_severity``, ``penalties``, ``complaints_checked`` (with a 是否属实 answer),
        ``substantiated``; booleans ``inspected``, ``observed_any``, ``positive`` (the configured
        label: an inspection at least ``min_severity``, or a penalty / a substantiated complaint
        when those count), ``random_inspected`` and ``random_positive`` (what the 双随机 checks
        alone found, at least ``min_severity``).
    """
    days = sorted({to_date(d) for d in dates})
    cutoff = to_date(known_before) if known_before is not None else dt.date(9999, 12, 31)
    lab = label_settings(ws, **label)
    with _connect(ws) as con:
        out = con.execute(
            sql.load("targeting/features_outcomes"),
            {
                "dates": days,
                "horizon_months": int(horizon_months),
                "known_before": cutoff,
                "skip_types": lab["skip_types"],
                "inspected_only": bool(inspected_only),
                "sample_share": float(sample_share),
            },
        ).df()
    out["as_of"] = pd.to_datetime(out["as_of"])
    ints = (
        "inspections",
        "problems_found",
        "serious_found",
        "max_severity",
        "random_inspections",
        "random_max_severity",
        "penalties",
        "complaints_checked",
        "substantiated",
    )
    for col in ints:
        out[col] = out[col].astype(int)
    out["inspected"] = out["inspections"] > 0
    out["observed_any"] = out["inspected"] | (out["penalties"] > 0) | (out["complaints_checked"] > 0)
    positive = out["max_severity"] >= lab["min_severity"]
    if lab["penalties"]:
        positive |= out["penalties"] > 0
    if lab["substantiated"]:
        positive |= out["substantiated"] > 0
    out["positive"] = positive
    out["random_inspected"] = out["random_inspections"] > 0
    out["random_positive"] = out["random_max_severity"] >= lab["min_severity"]
    return out


def population_frame(records: pd.DataFrame, population: str) -> pd.DataFrame:
    """The evaluated rows of one population of backtest records, with their label ``y``:
    ``"inspected"`` (inspected in the window, the configured label) or ``"random"`` (drawn by
    双随机抽查, labelled by what those checks found)."""
    if population == "inspected":
        return records[records["inspected"].astype(bool)].assign(y=records["positive"].astype(int))
    if population == "random":
        part = records[records["random_inspected"].astype(bool)]
        return part.assign(y=part["random_positive"].astype(int))
    raise ValueError("population must be 'inspected' or 'random'")


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
        The planning date; nothing dated on or after it is used.
    use_hotspots : bool
        Add ``in_hotspot`` / ``hotspot_note`` from :func:`hotspot_flags` (data before ``as_of``
        only); otherwise they are 0 / NaN.

    Returns
    -------
    pandas.DataFrame
        ``business_id``, ``uscc``, ``name``, ``township``, ``industry``, ``industry_name``,
        ``section``, ``subject_type`` (as in the businesses table, for people), ``as_of``, the
        business's ``industry_code`` / ``permit_item`` as of the date, then the feature columns of
        the module docstring.
    """
    day = to_date(as_of)
    panel = feature_panel(ws, [day], use_hotspots=use_hotspots)
    info = business_info(ws)
    out = info.merge(panel.drop(columns=["township"]), on="business_id", how="inner")
    return out.sort_values("business_id", ignore_index=True)
