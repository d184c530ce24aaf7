"""Every notebook runs top to bottom on the sample data, and is committed without outputs."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import guidance_analytics as ga
from guidance_analytics.jobs import import_folder

pytestmark = pytest.mark.notebook

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SAMPLES = ROOT / "data_samples"
PHONE = re.compile(r"(?<!\d)1\d{10}(?!\d)|\d{3,4}-\d{7,8}")
ID_NUMBER = re.compile(r"(?<![0-9A-Z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX](?![0-9A-Z])")


@pytest.fixture(scope="module")
def notebook_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nb") / "ws"
    import_folder(ga.Workspace(path), SAMPLES, echo=lambda _t: None)
    return path


def test_there_are_notebooks() -> None:
    names = [p.name for p in NOTEBOOKS]
    assert any(n.startswith("01_") for n in names), names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_without_outputs(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, "a notebook without code"
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_sample_data(path: Path, notebook_workspace: Path, tmp_path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    os.environ["GA_WORKSPACE"] = str(notebook_workspace)
    work = tmp_path / path.name
    shutil.copy(path, work)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    text = json.dumps([c.get("outputs", []) for c in nb.cells if c.cell_type == "code"], ensure_ascii=False)
    assert "Traceback" not in text
    # no caller phone numbers or ID numbers in anything the notebook shows
    assert not PHONE.search(re.sub(r'"image/png": "[^"]*"', "", text))
    assert not ID_NUMBER.search(text.replace("\\n", " "))


STAGES = {"core", "ingest", "hotspots", "targeting", "register", "effects", "samples"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_imports_only_the_package_or_one_stage_package(path: Path) -> None:
    """A notebook imports from ``guidance_analytics`` or one stage package, never an inner module."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    modules = set(re.findall(r"^\s*(?:from|import)\s+(guidance_analytics[\w.]*)", code, re.MULTILINE))
    inner = sorted(m for m in modules if m.count(".") > 1 or (m.count(".") == 1 and m.split(".")[1] not in STAGES))
    assert not inner, inner
    assert len(modules - {"guidance_analytics"}) <= 1, modules
