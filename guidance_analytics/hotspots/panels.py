"""Count panels for hotspot detection: events per field and period, with exposure, from the workspace.

All aggregation runs in DuckDB (``sql/hotspots/panel.sql``); this module only checks the arguments,
binds the parameters and attaches readable field labels.

Measures
--------
``violations``
    Inspections whose result shows a problem (severity >= 1: 发现问题已当场整改, 责令限期整改, 移送立案;
    a missing result with ``problem_count > 0`` also counts) plus penalty decisions (``include_penalties``).
    An inspection and a later penalty of the same business are two events (the records carry no link).
``complaints``
    All hotline work orders (or only the ``request_types`` given); ``substantiated=True`` keeps 属实 and
    部分属实 ones. ``"substantiated_complaints"`` is a shortcut for the latter.
``inspection_failure_rate``
    Count = inspections that found problems, exposure = all inspections in the field and period, so
    the detector models problems per inspection.

Fields (``by``)
---------------
``industry``: every GB/T 4754-2017 level at once — section ``H``, division ``H62``, group ``H621``,
class ``H6210`` (as far as the record's code goes); each row carries its ``level`` and ``parent``.
Single levels: ``industry_section``, ``industry_division``, ``industry_class``. Further ``permit_item``,
``township``, ``violation_type``, ``complaint_category`` (first level of 事项分类), and pairs given as a
tuple, ``"industry×township"`` or ``"industry*township"`` (in a pair ``industry`` is the division).
Industry and township come from the record, else from the business. For ``permit_item`` an event counts
in every licence item its business holds *from the decision date* of its first licence of that item.
Missing keys form the field ``（未知）``.

Prospective panels
------------------
A period's counts use only what was known by its end: substantiated complaints count on the day their
verdict was known (``closed_at``, not the receipt date), licences from the later of their validity start
and decision date, licence items from their decision date; ``end`` cuts every source at that day. A
period is ``partial`` when it ends after the last day the data can cover: ``end``, else the day the
measure's records were last imported (records exported mid-month cannot hold that month whole).

Effort
------
For violations by licence attributes (industry, township, licence item and their pairs) the panel also
counts every inspection of the cell (``inspections``) and the inspections that found problems
(``inspection_problems``): violations are found by inspections, so a field inspected twice as often
finds about twice the violations (see :func:`~guidance_analytics.hotspots.hotspots`).

Exposure
--------
For fields that are licence attributes (industry, township, permit_item and their pairs) the exposure is
the number of licences active in the field during the period (valid_from … valid_to, ``NULL`` = 长期),
computed as a running sum of starts minus ends. ``violation_type`` and ``complaint_category`` are not
licence attributes: their exposure is ``NaN`` (no offset: counts are compared with their own history).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..core import WorkspaceLike, config_file, table

__all__ = [
    "DIMENSIONS",
    "FREQS",
    "MEASURES",
    "PAIR_SEP",
    "INDUSTRY_LEVELS",
    "LEVEL_LABELS",
    "LICENCE_DIMENSIONS",
    "PANEL_KEYS",
    "UNKNOWN",
    "industry_parents",
    "field_labels",
    "hotspot_panel",
    "parse_by",
    "parse_measure",
]

#: dimension name → label in Chinese
DIMENSIONS = {
    "industry": "行业（门类、大类、中类、小类）",
    "industry_section": "行业门类",
    "industry_division": "行业大类",
    "industry_class": "行业小类",
    "permit_item": "许可事项",
    "township": "乡镇（街道）",
    "violation_type": "违法行为类型",
    "complaint_category": "投诉事项分类",
}
_ALIASES = {
    "industries": "industry",
    "town": "township",
    "item": "permit_item",
    "category": "complaint_category",
}
LICENCE_DIMENSIONS = {
    "industry",
    "industry_section",
    "industry_division",
    "industry_class",
    "permit_item",
    "township",
}
#: GB/T 4754 levels of the ``industry`` keys by key length (section letter + digits)
INDUSTRY_LEVELS = {1: "section", 3: "division", 4: "group", 5: "class"}
#: level → Chinese name
LEVEL_LABELS = {
    "section": "门类",
    "division": "大类",
    "group": "中类",
    "class": "小类",
    "industry_section": "门类",
    "industry_division": "大类",
    "industry_class": "小类",
}
#: measure → (noun in reasons, unit)
MEASURES = {
    "violations": ("违法", "件"),
    "complaints": ("投诉举报", "件"),
    "substantiated_complaints": ("属实投诉举报", "件"),
    "inspection_failure_rate": ("检查发现问题", "次"),
}
FREQS = {"W": "week", "M": "month", "Q": "quarter"}
#: Keyword arguments of :func:`hotspot_panel` that callers pass through with the detector's ones.
PANEL_KEYS = ("substantiated", "exposure", "request_types", "include_penalties")
UNKNOWN = "（未知）"
PAIR_SEP = "×"


def parse_by(by: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Canonical dimension names of ``by`` (one or two).

    >>> parse_by("industry×township")
    ('industry_division', 'township')
    >>> parse_by(("permit_item",))
    ('permit_item',)
    >>> parse_by("industry")
    ('industry',)
    """
    if isinstance(by, str):
        parts = [x.strip() for x in by.replace("*", PAIR_SEP).replace(",", PAIR_SEP).split(PAIR_SEP)]
    else:
        parts = [str(x).strip() for x in by]
    dims = tuple(_ALIASES.get(x, x) for x in parts if x)
    if len(dims) > 1:  # in a pair, industry is the division
        dims = tuple("industry_division" if d == "industry" else d for d in dims)
    bad = [d for d in dims if d not in DIMENSIONS]
    if bad or not 1 <= len(dims) <= 2 or len(set(dims)) != len(dims):
        raise ValueError(
            f"by={by!r}: use one or two of {sorted(DIMENSIONS) + ['industry']} (e.g. 'industry×township')"
        )
    return dims


def parse_measure(measure: str, substantiated: bool = False) -> tuple[str, bool]:
    """``(sql_measure, substantiated)`` for a measure name; raises ``ValueError`` for unknown ones."""
    if measure == "substantiated_complaints":
        return "complaints", True
    if measure not in MEASURES:
        raise ValueError(f"measure={measure!r}: use one of {sorted(MEASURES)}")
    if substantiated and measure != "complaints":
        raise ValueError("substantiated=True only applies to measure='complaints'")
    return measure, bool(substantiated)


def _check_combination(measure: str, dims: tuple[str, ...]) -> None:
    if measure == "complaints" and "violation_type" in dims:
        raise ValueError("complaints have no violation_type; use by='complaint_category'")
    if measure != "complaints" and "complaint_category" in dims:
        raise ValueError("complaint_category only applies to measure='complaints'")


def hotspot_panel(
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
    effort: bool = False,
) -> pd.DataFrame:
    """The count panel of a measure by field and period, computed in DuckDB.

    Parameters
    ----------
    ws : WorkspaceLike
    measure : ``"violations"``, ``"complaints"``, ``"substantiated_complaints"`` or
        ``"inspection_failure_rate"`` (see the module docstring).
    by : a dimension, a pair as a tuple, or ``"a×b"``.
    freq : ``"W"`` (ISO weeks, Monday), ``"M"`` or ``"Q"``.
    end : last date used (the panel ends with the period holding it); ``None`` = all data.
    substantiated : complaints only 属实 / 部分属实.
    exposure : ``"auto"`` (active licences for licence attributes, inspections for the failure rate,
        none otherwise) or ``None`` (no exposure: plain counts).
    request_types : complaints only these 诉求类型 (e.g. ``["投诉", "举报"]``); ``None`` = all.
    include_penalties : violations also count penalty decisions.
    effort : violations (by licence attributes) also count every inspection and the problem ones
        (``inspections``, ``inspection_problems``; ``NaN`` in a field without any inspection), in
        the same scan as the violations: the fields and periods are those of the panel without
        effort (``hotspots`` always counts the effort for the effort check).

    Returns
    -------
    pandas.DataFrame
        ``by`` (e.g. ``"industry"`` or ``"industry_division×township"``), ``field`` (key, pairs
        joined by ``×``), ``field_label`` (Chinese), ``field1``, ``field2`` (``NaN`` for one dimension),
        ``level`` (``section``/``division``/``group``/``class`` for ``industry``, else the ``by``),
        ``parent`` (the next level's key, ``None`` at the top), ``period_start``, ``period_end``
        (``datetime64``), ``observed`` (int), ``exposure`` (float or ``NaN``), ``inspections`` and
        ``inspection_problems`` (float, ``NaN`` where effort is not counted), ``partial`` (the period
        ends after the last day the data cover). Every field with at least one event has a row for
        every period from the first event's period to the last (or to ``end``).
    """
    sql_measure, subst = parse_measure(measure, substantiated)
    dims = parse_by(by)
    _check_combination(sql_measure, dims)
    freq = freq.upper()
    if freq not in FREQS:
        raise ValueError("freq must be 'W', 'M' or 'Q'")
    if exposure not in ("auto", None, "none"):
        raise ValueError("exposure must be 'auto' or None")
    licence_dims = all(d in LICENCE_DIMENSIONS for d in dims)
    licence_exposure = exposure == "auto" and licence_dims
    params = {
        "measure": sql_measure,
        "dim1": dims[0],
        "dim2": dims[1] if len(dims) > 1 else None,
        "freq": FREQS[freq],
        "end": None if end is None else pd.Timestamp(end).date(),
        "substantiated": subst,
        "request_types": list(request_types) if request_types else None,
        "include_penalties": include_penalties,
        "licence_exposure": licence_exposure,
        "with_effort": bool(effort) and sql_measure == "violations" and licence_dims,
        "use_industry": any(d.startswith("industry") for d in dims),
        "use_township": "township" in dims,
        "use_item": "permit_item" in dims,
        "use_violation": "violation_type" in dims,
        "use_category": "complaint_category" in dims,
    }
    df = ws.store.query("hotspots/panel", **params)
    if sql_measure == "inspection_failure_rate" and exposure in (None, "none"):
        df["exposure"] = float("nan")
    by_name = PAIR_SEP.join(dims)
    labels1 = field_labels(dims[0], df["field1"], ws)
    if len(dims) > 1:
        labels2 = field_labels(dims[1], df["field2"], ws)
        field = df["field1"] + PAIR_SEP + df["field2"]
        label = labels1 + PAIR_SEP + labels2
    else:
        field, label = df["field1"], labels1
    field = field.astype(str)
    if dims == ("industry",):
        level = field.str.len().map(INDUSTRY_LEVELS).fillna("section").where(field != UNKNOWN, "section")
        parent = field.map({k: (industry_parents(k) or [None])[0] for k in field.unique()})
    else:
        level, parent = pd.Series(by_name, index=df.index), pd.Series(None, index=df.index, dtype=object)
    inspections = pd.to_numeric(df["inspections"], errors="coerce").astype(float)
    problems = pd.to_numeric(df["inspection_problems"], errors="coerce").astype(float)
    if params["with_effort"]:  # a field without any inspection (penalties only): effort unknown, not 0
        none = (inspections.groupby(field.to_numpy()).transform("sum") == 0).to_numpy()
        inspections[none], problems[none] = float("nan"), float("nan")
    period_end = pd.to_datetime(df["period_end"])
    as_of = pd.to_datetime(df["as_of"]) if "as_of" in df else pd.Series(pd.NaT, index=df.index)
    out = pd.DataFrame(
        {
            "by": by_name,
            "field": field,
            "field_label": label.astype(str),
            "field1": df["field1"].astype(str),
            "field2": df["field2"].astype("str") if len(dims) > 1 else float("nan"),
            "level": level.astype(str),
            "parent": parent.astype(object),
            "period_start": pd.to_datetime(df["period_start"]),
            "period_end": period_end,
            "observed": df["observed"].astype("int64"),
            "exposure": pd.to_numeric(df["exposure"], errors="coerce").astype(float),
            "inspections": inspections.to_numpy(),
            "inspection_problems": problems.to_numpy(),
            "partial": (period_end > as_of).fillna(False).astype(bool),
        }
    )
    out.attrs.update(measure=measure, freq=freq, dims=dims)
    return out.reset_index(drop=True)


def industry_parents(key: str) -> list[str]:
    """The GB/T 4754 parents of an ``industry`` field key, nearest first.

    >>> industry_parents("F5212")
    ['F521', 'F52', 'F']
    >>> industry_parents("F")
    []
    """
    if key == UNKNOWN or not key[:1].isalpha():
        return []
    return [key[:n] for n in (4, 3, 1) if n < len(key)]


def _industry_names(ws: WorkspaceLike | None) -> dict[str, str]:
    """Names by key: section letter, ``H62``, group ``H621``, class ``H6210`` (packaged tables + fallback)."""
    key = (config_file(ws, "hotspot_industry_names.csv"), config_file(ws, "industries.csv"))
    if key not in _NAMES:
        _NAMES[key] = _read_industry_names(ws)
    return _NAMES[key]


#: Industry names per pair of files read (the tables are small and never change during a run).
_NAMES: dict[tuple[Any, Any], dict[str, str]] = {}


def _read_industry_names(ws: WorkspaceLike | None) -> dict[str, str]:
    names: dict[str, str] = {}
    levels = table(ws, "hotspot_industry_names")
    sections = dict(levels.loc[levels["level"] == "section", ["code", "name"]].to_numpy())
    names.update(sections)
    for code, name in levels.loc[levels["level"].isin(["division", "group"]), ["code", "name"]].to_numpy():
        names[_section_of(code[:2]) + code] = name
    try:
        industries = table(ws, "industries")
    except FileNotFoundError:  # the packaged industry table is optional here
        industries = pd.DataFrame(columns=["section", "division", "group", "class", "name"])
    for row in industries.to_dict("records"):
        sec, cls, grp, div = (str(row.get(k) or "") for k in ("section", "class", "group", "division"))
        name = str(row.get("name") or "")
        if cls:
            names[sec + cls] = name
        elif grp:
            names.setdefault(sec + grp, name)
        elif div:
            names.setdefault(sec + div, name)
    return names


_SECTION_LIMITS = [
    (5, "A"),
    (12, "B"),
    (43, "C"),
    (46, "D"),
    (50, "E"),
    (52, "F"),
    (60, "G"),
    (62, "H"),
    (65, "I"),
    (69, "J"),
    (70, "K"),
    (72, "L"),
    (75, "M"),
    (79, "N"),
    (82, "O"),
    (83, "P"),
    (85, "Q"),
    (90, "R"),
    (96, "S"),
    (97, "T"),
]


def _section_of(division: str) -> str:
    """GB/T 4754-2017 section letter of a two-digit division (same ranges as the SQL)."""
    try:
        number = int(division)
    except ValueError:
        return ""
    return next((sec for limit, sec in _SECTION_LIMITS if number <= limit), "")


def field_labels(dim: str, keys: pd.Series, ws: WorkspaceLike | None = None) -> pd.Series:
    """Readable Chinese labels for field keys of one dimension.

    Industry keys get ``name(key)``, e.g. ``餐饮业(H62)``; a class without its own entry is named after
    its group (``正餐服务(H6210)``); other dimensions are their own label. ``ws``: whose edited
    ``hotspot_industry_names.csv`` / ``industries.csv`` to use (default: the packaged ones).

    >>> field_labels("industry_division", pd.Series(["H62", "（未知）"])).tolist()
    ['餐饮业(H62)', '（未知）']
    """
    keys = keys.astype(str)
    if not dim.startswith("industry"):
        return keys
    names = _industry_names(ws)

    def one(key: str) -> str:
        if key == UNKNOWN:
            return key
        group = dim in ("industry_class", "industry") and len(key) == 5
        name = names.get(key) or (names.get(key[:4]) if group else None)
        return f"{name}({key})" if name else key

    mapping = {k: one(k) for k in keys.unique()}
    return keys.map(mapping)
