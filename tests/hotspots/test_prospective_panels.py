"""Prospective panels: a period's counts use only what was known by its end.

Property: for any data and any cut day ``d`` (a month end), the panel computed with ``end=d`` equals
the panel computed with all the data, restricted to the months up to ``d``. Substantiated complaints
count from the day their verdict was known (closed_at): dating them by the receipt day would put a
complaint received before ``d`` and found 属实 after it into a month up to ``d`` of the full panel
only — the generated data always hold such a complaint, so the property is not vacuous. Licence items
count for a business from the decision date of its first licence of the item (not "any time"), and a
licence adds to the exposure from the later of its validity start and its decision.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hotspots import insert

from guidance_analytics import Workspace
from guidance_analytics.hotspots import hotspot_panel

DAY0 = date(2023, 1, 1)
TOWNS = ["南麻街道", "鲁村镇", "东里镇"]
ITEMS = ["食品经营许可证", "公共场所卫生许可证"]


@st.composite
def county(draw):
    """Complaints, permits and inspections of five businesses over 2023, and a cut month end."""
    cut_month = draw(st.integers(3, 10))
    cut = (pd.Timestamp(2023, cut_month, 1) + pd.offsets.MonthEnd(0)).date()
    n_c = draw(st.integers(3, 25))
    complaints = []
    for i in range(n_c):
        received = DAY0 + timedelta(days=draw(st.integers(0, 360)))
        closed = draw(st.one_of(st.none(), st.integers(0, 120)))
        complaints.append(
            dict(
                order_no=f"C{i}",
                received_at=pd.Timestamp(received),
                closed_at=None if closed is None else pd.Timestamp(received + timedelta(days=closed)),
                substantiated=draw(st.sampled_from(["属实", "部分属实", "不属实", None])),
                request_type="投诉",
                township=draw(st.sampled_from(TOWNS)),
                business_id=f"B{draw(st.integers(0, 4))}",
            )
        )
    # one substantiated complaint received before the cut and closed after it
    complaints.append(
        dict(
            order_no="CX",
            received_at=pd.Timestamp(cut - timedelta(days=5)),
            closed_at=pd.Timestamp(cut + timedelta(days=10)),
            substantiated="属实",
            request_type="举报",
            township=TOWNS[0],
            business_id="B0",
        )
    )
    permits = []
    for i in range(draw(st.integers(2, 10))):
        valid_from = DAY0 + timedelta(days=draw(st.integers(-200, 330)))
        lag = draw(st.integers(-20, 60))  # decided before its validity starts, or (backdated) after
        permits.append(
            dict(
                permit_key=f"L{i}",
                business_id=f"B{draw(st.integers(0, 4))}",
                permit_item=draw(st.sampled_from(ITEMS)),
                valid_from=valid_from,
                decision_date=valid_from + timedelta(days=lag),
                valid_to=draw(
                    st.one_of(st.none(), st.just(valid_from + timedelta(days=draw(st.integers(30, 400)))))
                ),
                industry_code="6210",
                township=TOWNS[1],
            )
        )
    inspections = [
        dict(
            inspection_no=f"I{i}",
            inspected_on=DAY0 + timedelta(days=draw(st.integers(0, 360))),
            business_id=f"B{draw(st.integers(0, 4))}",
            result=draw(st.sampled_from(["责令限期整改", "未发现问题", "发现问题已当场整改"])),
            industry_code="6210",
            township=TOWNS[1],
        )
        for i in range(draw(st.integers(3, 25)))
    ]
    return complaints, permits, inspections, cut


def _restricted(full: pd.DataFrame, cut: date) -> pd.DataFrame:
    return full[full["period_start"] <= pd.Timestamp(cut)]


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=county())
def test_substantiated_and_licence_item_panels_use_only_what_was_known(tmp_path_factory, data):
    complaints, permits, inspections, cut = data
    ws = Workspace(tmp_path_factory.mktemp("ws"))
    insert(ws, "businesses", [dict(business_id=f"B{i}", industry_code="6210") for i in range(5)])
    insert(ws, "complaints", complaints)
    insert(ws, "permits", permits)
    insert(ws, "inspections", inspections)
    key = ["field", "period_start"]
    for measure, by, cols in (
        ("substantiated_complaints", "township", ["observed"]),
        ("violations", "permit_item", ["observed", "exposure"]),
        ("violations", "industry", ["observed", "exposure"]),
    ):
        cut_panel = hotspot_panel(ws, measure, by, end=cut)
        full = _restricted(hotspot_panel(ws, measure, by), cut)
        merged = full.merge(cut_panel, on=key, how="left", suffixes=("_full", "_cut"), indicator=True)
        # fields whose first event comes after the cut have no row yet: nothing happened in them
        later = merged["_merge"] == "left_only"
        assert (merged.loc[later, "observed_full"] == 0).all(), (measure, by, merged[later])
        both = merged[~later]
        for c in cols:
            left, right = both[f"{c}_full"].fillna(-1), both[f"{c}_cut"].fillna(-1)
            assert (left == right).all(), (measure, by, c, both[left != right])
        assert not cut_panel["partial"].any()  # the cut is a month end: every month is complete
    # CX (received before the cut, found 属实 after it) is in the month it was closed
    subst = hotspot_panel(ws, "substantiated_complaints", "township")
    cx = pd.Timestamp(cut + timedelta(days=10)).to_period("M").start_time
    assert subst.loc[(subst.field == TOWNS[0]) & (subst.period_start == cx), "observed"].item() >= 1


def test_licence_item_counts_from_its_decision_date(tmp_path):
    ws = Workspace(tmp_path / "ws")
    insert(
        ws,
        "permits",
        [
            dict(
                permit_key="L1",
                business_id="B1",
                permit_item="食品经营许可证",
                decision_date=date(2023, 3, 10),
                valid_from=date(2023, 3, 10),
            )
        ],
    )
    insert(
        ws,
        "inspections",
        [
            dict(inspection_no="I1", inspected_on=date(2023, 2, 5), business_id="B1", result="责令限期整改"),
            dict(inspection_no="I2", inspected_on=date(2023, 3, 9), business_id="B1", result="责令限期整改"),
            dict(inspection_no="I3", inspected_on=date(2023, 3, 12), business_id="B1", result="责令限期整改"),
        ],
    )
    p = hotspot_panel(ws, "violations", "permit_item")
    got = p.set_index(["field", p.period_start.dt.strftime("%m")])["observed"].to_dict()
    # before the licence was decided the business had no 食品经营许可证: I1 and I2 are not in it
    assert got[("食品经营许可证", "03")] == 1 and got[("食品经营许可证", "02")] == 0
    assert got[("（未知）", "02")] == 1 and got[("（未知）", "03")] == 1
