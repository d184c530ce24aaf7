"""The console script: init / import / status, and the main job on the sample data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guidance_analytics.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_import_prints_the_account_and_fails_only_on_unusable_files(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["--workspace", str(ws), "init"]).exit_code == 0
    good = ROOT / "data_samples" / "penalties_2021-2024.csv"
    result = runner.invoke(app, ["--workspace", str(ws), "import", "penalties", str(good)])
    assert result.exit_code == 0, result.output
    assert "读取 277 行" in result.output and "拒收 2" in result.output  # rejects do not fail the command
    bad = tmp_path / "bad.csv"
    bad.write_text("行政相对人名称,备注\n甲,乙\n", encoding="utf-8")
    result = runner.invoke(app, ["--workspace", str(ws), "import", "penalties", str(bad)])
    assert result.exit_code == 2
    assert "bad.csv" in result.output and "行政处罚决定书文号" in result.output
    status = runner.invoke(app, ["--workspace", str(ws), "status"])
    assert status.exit_code == 0 and "penalties" in status.output


@pytest.mark.slow
def test_module_entry_point_and_demo(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "guidance_analytics", "--workspace", str(tmp_path / "ws"), "demo"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "已核对一致" in out.stdout and "候选名单" in out.stdout and "任何事项均未登记" in out.stdout
    exports = {p.suffix for p in (tmp_path / "ws" / "exports").iterdir()}
    assert {".xlsx", ".html"} <= exports
    assert "Traceback" not in out.stderr
