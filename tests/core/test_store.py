"""Broken and read-only workspaces (issue 11, point 10), ws.query locked down (point 11) and atomic
writes of exports and documents (point 12)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import guidance_analytics as ga
from guidance_analytics.core import Store, atomic_write, write_table
from guidance_analytics.core.store import latest_schema_version


def small_workspace(root: Path) -> Path:
    ws = ga.Workspace(root)
    with ws.store.connect() as con:
        con.execute("INSERT INTO businesses (business_id, name) VALUES ('B1', '沂源县老王饭店')")
    return root


# -- 10. broken workspaces ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("break_it", "says"),
    [
        (lambda db: db.write_bytes(b""), "为空（0 字节）"),
        (
            lambda db: db.write_bytes(random.Random(11).randbytes(64 * 1024)),
            "已损坏、被截断或不是 DuckDB 数据库",
        ),
    ],
)
def test_10_broken_database_file_gives_one_clear_error(tmp_path: Path, break_it, says: str) -> None:
    root = small_workspace(tmp_path / "ws")
    break_it(root / "workspace.duckdb")
    with pytest.raises(ga.WorkspaceError, match=says):
        ga.Workspace(root)


def test_10_truncated_database_fails_clearly_when_read(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    ws = ga.Workspace(root)
    with ws.store.connect() as con:
        con.execute("CREATE TABLE filler AS SELECT range AS x, repeat('源', 50) AS y FROM range(200000)")
    db = root / "workspace.duckdb"
    with db.open("r+b") as fh:
        fh.truncate(db.stat().st_size // 2)
    with pytest.raises(ga.WorkspaceError, match="已损坏"):
        ws = ga.Workspace(root)
        ws.query("SELECT sum(length(y)) FROM filler")


def test_10_path_that_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "not_a_dir"
    path.write_text("x")
    with pytest.raises(ga.WorkspaceError, match="是一个文件，不是文件夹"):
        ga.Workspace(path)


def test_10_newer_schema_reads_but_refuses_to_write(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    con = duckdb.connect(str(root / "workspace.duckdb"))
    con.execute("INSERT INTO schema_version VALUES (99, '099_future', now()::TIMESTAMP)")
    con.close()
    ws = ga.Workspace(root)
    assert ws.store.newer_schema == 99
    assert ws.table("businesses")["name"].tolist() == ["沂源县老王饭店"]  # reading works
    with pytest.raises(
        ga.WorkspaceError, match=rf"数据库结构版本 99，本程序只认识到 {latest_schema_version()}"
    ):
        with ws.store.connect() as con:
            con.execute("SELECT 1")
    csv = tmp_path / "p.csv"
    csv.write_text(
        "行政处罚决定书文号,行政相对人名称,处罚决定日期\n罚1,老王饭店,2024-03-05\n", encoding="utf-8"
    )
    with pytest.raises(ga.WorkspaceError):
        ws.import_file(csv, "penalties", today="2024-06-01")


_READ_ONLY_CHECK = """
import sys, guidance_analytics as ga
ws = ga.Workspace(sys.argv[1])
assert ws.store.read_only, "not opened read-only"
assert len(ws.table("businesses")) == 1
try:
    with ws.store.transaction():
        pass
except ga.WorkspaceError as exc:
    assert "只读" in str(exc)
    print("OK")
"""


def test_10_read_only_workspace_opens_for_reading(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    for path in [*root.rglob("*"), root]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    cmd = [sys.executable, "-c", _READ_ONLY_CHECK, str(root)]
    if os.geteuid() == 0:  # root ignores file permissions: drop the capabilities that let it
        caps = "-dac_override,-dac_read_search,-fowner"
        cmd = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *cmd]
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    finally:
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert run.stdout.strip() == "OK", run.stderr[-800:]


def test_10_read_only_flag_refuses_writes(tmp_path: Path) -> None:
    """The same refusal, forced (the suite may run as root, which ignores permissions)."""
    store = Store(tmp_path / "ws.duckdb")
    store.read_only = True
    assert store.query_text("SELECT 1 AS x")["x"].tolist() == [1]
    with pytest.raises(ga.WorkspaceError, match="只读"):
        store.execute("ingest/clear_businesses")


# -- 11. ws.query is read-only in fact -------------------------------------------------------------
@pytest.mark.parametrize(
    "statement",
    [
        "COPY (SELECT 1 AS x) TO '{out}/leak.csv'",
        "COPY (SELECT 1 AS x) TO '{out}/leak.parquet' (FORMAT parquet)",
        "EXPORT DATABASE '{out}/dump'",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM glob('/etc/*')",
        "ATTACH '{out}/other.duckdb'",
        "SET enable_external_access = true",
        "INSERT INTO businesses (business_id) VALUES ('X')",
    ],
)
def test_11_query_cannot_touch_files_or_write(tmp_path: Path, statement: str) -> None:
    ws = ga.Workspace(tmp_path / "ws")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(duckdb.Error):
        ws.query(statement.format(out=out))
    assert not list(out.iterdir())
    assert ws.table("businesses").empty


def test_11_query_settings_are_locked_and_parameters_work(tmp_path: Path) -> None:
    ws = ga.Workspace(tmp_path / "ws")
    row = ws.query(
        "SELECT current_setting('enable_external_access') AS ext, "
        "current_setting('autoload_known_extensions') AS auto, $x + 1 AS y",
        x=1,
    )
    assert (bool(row["ext"].iloc[0]), bool(row["auto"].iloc[0]), int(row["y"].iloc[0])) == (False, False, 2)
    frame = pd.DataFrame({"a": [1]})  # noqa: F841 - a Python variable must not be scanned as a table
    with pytest.raises(duckdb.Error):
        ws.query("SELECT * FROM frame")


# -- 12. atomic writes -------------------------------------------------------------------------------
def _fail_at_second_member(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    for name in ("writestr", "write"):
        original = getattr(zipfile.ZipFile, name)

        def wrapped(self, *args, _original=original, **kwargs):
            if self.mode != "r":
                calls["n"] += 1
                if calls["n"] == 2:
                    raise OSError(28, "No space left on device")
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(zipfile.ZipFile, name, wrapped)


def test_12_failed_xlsx_export_keeps_the_good_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out" / "table.xlsx"
    write_table(pd.DataFrame({"名称": ["好的"]}), target)
    good = target.read_bytes()
    _fail_at_second_member(monkeypatch)
    with pytest.raises(OSError):
        write_table(pd.DataFrame({"名称": ["新的"]}), target)
    assert target.read_bytes() == good
    assert sorted(p.name for p in target.parent.iterdir()) == ["table.xlsx"]  # no temp file left


def test_12_failed_docx_keeps_the_good_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from guidance_analytics.core import rules
    from guidance_analytics.register.layout import Form

    fonts = rules(None, "register")["fonts"]
    target = tmp_path / "意见书.docx"
    form = Form(fonts)
    form.para("第一版")
    form.save(target)
    good = target.read_bytes()
    _fail_at_second_member(monkeypatch)
    form = Form(fonts)
    form.para("第二版")
    with pytest.raises(OSError):
        form.save(target)
    assert target.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["意见书.docx"]


def test_12_atomic_write_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]
