"""Every notebook runs top to bottom on the sample data, is committed without outputs, shows its
tables in Chinese, and leaves real data alone (04 works on a throwaway copy, 01 never imports the
samples into a workspace that holds other data).

The committed version is what is checked and run: a notebook used in JupyterLab (outputs saved
in the working copy) does not make these tests fail. ``.gitattributes`` and the pre-commit hook
strip outputs before a commit.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
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
DECIMAL = re.compile(r"\d*\.\d+(?:[eE][-+]?\d+)?")
ID_NUMBER = re.compile(r"(?<![0-9A-Z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX](?![0-9A-Z])")
#: What a table for staff never shows: code names, missing markers, Python booleans and dicts, a machine login.
NOT_FOR_STAFF = re.compile(
    r"\bsource_file\b|\bq_value\b|\bp_value\b|\bfield_label\b|\bperiod_start\b|\bNaN\b|\bNaT\b|\bNone\b|"
    r"\bTrue\b|\bFalse\b|\{'kind'|\broot\b|\blogit\b|\bisotonic\b|\bfarrington\w*|\bglm_harmonic\b|"
    r"\bindustry_division\b|\bviolations\b"
)


#: A script, module or style sheet loaded from another machine (links people may click are fine).
REMOTE = re.compile(r"""(?:src=|import\s[^;]{0,200}?from\s*|import\(|@import\s+(?:url\()?|<link[^>]+href=)\s*\\?["']?https?://""")


def committed(path: Path) -> nbformat.NotebookNode:
    """The committed version of a notebook (the working copy when not in a git checkout)."""
    try:
        text = subprocess.run(
            ["git", "show", f"HEAD:{path.relative_to(ROOT).as_posix()}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            encoding="utf-8",
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        text = path.read_text(encoding="utf-8")
    return nbformat.reads(text, as_version=4)


def working(path: Path) -> nbformat.NotebookNode:
    """The working copy with its outputs stripped (as nbstripout does): what a commit would hold."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def execute(nb: nbformat.NotebookNode, workspace: Path, where: Path) -> nbformat.NotebookNode:
    os.environ["GA_WORKSPACE"] = str(workspace)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(where)}}).execute()
    return nb


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
    nb = committed(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook without code"
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)


def test_outputs_are_stripped_before_a_commit() -> None:
    attributes = (ROOT / ".gitattributes").read_text(encoding="utf-8")
    assert re.search(r"^\*\.ipynb\s+.*filter=nbstripout", attributes, re.MULTILINE)
    hooks = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "id: nbstripout" in hooks
    assert ".venv/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def shown(nb: nbformat.NotebookNode) -> list[str]:
    """What the notebook shows people: printed text and the plain form of every table, without the
    one output that carries the embedded table library."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "interactive_tables()" in "".join(cell.source):
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                texts.append(out.text)
            elif out.output_type in ("execute_result", "display_data"):
                texts.append(out.get("data", {}).get("text/plain", ""))
    return texts


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_sample_data(path: Path, notebook_workspace: Path, tmp_path: Path) -> None:
    before = len(ga.Workspace(notebook_workspace).register())
    imports_before = len(ga.Workspace(notebook_workspace).table("imports"))
    shutil.copy(path, tmp_path / path.name)
    nb = execute(working(path), notebook_workspace, tmp_path)
    text = json.dumps([c.get("outputs", []) for c in nb.cells if c.cell_type == "code"], ensure_ascii=False)
    assert "Traceback" not in text
    # no caller phone numbers or ID numbers in anything the notebook shows
    # decimals (chart coordinates such as 0.15234567891) are not phone numbers: drop them first
    assert not PHONE.search(DECIMAL.sub("", re.sub(r'"image/png": "[^"]*"', "", text)))
    assert not ID_NUMBER.search(text.replace("\\n", " "))
    # nor a caller's name: 郑女士 / 张先生 forms (the samples' 来电人 values)
    assert not re.search(r"[\u4e00-\u9fff](?:女士|先生)", text)
    # tables and printed lines in Chinese: no code names, NaN, True/False, dicts or a login name
    for part in shown(nb):
        found = NOT_FOR_STAFF.findall(part)
        assert not found, (found, part[:400])
    # long tables are interactive (itables) and offline: no script or style sheet from the internet
    assert "itables" in text
    assert not REMOTE.findall(text), REMOTE.findall(text)[:3]
    # nothing written into the workspace: 04 registers on a throwaway copy, 01 imports nothing here
    assert len(ga.Workspace(notebook_workspace).register()) == before
    assert len(ga.Workspace(notebook_workspace).table("imports")) == imports_before


def test_notebook_01_never_imports_samples_into_a_workspace_with_other_data(tmp_path: Path) -> None:
    real = tmp_path / "real"
    ws = ga.Workspace(real)
    data = tmp_path / "exports_from_the_bureau"
    data.mkdir()
    shutil.copy(SAMPLES / "penalties_2021-2024.csv", data / "行政处罚_2024年导出.csv")
    ws.import_file(data / "行政处罚_2024年导出.csv", "penalties")
    counts = ws.status().set_index("table")["rows"].to_dict()
    path = ROOT / "notebooks" / "01_import_and_check.ipynb"
    nb = execute(working(path), real, tmp_path)
    assert ga.Workspace(real).status().set_index("table")["rows"].to_dict() == counts
    assert len(ga.Workspace(real).table("imports")) == 1
    printed = "\n".join(shown(nb))
    assert "不导入样例数据" in printed and "跳过重复导入演示" in printed


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
