"""The workspace's embedded DuckDB file: short-lived connections, lock handling, schema versions.

A DuckDB file has one writer at a time. Another process (a notebook kernel, the CLI) holding it
makes ``duckdb.connect`` fail with a lock error; :meth:`Store.connect` retries for a bounded time
and then raises :class:`~guidance_analytics.errors.WorkspaceBusyError` with a clear message.

A workspace that cannot be used as asked raises :class:`~guidance_analytics.errors.WorkspaceError`
with one Chinese line saying why, never a DuckDB traceback:

- the database file is empty, truncated, corrupt or not a DuckDB file;
- the file or its folder is read-only: the store opens **read-only** (reading works, writing says
  so);
- the schema version is newer than this code knows: reading works, writing is refused (an older
  program must not write into tables it does not know).

:meth:`Store.query_locked` runs user SQL on a connection that cannot touch anything but the
database: read-only, no file or network access (``enable_external_access = false``), no extension
loading or installing, and the configuration locked so a query cannot switch it back.
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

from ..errors import WorkspaceBusyError, WorkspaceError
from . import sql

#: Seconds to keep retrying when another process holds the database (env override).
DEFAULT_LOCK_WAIT = float(os.environ.get("GUIDANCE_ANALYTICS_LOCK_WAIT", "15"))

_LOCK_WORDS = ("lock", "Conflicting lock", "being used by another process")
#: DuckDB messages that mean the file itself is broken (not the query).
_BROKEN_WORDS = (
    "not a valid DuckDB database",
    "Could not read enough bytes",
    "Corrupt",
    "corrupt",
    "checksum",
    "Checksum",
    "block header",
    "database file has been invalidated",
)
_PERMISSION_WORDS = ("Permission denied", "Read-only file system", "read-only file system")

#: Settings of the connection ``query_locked`` runs user SQL on (given at connect time, then locked).
LOCKED_CONFIG = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    return any(word in text for word in _LOCK_WORDS)


def _is_broken(exc: BaseException) -> bool:
    text = str(exc)
    return any(word in text for word in _BROKEN_WORDS)


def _is_permission(exc: BaseException) -> bool:
    text = str(exc)
    return isinstance(exc, PermissionError) or any(word in text for word in _PERMISSION_WORDS)


def latest_schema_version() -> int:
    """The highest schema version this code knows (the last migration)."""
    return max(version for version, _name, _text in sql.migrations())


class Store:
    """One DuckDB database file with versioned schema.

    Parameters
    ----------
    path : path of the ``.duckdb`` file (created with the current schema when missing).
    lock_wait : seconds to retry while another process holds the file.
    schema_target : migrate only up to this version (tests of the upgrade path); default all.

    Attributes
    ----------
    read_only : bool
        True when the file or its folder cannot be written: reading works, writing raises
        :class:`~guidance_analytics.errors.WorkspaceError`.
    newer_schema : int or None
        The file's schema version when it is newer than this code's; writing is refused then.

    Raises
    ------
    WorkspaceError
        The file is empty, truncated, corrupt or not a DuckDB database, its folder is a file, or a
        read-only file has an older schema than this code needs.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> store = Store(pathlib.Path(tempfile.mkdtemp()) / "ws.duckdb")
    >>> store.schema_version() >= 1, store.read_only
    (True, False)
    """

    def __init__(
        self, path: str | Path, lock_wait: float | None = None, schema_target: int | None = None
    ) -> None:
        self.path = Path(path)
        self.lock_wait = DEFAULT_LOCK_WAIT if lock_wait is None else lock_wait
        self._local = threading.local()
        self.read_only = False
        self.newer_schema: int | None = None
        self._check_file()
        self.migrate(schema_target)

    # -- what the file is --------------------------------------------------------------------
    def _check_file(self) -> None:
        path = self.path
        parent = path.parent
        if parent.exists() and not parent.is_dir():
            raise WorkspaceError(f"工作区路径 {parent} 是一个文件，不是文件夹：请换一个文件夹作为工作区。")
        if path.exists() and path.is_dir():
            raise WorkspaceError(
                f"工作区数据库 {path} 是一个文件夹，不是数据库文件：请移走它或换一个工作区。"
            )
        if path.exists() and path.stat().st_size == 0:
            raise WorkspaceError(
                f"工作区数据库无法打开：{path} 为空（0 字节），可能是上次创建时中断：请移走该文件后重新导入，或从备份恢复。"
            )
        writable_file = not path.exists() or os.access(path, os.W_OK)
        writable_dir = parent.exists() and os.access(parent, os.W_OK)
        if path.exists() and not (writable_file and writable_dir):
            self.read_only = True
        if not path.exists() and parent.exists() and not writable_dir:
            raise WorkspaceError(f"工作区文件夹 {parent} 不可写，无法创建数据库：请检查文件夹权限。")

    def _refuse_write(self) -> None:
        if self.newer_schema is not None:
            raise WorkspaceError(
                f"工作区 {self.path.parent} 由更新版本的程序创建（数据库结构版本 {self.newer_schema}，"
                f"本程序只认识到 {latest_schema_version()}）：为免损坏数据不能写入，只能查看；请升级 guidance-analytics。"
            )
        if self.read_only:
            raise WorkspaceError(
                f"工作区 {self.path.parent} 是只读的（文件或文件夹没有写权限）：可以查看，不能导入或登记；"
                "请检查权限或复制到可写的位置。"
            )

    # -- connections -------------------------------------------------------------------------
    def _open(self, read_only: bool, config: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_wait
        delay = 0.05
        while True:
            try:
                ro = (read_only or self.read_only) and self.path.exists()
                return duckdb.connect(str(self.path), read_only=ro, config=config or {})
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                if not _is_lock_error(exc):
                    raise self._translate(exc) from None
                if time.monotonic() >= deadline:
                    raise WorkspaceBusyError(
                        f"工作区数据库正被另一个程序使用（例如另一个 Notebook 内核或命令行任务）：{self.path}。"
                        f"已等待 {self.lock_wait:.0f} 秒。请关闭或等待那个程序结束后重试。"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
            except duckdb.Error as exc:
                raise self._translate(exc) from None

    def _translate(self, exc: BaseException) -> BaseException:
        """A clear WorkspaceError for a broken or unwritable file; other errors unchanged."""
        if _is_broken(exc):
            return WorkspaceError(
                f"工作区数据库无法打开：{self.path} 已损坏、被截断或不是 DuckDB 数据库："
                "请从备份恢复，或移走该文件后重新导入。"
            )
        if _is_permission(exc):
            return WorkspaceError(f"无法打开工作区数据库 {self.path}：没有读写权限，请检查文件和文件夹权限。")
        if "different configuration" in str(exc):
            return WorkspaceBusyError(
                f"工作区数据库 {self.path} 在本程序中已有一个打开的连接：请在那个操作结束后再查询。"
            )
        return exc

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open a short-lived connection; nested calls in the same thread reuse the open one.

        Raises
        ------
        WorkspaceError
            A read-write connection to a read-only workspace or one of a newer schema version, or
            a database file found broken while reading it.
        """
        if not read_only:
            self._refuse_write()
        active = getattr(self._local, "con", None)
        if active is not None:
            yield active
            return
        con = self._open(read_only)
        self._local.con = con
        try:
            yield con
        except duckdb.Error as exc:
            if _is_broken(exc):
                raise self._translate(exc) from None
            raise
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

    def query_locked(self, text: str, **params: Any) -> pd.DataFrame:
        """Run user SQL on a locked-down read-only connection and return a DataFrame.

        The connection is opened for this query alone with :data:`LOCKED_CONFIG`: the database is
        read-only, ``COPY … TO``, ``EXPORT DATABASE``, ``ATTACH``, ``read_csv``/``read_text``/
        ``glob`` and any other file or network access fail with a permission error, extensions
        are neither loaded nor installed, Python variables are not scanned as tables, and no
        ``SET`` can change that.

        Raises
        ------
        WorkspaceBusyError
            Another connection to this database is open in this process (finish that first).
        """
        con = self._open(read_only=True, config=LOCKED_CONFIG)
        try:
            return con.execute(text, params or None).df()
        except duckdb.Error as exc:
            if _is_broken(exc):
                raise self._translate(exc) from None
            raise
        finally:
            con.close()

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
        A workspace of a newer schema version is left untouched (:attr:`newer_schema` is set); a
        read-only one is only checked.
        """
        latest = latest_schema_version()
        if self.read_only or self.path.exists():
            current = self._version_read_only()
            if current > latest:
                self.newer_schema = current
                return []
            if self.read_only:
                if current < (latest if target is None else min(target, latest)):
                    raise WorkspaceError(
                        f"工作区 {self.path.parent} 是只读的，且数据库结构版本 {current} 较旧、需要升级到 {latest}："
                        "请检查权限后再打开一次（会自动升级）。"
                    )
                return []
            if current >= (latest if target is None else target):
                return []
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(f"无法创建工作区文件夹 {self.path.parent}：{exc.strerror or exc}") from None
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

    def _version_read_only(self) -> int:
        """The file's schema version, read without writing (0 for a database without one)."""
        con = self._open(read_only=True)
        try:
            has = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version'"
            ).fetchone()
            return _current_version(con) if has and has[0] else 0
        except duckdb.Error as exc:
            raise self._translate(exc) from None
        finally:
            con.close()


def _current_version(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row else 0
