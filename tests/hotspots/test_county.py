"""The independent county simulation of ``benchmarks/sim_county`` at small size: a campaign decoy and
planted events through the default ``ws.hotspots``, and the scan statistic's null.

The simulation is written apart from the package and its sample generator (see
``benchmarks/sim_county/simulate.py``); nothing here is tuned to it: the defaults of
``config/hotspots.toml`` are used as they are.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import guidance_analytics as ga
from guidance_analytics.core import rules
from guidance_analytics.hotspots import flag_hotspots, scan_hotspots

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from sim_county import Design, industry_panel, score, simulate, simulate_county, small_design  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """Seed 1 of the small design (6 classes, 4 years): a small and a large spike, a rise ×1.8 of
    6 months, a licence doubling, a 专项检查 campaign doubling a clean class's inspections, and the
    seasonal class's summers — imported as the bureau's files."""
    tmp = tmp_path_factory.mktemp("county")
    files, truth = simulate_county(1, tmp / "files", small_design())
    ws = ga.Workspace(tmp / "ws")
    for kind in ("permits", "inspections"):
        assert ws.import_file(files[kind], kind=kind).rejected == 0
    return ws, truth, ws.hotspots("violations", "industry")


def test_planted_events_are_found_and_the_rise_within_two_months(county):
    _, truth, hot = county
    events = score(hot, truth)["events"].set_index("event_id")
    assert events.loc[["spike01", "spike02", "rise01"], "detected"].all(), events
    # detected = flagged from the rise's first month to two months after it
    assert events.loc["rise01", "delay"] <= 2


def test_the_campaign_decoy_is_explained_by_inspection_effort(county):
    _, truth, hot = county
    camp = truth[truth["kind"] == "campaign"].iloc[0]
    cells = hot[
        hot["field"].map(lambda k: camp.classes.startswith(k))
        & hot["period_start"].between(camp.start, camp.end)
    ]
    assert not cells["flagged"].any(), cells
    # its violations did double: the count test fired, the effort check explained it
    explained = cells[cells["effort_explained"]]
    assert len(explained) >= 1
    assert explained["reason"].str.contains("可由检查力度（如专项检查）解释，不列为违法热点").all()
    assert (explained["failure_rate"] / explained["failure_rate_expected"]).between(0.7, 1.4).all()
    assert score(hot, truth)["summary"]["campaign_flags"].item() == 0


def test_records_of_the_flags_add_up_to_their_counts(county):
    ws, _, hot = county
    for row in hot[hot["flagged"]].to_dict("records"):
        rec = ws.hotspot_records(row)
        n = row["observed"] if row["window"] <= 1 else row["observed_window"]
        assert int(rec["problem"].sum()) == n, row["reason"]
        assert (
            rec["known_on"]
            .between(
                pd.Timestamp(row["period_start"]) - pd.DateOffset(months=int(row["window"]) - 1),
                row["period_end"],
            )
            .all()
        )


def test_scan_null_false_clusters_in_at_most_5_percent_of_periods():
    """Six counties without any planted event (25 classes, 5 years): the share of evaluated periods in
    which the scan reports a cluster at alpha = 0.05 is at most 5 % (here 5 of 192; 15 of 384 = 3.9 %
    over 12 counties in benchmarks/eval_scan_null.py). The plug-in null of the same scan (expected
    counts taken as true) reports clusters in several times as many periods."""
    cfg = rules(None, "hotspots")
    opts = {**cfg["detect"], **cfg["flags"], **cfg["effort"]}
    hits = plug_hits = total = 0
    for seed in range(6):
        hot = flag_hotspots(
            industry_panel(simulate(seed, Design(items=()))["series"]), start="2022-03-01", **opts
        )
        periods = hot.loc[
            hot["period_start"] >= "2022-05-01", "period_start"
        ].unique()  # all windows evaluated
        found = scan_hotspots(hot, n_sim=199, alpha=0.05, seed=seed)
        plugin = hot.assign(se_log_expected=0.0, phi_df=np.nan, phi_raw=hot["phi"])
        plug = scan_hotspots(plugin, n_sim=199, alpha=0.05, seed=seed)
        hits += found.loc[found["period"].isin(periods), "period"].nunique()
        plug_hits += plug.loc[plug["period"].isin(periods), "period"].nunique()
        total += len(periods)
    assert total == 192
    assert hits / total <= 0.05, hits
    assert plug_hits >= 3 * max(hits, 1), (hits, plug_hits)
