"""The workspace's embedded DuckDB file: short-lived connections, lock handling, schema versions.

A DuckDB file has one writer at a time. Another process (a notebook kernel, the CLI) holding it
makes ``duckdb.connect`` fail with a lock error; :meth:`Store.connect` retries for a bounded time
and then raises :class:`~guidance_analytics.errors.WorkspaceBusyError` with a clear message.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ..errors import WorkspaceBusyError
from . import sql

#: Seconds to keep retrying when another process holds the database (env override).
DEFAULT_LOCK_WAIT = float(os.environ.get("GUIDANCE_ANALYTICS_LOCK_WAIT", "15"))

_LOCK_WORDS = ("lock", "Conflicting lock", "being used by another process")


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    return any(word in text for word in _LOCK_WORDS)


class Store:
    """One DuckDB database file with versioned schema.

    Parameters
    ----------
    path : path of the ``.duckdb`` file (created with the current schema when missing).
    lock_wait : seconds to retry while another process holds the file.
    schema_target : migrate only up to this version (tests of the upgrade path); default all.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> store = Store(pathlib.Path(tempfile.mkdtemp()) / "ws.duckdb")
    >>> store.schema_version() >= 1
    True
    """

    def __init__(
        self, path: str | Path, lock_wait: float | None = None, schema_target: int | None = None
    ) -> None:
        self.path = Path(path)
        self.lock_wait = DEFAULT_LOCK_WAIT if lock_wait is None else lock_wait
        self._local = threading.local()
        self.migrate(schema_target)

    # -- connections -------------------------------------------------------------------------
    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_wait
        delay = 0.05
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only and self.path.exists())
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                if not _is_lock_error(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise WorkspaceBusyError(
                        f"工作区数据库正被另一个程序使用（例如另一个 Notebook 内核或命令行任务）：{self.path}。"
                        f"已等待 {self.lock_wait:.0f} 秒。请关闭或等待那个程序结束后重试。"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open a short-lived connection; nested calls in the same thread reuse the open one."""
        active = getattr(self._local, "con", None)
        if active is not None:
            yield active
            return
        con = self._open(read_only)
        self._local.con = con
        try:
            yield con
        finally:
            self._local.con = None
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection inside one transaction: all or nothing."""
        with self.connect() as con:
            con.begin()
            try:
                yield con
            except BaseException:
                con.rollback()
                raise
            con.commit()

    # -- named queries -----------------------------------------------------------------------
    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """Run the named SQL file read-only with ``$name`` parameters and return a DataFrame."""
        return self.query_text(sql.load(name), **params)

    def query_text(self, text: str, **params: Any) -> pd.DataFrame:
        """Run a SQL text (with ``$name`` parameters) read-only and return a DataFrame."""
        with self.connect(read_only=True) as con:
            return con.execute(text, params or None).df()

    def execute(self, name: str, **params: Any) -> None:
        """Run the named SQL file read-write in its own transaction."""
        with self.transaction() as con:
            con.execute(sql.load(name), params or None)

    # -- schema versions ---------------------------------------------------------------------
    def schema_version(self) -> int:
        with self.connect(read_only=True) as con:
            return _current_version(con)

    def migrate(self, target: int | None = None) -> list[str]:
        """Apply pending migrations (all, or up to ``target``); return the names applied.

        Each migration runs in its own transaction, so a failure leaves the previous version intact.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        applied: list[str] = []
        with self.connect() as con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
            )
            current = _current_version(con)
            for version, name, text in sql.migrations():
                if version <= current or (target is not None and version > target):
                    continue
                con.begin()
                try:
                    con.execute(text)
                    con.execute(
                        "INSERT INTO schema_version VALUES ($v, $n, now()::TIMESTAMP)",
                        {"v": version, "n": name},
                    )
                except BaseException:
                    con.rollback()
                    raise
                con.commit()
                applied.append(name)
        return applied


def _current_version(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row else 0
