"""Scenarios for issue 11 points 14–15: the speed goals, measured with ``bench_ingest_goals`` (each
measurement in its own process; big inputs cached under ``/tmp/ga_bench_goals``)."""

from __future__ import annotations

import sys
from pathlib import Path

from .runner import Ctx, Verdict, scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_ingest_goals as goals  # noqa: E402


@scenario(
    14, "300 k-row GB18030 work-order csv: ws.import_file vs bare pandas.read_csv (goal ≤ 3×)", timeout=3600
)
def s_csv_import_vs_bare_read(ctx: Ctx) -> Verdict:
    v = Verdict()
    rows = max(int(300_000 * ctx.scale), 1000)
    r = goals.part_csv(goals.DEFAULT_CACHE, rows, repeat=1, rebuild=False)
    v.metrics.update(r)
    text = (
        f"{rows:,} rows: import {r['import_s']:.1f} s / bare read {r['bare_read_s']:.1f} s = {r['ratio']:.1f}×; "
        f"peak RSS {r['import_rss_mb']:.0f} MB ({r['quarter_rows']:,} rows: {r['quarter_rss_mb']:.0f} MB)"
    )
    v.check(r["reconciles"] and r["read"] == rows, "SILENT_LOSS", f"read {r['read']} of {rows}")
    if r["ratio"] > goals.GOAL_RATIO:
        v.add("SLOW", text)
    else:
        v.note(text)
    if r["import_rss_mb"] > 1.5 * r["quarter_rss_mb"]:
        v.add(
            "SLOW",
            f"peak memory grows with the file: ×{r['import_rss_mb'] / r['quarter_rss_mb']:.1f} for ×4 rows",
        )
    return v


@scenario(14, "100 k-row xlsx: ws.import_file vs bare python_calamine read (goal ≤ 3×)", timeout=3600)
def s_xlsx_import_vs_bare_calamine(ctx: Ctx) -> Verdict:
    v = Verdict()
    rows = max(int(100_000 * ctx.scale), 1000)
    r = goals.part_xlsx(goals.DEFAULT_CACHE, rows, repeat=1, rebuild=False)
    v.metrics.update(r)
    text = (
        f"{rows:,} rows: import {r['import_s']:.1f} s / bare calamine {r['bare_read_s']:.1f} s = {r['ratio']:.1f}×; "
        f"peak RSS import {r['import_rss_mb']:.0f} MB vs bare {r['bare_rss_mb']:.0f} MB"
    )
    v.check(r["read"] == rows, "SILENT_LOSS", f"read {r['read']} of {rows}")
    if r["ratio"] > goals.GOAL_RATIO:
        v.add("SLOW", text)
    else:
        v.note(text)
    return v


@scenario(15, "1,000 licences into 60 k businesses + 100 k work orders (goal: matching < 5 s)", timeout=3600)
def s_licences_into_big_workspace(ctx: Ctx) -> Verdict:
    v = Verdict()
    s = ctx.scale
    r = goals.part_match(
        goals.DEFAULT_CACHE,
        max(int(60_000 * s), 100),
        max(int(100_000 * s), 100),
        max(int(1_000 * s), 10),
        repeat=1,
        rebuild=False,
    )
    v.metrics.update(r)
    text = (
        f"{r['licences']:,} licences into {r['businesses']:,} businesses + {r['complaints']:,} work orders: "
        f"{r['import_s']:.1f} s, {r['without_complaints_s']:.1f} s without the work orders → "
        f"{r['complaint_dependent_s']:.1f} s ({r['share']:.0%}) depends on the stored work orders"
    )
    v.check(r["accepted"] == r["licences"], "SILENT_LOSS", f"accepted {r['accepted']} of {r['licences']}")
    if r["complaint_dependent_s"] >= goals.GOAL_MATCH_S:
        v.add("SLOW", text)
    else:
        v.note(text)
    return v
