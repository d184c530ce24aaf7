"""The hotspot panel SQL against a plain pandas count of the same records, and the hotspot table built
on it against the one built on that reference panel.

The panel SQL groups the inspections by an integer period key and by the one record attribute in use
(for speed, see ``sql/hotspots/panel.sql``); here the same counts are made row by row in pandas with
``Timestamp.to_period`` (ISO weeks from Monday, months, quarters) and hand-written GB/T 4754 keys, on
records chosen to sit on the boundaries: the 29th of February, ISO week 53 of 2020 (28 Dec 2020 to
3 Jan 2021), the first and last day of months and quarters, results without a value (counted by
``problem_count``) or with an unknown one, records without industry or township (taken from the
business), penalties. A planted spike makes the hotspot comparison non-vacuous.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from test_hotspots import insert

from guidance_analytics import Workspace
from guidance_analytics.hotspots import flags, hotspot_panel, hotspots

#: class code → its keys at every level (section, division, group, class), written out by hand
LEVEL_KEYS = {
    "6210": ["H", "H62", "H621", "H6210"],
    "6220": ["H", "H62", "H622", "H6220"],
    "5211": ["F", "F52", "F521", "F5211"],
    "5212": ["F", "F52", "F521", "F5212"],
}
PROBLEM = {"发现问题已当场整改", "责令限期整改", "移送立案"}
RESULTS = ["未发现问题", "未发现问题", "发现问题已当场整改", "责令限期整改", "移送立案", None, "其他"]
TOWNS = ["南麻街道", "鲁村镇"]
BOUNDARY_DAYS = [
    date(2020, 2, 29),
    date(2020, 3, 1),
    date(2020, 12, 27),  # Sunday: last day of ISO week 52
    date(2020, 12, 28),  # Monday of ISO week 53 of 2020
    date(2020, 12, 31),
    date(2021, 1, 1),  # still ISO week 53 of 2020
    date(2021, 1, 3),
    date(2021, 1, 4),
    date(2021, 3, 31),
    date(2021, 4, 1),
]
SPIKE = ("6210", pd.Timestamp("2022-06-01"))


def _records(seed: int = 7):
    """Businesses, inspections and penalties of a small county, 2020-2022, with one planted spike."""
    rng = np.random.default_rng(seed)
    codes = list(LEVEL_KEYS)
    businesses = [
        dict(business_id=f"B{i}", industry_code=codes[i % 4], township=TOWNS[i % 2]) for i in range(40)
    ]
    days = [date(2020, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 3 * 365, 1500)]
    days += BOUNDARY_DAYS * 6
    rows = []
    for i, day in enumerate(days):
        biz = businesses[int(rng.integers(0, 40))]
        result = RESULTS[int(rng.integers(0, len(RESULTS)))]
        rows.append(
            dict(
                inspection_no=f"I{i}",
                inspected_on=day,
                business_id=biz["business_id"],
                result=result,
                problem_count=int(rng.integers(0, 3)) if result is None else None,
                # a record without industry (or township) takes the business's
                industry_code=None if rng.random() < 0.2 else biz["industry_code"],
                township=None if rng.random() < 0.2 else biz["township"],
            )
        )
    for j in range(30):  # the planted spike: 30 problem inspections of 6210 in June 2022
        rows.append(
            dict(
                inspection_no=f"S{j}",
                inspected_on=date(2022, 6, 1 + j % 30),
                business_id="B0",
                result="责令限期整改",
                problem_count=None,
                industry_code="6210",
                township="南麻街道",
            )
        )
    penalties = [
        dict(
            decision_no=f"P{k}",
            decided_on=date(2020, 1, 1) + timedelta(days=int(rng.integers(0, 3 * 365))),
            business_id=f"B{k % 40}",
            industry_code=codes[k % 4],
            township=TOWNS[k % 2],
        )
        for k in range(60)
    ]
    return businesses, rows, penalties


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    businesses, rows, penalties = _records()
    ws = Workspace(tmp_path_factory.mktemp("reference") / "ws")
    insert(ws, "businesses", businesses)
    insert(ws, "inspections", rows)
    insert(ws, "penalties", penalties)
    return ws, businesses, rows, penalties


def _period(day: date, freq: str) -> pd.Timestamp:
    return pd.Timestamp(day).to_period({"W": "W-SUN", "M": "M", "Q": "Q"}[freq]).start_time


def _reference(businesses, rows, penalties, freq: str, keys) -> pd.DataFrame:
    """Counts per field and period made row by row: ``observed`` (problem inspections + penalties),
    ``inspections``, ``inspection_problems``; every field with an event over every period from the
    first event's to the last one's, zero-filled. ``keys(record, business)`` lists a record's fields.
    """
    biz = {b["business_id"]: b for b in businesses}
    counts: dict[tuple[str, pd.Timestamp], list[int]] = {}

    def add(record, day, observed, inspection, problem):
        for key in keys(record, biz.get(record["business_id"], {})):
            c = counts.setdefault((key, _period(day, freq)), [0, 0, 0])
            c[0] += observed
            c[1] += inspection
            c[2] += problem

    for r in rows:
        problem = r["result"] in PROBLEM or (r["result"] is None and (r["problem_count"] or 0) > 0)
        add(r, r["inspected_on"], int(problem), 1, int(problem))
    for p in penalties:
        add(p, p["decided_on"], 1, 0, 0)
    events = {cell for cell, c in counts.items() if c[0] > 0}
    fields = sorted({f for f, _ in events})
    periods = pd.date_range(min(p for _, p in events), max(p for _, p in events), freq=_step(freq))
    grid = [(f, p, *counts.get((f, p), [0, 0, 0])) for f in fields for p in periods]
    return pd.DataFrame(
        grid, columns=["field", "period_start", "observed", "inspections", "inspection_problems"]
    )


def _step(freq: str) -> str:
    return {"W": "W-MON", "M": "MS", "Q": "QS"}[freq]


def _industry(record, business):
    code = record.get("industry_code") or business.get("industry_code")
    return LEVEL_KEYS[code]


def _township(record, business):
    return [record.get("township") or business.get("township")]


def _division_town(record, business):
    return [_industry(record, business)[1] + "×" + _township(record, business)[0]]


def _compare(panel: pd.DataFrame, ref: pd.DataFrame) -> None:
    got = panel[["field", "period_start", "observed", "inspections", "inspection_problems"]]
    got = got.sort_values(["field", "period_start"], ignore_index=True)
    ref = ref.sort_values(["field", "period_start"], ignore_index=True)
    assert got["field"].tolist() == ref["field"].tolist()
    assert got["period_start"].tolist() == ref["period_start"].tolist()
    for col in ("observed", "inspections", "inspection_problems"):
        assert got[col].astype("int64").tolist() == ref[col].tolist(), col


@pytest.mark.parametrize("freq", ["W", "M", "Q"])
@pytest.mark.parametrize(
    ("by", "keys"),
    [("industry", _industry), ("township", _township), ("industry×township", _division_town)],
)
def test_panel_counts_equal_a_row_by_row_count(county, freq, by, keys):
    ws, businesses, rows, penalties = county
    panel = hotspot_panel(ws, "violations", by, freq=freq, effort=True)
    _compare(panel, _reference(businesses, rows, penalties, freq, keys))
    plain = hotspot_panel(ws, "violations", by, freq=freq)  # without effort: the same events
    assert plain["observed"].tolist() == panel["observed"].tolist()


def test_hotspot_table_equals_the_one_built_on_the_reference_panel(county, monkeypatch):
    ws, businesses, rows, penalties = county
    got = hotspots(ws, "violations", "industry")
    spike = got[(got["field"] == "H6210") & (got["period_start"] == SPIKE[1])]
    assert spike["flagged"].item()  # the planted spike: the comparison below is not vacuous
    panel = hotspot_panel(ws, "violations", "industry", effort=True)
    ref = _reference(businesses, rows, penalties, "M", _industry)
    ref_panel = panel.drop(columns=["observed", "inspections", "inspection_problems"]).merge(
        ref, on=["field", "period_start"], how="left", validate="one_to_one"
    )
    ref_panel["inspections"] = ref_panel["inspections"].astype(float)
    ref_panel["inspection_problems"] = ref_panel["inspection_problems"].astype(float)
    monkeypatch.setattr(flags, "hotspot_panel", lambda *args, **kwargs: ref_panel.copy())
    expected = hotspots(ws, "violations", "industry")
    pd.testing.assert_frame_equal(got, expected)
