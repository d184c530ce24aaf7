"""The import's helper threads: read-ahead and store-behind keep order, raise errors at their batch,
stop on failure, and a file that fails in a later batch changes nothing."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import guidance_analytics as ga
from guidance_analytics.ingest import importer
from guidance_analytics.ingest.pipeline import Behind, read_ahead

HEADER = ["工单编号", "受理时间", "诉求类型", "诉求内容", "被反映对象", "办结时间"]
TODAY = "2024-12-31"


def helpers_alive() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("ingest-")]


def wait_gone() -> list[str]:
    for _ in range(50):  # a joined thread is gone at once; allow for the interpreter's bookkeeping
        if not helpers_alive():
            return []
        time.sleep(0.01)
    return helpers_alive()


# -- read_ahead -----------------------------------------------------------------------------------
def test_read_ahead_keeps_order_and_raises_an_error_in_its_place() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("batch 3 is broken")

    got = []
    with pytest.raises(ValueError, match="batch 3 is broken"):
        for item in read_ahead(items()):
            got.append(item)
    assert got == [1, 2]
    assert wait_gone() == []


def test_read_ahead_closed_early_stops_the_producer_within_its_depth() -> None:
    produced = []

    def endless() -> Iterator[int]:
        k = 0
        while True:
            produced.append(k)
            yield k
            k += 1

    ahead = read_ahead(endless(), depth=1)
    assert next(ahead) == 0
    time.sleep(0.3)  # let the producer run as far as it may
    ahead.close()
    assert wait_gone() == []
    # one handed over, one waiting in the hand-over, one made and blocked: never the whole stream
    assert len(produced) <= 3


def test_read_ahead_starts_producing_before_it_is_iterated() -> None:
    started = threading.Event()

    def items() -> Iterator[int]:
        started.set()
        yield 1

    ahead = read_ahead(items())
    assert started.wait(5)  # the first item is being made while the caller prepares
    assert list(ahead) == [1]
    assert wait_gone() == []


def test_read_ahead_closed_before_it_is_iterated_stops_and_closes_the_source() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            k = 0
            while True:
                yield k
                k += 1
        finally:
            closed.set()

    ahead = read_ahead(endless())
    time.sleep(0.2)  # one item made, the next blocked on the full hand-over
    ahead.close()
    assert wait_gone() == []
    assert closed.is_set()
    assert list(ahead) == []  # closed: nothing more comes out


def test_read_ahead_as_a_context_manager_stops_its_thread() -> None:
    with read_ahead(iter(range(100))) as ahead:
        assert next(ahead) == 0
    assert wait_gone() == []


# -- Behind ---------------------------------------------------------------------------------------
def test_behind_runs_jobs_in_order() -> None:
    done = []
    with Behind() as behind:
        for k in range(20):
            behind.submit(done.append, k)
    assert done == list(range(20))
    assert wait_gone() == []


def test_behind_error_surfaces_and_nothing_runs_after_it() -> None:
    done = []

    def job(k: int) -> None:
        if k == 2:
            raise KeyError("job 2")
        done.append(k)

    with pytest.raises(KeyError, match="job 2"), Behind() as behind:
        for k in range(10):
            behind.submit(job, k)
            time.sleep(0.01)
    assert done == [0, 1]
    assert wait_gone() == []


def test_behind_stopped_by_an_error_on_the_calling_thread_drops_queued_jobs() -> None:
    started = threading.Event()
    release = threading.Event()
    done = []

    def slow(k: int) -> None:
        started.set()
        release.wait(5)
        done.append(k)

    with pytest.raises(RuntimeError, match="caller"), Behind() as behind:
        behind.submit(slow, 0)
        started.wait(5)
        behind.submit(slow, 1)  # queued behind the running job
        release.set()
        raise RuntimeError("caller failed")
    assert done == [0]  # the running job finished; the queued one never ran
    assert wait_gone() == []


# -- a file that fails in a later batch changes nothing -------------------------------------------
def order(i: int, **over: str) -> list[str]:
    cells = {
        "工单编号": f"GD{i:06d}",
        "受理时间": f"2024-03-{1 + i % 27:02d} 14:23:11",
        "诉求类型": "投诉",
        "诉求内容": f"健康路{i}号饭店后厨卫生差，请核查。",
        "被反映对象": f"沂源县历山街道健康路{i}号饭店",
        "办结时间": f"2024/4/{1 + i % 27} 9:10",
    }
    cells.update(over)
    return [cells[h] for h in HEADER]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode("gb18030"))
    return path


@pytest.fixture()
def ws(tmp_path: Path) -> ga.Workspace:
    ws = ga.Workspace(tmp_path / "ws")
    ws.config_dir.mkdir(parents=True, exist_ok=True)
    (ws.config_dir / "ingest.toml").write_text("[import]\nbatch_rows = 10\n", encoding="utf-8")
    return ws


def snapshot(ws: ga.Workspace) -> dict[str, object]:
    """Tables as text (missing values as None), the rejects files by name."""
    out: dict[str, object] = {}
    for name in ("complaints", "rejects", "imports"):
        frame = ws.table(name).astype(str)
        out[name] = frame.sort_values(list(frame.columns)).to_dict("list")
    out["files"] = sorted(p.name for p in ws.rejects_dir.iterdir())
    return out


def test_a_store_error_in_a_later_batch_leaves_the_workspace_unchanged(
    ws: ga.Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_csv(tmp_path / "a.csv", [order(i) for i in range(1, 26)] + [order(90, 诉求类型="其它类")])
    r = ws.import_file(first, "complaints", today=TODAY)
    assert (r.read, r.accepted, r.rejected) == (26, 25, 1)
    before = snapshot(ws)

    calls = []
    write_rows = importer.ingest_rows.write_rows

    def failing(con, kind, final, replace):  # the third batch's write fails (disk full, say)
        calls.append(len(final))
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        write_rows(con, kind, final, replace)

    monkeypatch.setattr(importer.ingest_rows, "write_rows", failing)
    # 45 rows in batches of 10: updates of stored orders, new ones and a rejected row in batch 1
    rows = [order(i, 诉求内容="已更新") for i in range(10, 55)]
    rows[3] = order(13, 诉求类型="其它类")
    with pytest.raises(OSError, match="No space left"):
        ws.import_file(write_csv(tmp_path / "b.csv", rows), "complaints", today=TODAY)
    assert len(calls) == 3  # no batch was written after the failing one
    assert snapshot(ws) == before
    assert wait_gone() == []


def test_a_read_error_in_a_later_batch_is_raised_there_and_changes_nothing(
    ws: ga.Workspace, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "a.csv", [order(i) for i in range(1, 26)])
    ws.import_file(first, "complaints", today=TODAY)
    before = snapshot(ws)
    lines = write_csv(tmp_path / "b.csv", [order(i, 诉求内容="已更新") for i in range(10, 60)]).read_bytes()
    lines = lines.splitlines(keepends=True)
    lines[42] = lines[42].replace("已更新".encode("gb18030"), b"\xff\xfe")  # undecodable, in batch 5
    path = tmp_path / "c.csv"
    path.write_bytes(b"".join(lines))
    with pytest.raises(ga.InputFileError, match="第 43 行"):
        ws.import_file(path, "complaints", today=TODAY)
    assert snapshot(ws) == before
    assert wait_gone() == []


# -- DuckDB threads while storing -----------------------------------------------------------------
def test_batches_are_stored_on_one_duckdb_thread_and_the_default_comes_back(tmp_path: Path) -> None:
    """The batches are written with one DuckDB thread; afterwards (also after an error) the
    connection has DuckDB's default again, for the whole-file steps and the commit."""
    ws = ga.Workspace(tmp_path / "ws")
    with ws.store.transaction() as con:
        default = con.execute("SELECT current_setting('threads')").fetchone()[0]
        with importer._one_thread(con):
            inside = con.execute("SELECT current_setting('threads')").fetchone()[0]
        after = con.execute("SELECT current_setting('threads')").fetchone()[0]
        with pytest.raises(RuntimeError), importer._one_thread(con):
            raise RuntimeError("a batch failed")
        after_error = con.execute("SELECT current_setting('threads')").fetchone()[0]
    assert inside == 1
    assert (after, after_error) == (default, default)
