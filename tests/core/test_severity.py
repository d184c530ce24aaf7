"""Inspection severity is defined once: the view ``inspection_severity`` (migration 003)."""

from __future__ import annotations

import re
from pathlib import Path

import guidance_analytics as ga

PACKAGE = Path(__file__).resolve().parents[2] / "guidance_analytics"
RESULTS = {"未发现问题": 0, "发现问题已当场整改": 1, "责令限期整改": 2, "移送立案": 3, None: 0, "其他结果": 0}


def test_the_view_rates_every_result(tmp_path: Path) -> None:
    ws = ga.Workspace(tmp_path / "ws")
    with ws.store.connect() as con:
        for i, result in enumerate(RESULTS):
            con.execute(
                "INSERT INTO inspections (inspection_no, inspected_on, result) VALUES ($n, DATE '2024-01-01', $r)",
                {"n": f"I{i}", "r": result},
            )
    rated = ws.query("SELECT inspection_no, result, severity FROM inspection_severity ORDER BY inspection_no")
    assert dict(zip(rated["inspection_no"], rated["severity"], strict=True)) == {
        f"I{i}": s for i, s in enumerate(RESULTS.values())
    }


def test_severity_is_written_down_only_in_the_migration() -> None:
    mapping = re.compile(r"""['"]移送立案['"]\s*(?:THEN|:)\s*3""")
    places = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*")
        if p.suffix in (".sql", ".py") and mapping.search(p.read_text(encoding="utf-8"))
    ]
    assert places == ["sql/migrations/003_inspection_severity.sql"]


def test_features_routing_hotspots_and_effects_read_the_view() -> None:
    for name in (
        "targeting/features_panel",
        "targeting/features_outcomes",
        "targeting/routing_evidence",
        "hotspots/panel",
        "effects/monthly_panel",
        "effects/top_offenders",
    ):
        text = (PACKAGE / "sql" / f"{name}.sql").read_text(encoding="utf-8")
        assert "FROM inspection_severity" in text, name
        assert "'发现问题已当场整改'" not in text, name
