"""Shared fixtures: a workspace loaded with the committed sample data (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

import guidance_analytics as ga
from guidance_analytics.jobs import import_folder

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data_samples"


@pytest.fixture(scope="session")
def sample_workspace(tmp_path_factory: pytest.TempPathFactory) -> ga.Workspace:
    """A workspace with every file of ``data_samples/`` imported (read-only use, please)."""
    if not any(SAMPLES.glob("*.csv")):
        pytest.fail("data_samples/ is empty: regenerate it with `guidance-analytics samples data_samples`")
    ws = ga.Workspace(tmp_path_factory.mktemp("samples") / "ws")
    import_folder(ws, SAMPLES, echo=lambda _text: None)
    return ws


@pytest.fixture(scope="session")
def sample_truth() -> Path:
    """The ground-truth folder written by the sample generator."""
    return SAMPLES / "truth"
