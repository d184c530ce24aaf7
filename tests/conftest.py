"""Shared fixtures: the checkout's paths, the workspace loaded with the sample data (built once per
session) and the reference data in ``shared/`` next to the checkout."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import guidance_analytics as ga
from guidance_analytics.jobs import import_folder

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLES = ROOT / "data_samples"


def find_shared(start: Path = HERE) -> Path | None:
    """The ``shared/`` folder of the project: the nearest one found walking up from ``start``."""
    for folder in (start, *start.parents):
        candidate = folder / "shared"
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout (where ``data_samples/``, ``notebooks/`` and ``pyproject.toml`` are)."""
    return ROOT


@pytest.fixture(scope="session")
def shared_file() -> Callable[[str], Path]:
    """``shared_file("domain/x.csv")``: a path under ``shared/`` that exists.

    When it is missing the test is skipped, except under ``CI=true``, where it fails: CI always
    has ``shared/`` next to the checkout, so missing reference data there is a broken setup.
    """
    root = find_shared()

    def need(relative: str) -> Path:
        path = root / relative if root is not None else None
        if path is not None and path.exists():
            return path
        message = f"reference data shared/{relative} not found (looked upwards from {HERE})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)

    return need


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the sample-data workspace are slow (it imports ~100 000 rows once per session)."""
    for item in items:
        if "sample_workspace" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
