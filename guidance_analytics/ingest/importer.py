"""Import one export file into the workspace with a full account of every row.

read = accepted + updated + duplicates + rejected, always:

- **accepted**: a natural key not seen before;
- **updated**: a stored key with different, newer content; the newer row replaces the stored
  one. For work orders "newer" comes from the record's own timestamps (the export's update time
  when both have one, else 办结时间; a re-opened order — 工单状态 重办中 … — is newer than a close;
  see :func:`guidance_analytics.ingest.rows.older_states`); for the other kinds the latest export
  is authoritative;
- **duplicates**: a stored key with the same content — or an older state of a work order (it
  never overwrites the newer one);
- **rejected**: one or more failed checks; the row is kept whole (personal data removed) in the
  ``rejects`` table and in a file under ``rejects/`` with a 原因 column.

Columns the schema does not map are kept per row in ``extra`` (JSON). The rejects file is written
under a temporary name before the commit and renamed after it.

The whole file is imported in one transaction: a file that cannot be used (unreadable, empty,
required columns missing, wrong kind, undecodable part-way) raises :class:`InputFileError` and
changes nothing. So does a file whose quotes or encodings would store rows merged or garbled.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..core import WorkspaceLike, neutralize_frame, rules, short_name, sql, write_table
from ..errors import InputFileError
from . import readers
from . import rows as ingest_rows
from .normalize import forget_encoded
from .pipeline import Behind, read_ahead
from .schema import KIND_SPECS, PERSONAL_HEADERS, VERSION_LABELS, Kind, header_key
from .validate import REASON, Checked, check_batch

if TYPE_CHECKING:
    import duckdb


@dataclass
class ImportResult:
    """The account of one import.

    Attributes
    ----------
    read, accepted, updated, duplicates, rejected : int
        Row counts; ``read == accepted + updated + duplicates + rejected``.
    rejects : DataFrame
        The rejected rows whole (original headers, personal columns removed, phone/ID numbers and
        callers' names scrubbed) with ``row_number`` and ``reason`` (Chinese, ``；``-joined); at
        most ``rejects_in_memory`` rows (``config/ingest.toml``), see ``rejects_complete``.
    rejects_complete : bool
        False when more rows were rejected than ``rejects`` holds (all of them are in the
        ``rejects`` table and the rejects file).
    rejects_file : Path or None
        The rejects file under ``rejects/`` (.xlsx; .csv with BOM past ``rejects_xlsx_max_rows``
        rows), None when nothing was rejected. Written before the import commits, under a
        temporary name, renamed once the import is committed.
    warnings : dict
        Counts of warnings that did not reject rows (credit-code check characters, a second
        column mapping to the same field, re-opened work orders …); zero counts are left out.
    match_rate : float or None
        For work orders: share of those naming a business that were linked to one.
    """

    kind: str
    source_file: str
    read: int = 0
    accepted: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejects: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejects_file: Path | None = None
    warnings: dict[str, int] = field(default_factory=dict)
    match_rate: float | None = None
    matched: int | None = None
    named: int | None = None
    encoding: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    unknown_columns: list[str] = field(default_factory=list)
    dropped_personal: list[str] = field(default_factory=list)
    rejects_complete: bool = True

    @property
    def reconciles(self) -> bool:
        return self.read == self.accepted + self.updated + self.duplicates + self.rejected

    def summary(self) -> str:
        """The account in Chinese, as printed by the CLI."""
        kind = KIND_SPECS[self.kind].label
        lines = [
            f"{Path(self.source_file).name}（{kind}）：读取 {self.read} 行 = 新增 {self.accepted} + 更新 {self.updated}"
            f" + 重复 {self.duplicates} + 拒收 {self.rejected}",
        ]
        if self.match_rate is not None:
            lines.append(f"  被反映对象匹配率：{self.match_rate:.1%}（{self.matched}/{self.named}）")
        for text, count in self.warnings.items():
            if count:
                lines.append(f"  提示：{text} {count} 行")
        if self.dropped_personal:
            lines.append(f"  已丢弃个人信息列：{'、'.join(self.dropped_personal)}")
        if self.unknown_columns:
            lines.append(f"  未识别的列（原样保存在 extra 列）：{'、'.join(self.unknown_columns)}")
        if self.rejects_file is not None:
            lines.append(f"  拒收明细：{self.rejects_file}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def import_file(
    ws: WorkspaceLike,
    path: str | Path,
    kind: str,
    sheet: str | None = None,
    progress: bool = False,
    today: Any = None,
) -> ImportResult:
    """Import one export file into the workspace; every row ends accepted, updated, duplicate or rejected.

    The whole file is one transaction: a file that cannot be used (unreadable, empty, required
    columns missing, wrong kind) raises :class:`~guidance_analytics.InputFileError` and changes
    nothing. Rejected rows are kept whole, with Chinese reasons, in the ``rejects`` table and in a
    spreadsheet under ``rejects/``.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    path : str or Path
        An .xlsx/.xls/.csv export (CSV in UTF-8, UTF-8 with BOM or GB18030/GBK).
    kind : str
        ``"permits"``, ``"complaints"``, ``"inspections"``, ``"penalties"`` or ``"credit_classes"``
        (企业信用风险分类: 统一社会信用代码, 风险分类 A–E, 分类日期, 分类机关; kept with its date).
    sheet : str, optional
        Sheet name (xlsx); default: the sheet whose header fits the kind.
    progress : bool
        Show a progress bar per batch (tqdm).
    today : date-like, optional
        The import day: event dates after it are rejected (default: today).

    Returns
    -------
    ImportResult
        ``read == accepted + updated + duplicates + rejected``, ``rejects`` (the rejected rows with
        ``row_number`` and ``reason``), ``rejects_file``, ``warnings``, ``match_rate`` (work orders),
        ``encoding``, ``sheet``, ``header_row``, ``unknown_columns``, ``dropped_personal``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> csv = Path(ws.path) / "penalties.csv"
    >>> _ = csv.write_text("行政处罚决定书文号,行政相对人名称,处罚决定日期,处罚类别\\n"
    ...                    "源行罚〔2024〕1号,沂源县老王饭店,2024-03-05,警告\\n", encoding="utf-8")
    >>> result = import_file(ws, csv, "penalties", today="2024-06-01")
    >>> result.read, result.accepted, result.rejected
    (1, 1, 0)
    """
    if kind not in KIND_SPECS:
        raise InputFileError(f"未知的数据种类「{kind}」，可选：{'、'.join(KIND_SPECS)}")
    spec = KIND_SPECS[kind]
    path = Path(path)
    settings = rules(ws, "ingest").get("import", {})
    count_waivers = bool(rules(ws, "ingest").get("penalties", {}).get("count_waivers_as_violations", False))
    table = _open(path, kind, sheet, int(settings.get("batch_rows", DEFAULT_BATCH_ROWS)))
    _check_columns(spec, table, path)
    today_ts = pd.Timestamp.today().normalize() if today is None else pd.Timestamp(today)
    started = pd.Timestamp.now().floor("s")
    result = ImportResult(
        kind=kind,
        source_file=path.name,
        encoding=table.encoding,
        sheet=table.sheet,
        header_row=table.header_row,
        unknown_columns=list(table.unknown),
        dropped_personal=list(table.dropped_personal),
    )
    warnings: Counter[str] = Counter()
    out = _RejectsOut(ws, path, kind, settings)
    version_label = next((c for c in table.extra_columns if header_key(c) in VERSION_LABELS), None)
    # the next batch is read and decoded on a thread of its own while this one is normalised and
    # checked here and the one before is stored behind; the read starts now, while the
    # transaction is opened (on a quiet 2-CPU machine the read thread had been the longest of the
    # three with the normalising on it, see CHANGELOG h11last)
    ahead = read_ahead(table.iter_canonical())  # closed in the finally below, also on an error
    batches: Iterator[tuple[pd.DataFrame, pd.DataFrame]] = ahead
    if progress:
        from tqdm import tqdm

        batches = tqdm(batches, desc=f"导入 {path.name}", unit="批")
    reopened = [0]
    # the file's digest (for the imports log) is read on a thread of its own meanwhile (hashlib
    # releases the GIL): at the start the only other work is the first batch's read
    digest = ThreadPoolExecutor(1, thread_name_prefix="ingest-sha256")
    sha256 = digest.submit(_sha256, path)
    try:
        with ws.store.transaction() as con, _memory_limit(con, settings.get("duckdb_memory_limit")):
            names = ingest_rows.known_names(con) if kind != "complaints" else {}
            businesses = ingest_rows.business_index(con) if kind == "complaints" else None
            columns = ingest_rows.table_columns(con, kind)
            touched: set[str] = set()  # businesses whose records this import writes or replaces

            def store(raw: pd.DataFrame, checked: Checked) -> None:
                """Classify and write one checked batch (on the store thread, in batch order)."""
                rows, rejected = checked.rows, checked.rejected
                if kind == "penalties":
                    rows["waiver_counted"] = rows["waiver"].notna() & count_waivers
                if kind != "complaints":
                    rows["business_id"] = ingest_rows.business_ids(rows, names)
                rows["source_file"] = path.name
                rows["imported_at"] = started
                if table.extra_columns:
                    kept = raw if len(rows) == len(raw) else raw.loc[rows.index]  # same index: no take
                    rows["extra"] = ingest_rows.extra_json(con, kept, table)
                counts, final, replace = ingest_rows.classify(con, kind, rows, today_ts, touched)
                if kind in BUSINESS_SOURCES:
                    touched.update(final["business_id"].dropna().astype(str))
                if businesses is not None and not final.empty:
                    final = ingest_rows.with_matches(final, businesses)
                result.accepted += counts["accepted"]
                result.updated += counts["updated"]
                result.duplicates += counts["duplicates"]
                reopened[0] += counts["reopened"]
                ingest_rows.write_rows(con, kind, final.reindex(columns=columns), replace)
                if not rejected.empty:
                    out.add(ingest_rows.reject_rows(con, kind, path.name, raw, rejected, table, started))

            # the connection is the store thread's until it has finished (or stopped, on an error)
            with _one_thread(con), Behind() as behind, closing(ahead):
                for raw, canon in batches:
                    result.read += len(raw)
                    warnings.update(_shadowed_warnings(table, raw, spec))
                    version = raw[version_label] if version_label else None
                    checked = check_batch(
                        spec,
                        canon,
                        table.source_label,
                        today=today_ts,
                        version=version,
                    )
                    warnings.update(checked.warnings)
                    warnings[REOPENED] += 0  # counted by the store thread; listed in batch order
                    behind.submit(store, raw, checked)
            warnings[REOPENED] += reopened[0]
            result.rejected = out.count
            if result.read == 0:
                raise InputFileError(f"文件 {path.name} 在表头之下没有数据行，未导入任何内容。")
            if kind in BUSINESS_SOURCES:
                ingest_rows.refresh_businesses(con, touched)
                ingest_rows.rematch_complaints(con, touched)
            if kind == "complaints":
                named, matched = con.execute(
                    sql.load("ingest/match_rate"), {"source_file": path.name}
                ).fetchone()
                result.named, result.matched = int(named), int(matched)
                result.match_rate = matched / named if named else None
            con.execute(
                sql.load("ingest/log_import"),
                {
                    "kind": kind,
                    "source_file": path.name,
                    "sha256": sha256.result(),
                    "sheet": table.sheet,
                    "encoding": table.encoding,
                    "read": result.read,
                    "accepted": result.accepted,
                    "updated": result.updated,
                    "duplicates": result.duplicates,
                    "rejected": result.rejected,
                    "started_at": started.to_pydatetime(),
                },
            )
            # the rejects file is complete (under a temporary name) before anything is committed
            out.finish(table.raw_columns)
    except BaseException:
        out.discard()
        raise
    finally:
        ahead.close()
        digest.shutdown(wait=True, cancel_futures=True)
        forget_encoded()
    result.rejects_file = out.publish()
    result.warnings = {k: v for k, v in warnings.items() if v}
    result.rejects = out.frame(table.raw_columns)
    result.rejects_complete = out.count <= len(result.rejects)
    return result


#: Rows a batch when the rule file does not say (``config/ingest.toml`` ``[import] batch_rows``).
DEFAULT_BATCH_ROWS = 75_000

#: Kinds whose records make up the businesses table (credit classes only describe known ones).
BUSINESS_SOURCES = ("permits", "inspections", "penalties")

#: Warning counted when a work order is updated because it was re-opened (工单状态 重办 …).
REOPENED = "重办工单（已办结后重新办理）已更新为最新状态"


def _shadowed_warnings(table: readers.RawTable, raw: pd.DataFrame, spec: Kind) -> dict[str, int]:
    """Second columns mapping to an already-mapped column: how many rows hold other values."""
    out: dict[str, int] = {}
    for label in table.shadowed:
        canon = table.mapping[label]
        first = table.source_label[canon]
        a, b = raw[first], raw[label]
        differ = int(
            (b.notna() & (a.isna() | (a.astype("str").str.strip() != b.astype("str").str.strip()))).sum()
        )
        text = (
            f"重复的列：「{label}」与「{first}」都对应「{spec.column(canon).label}」，导入取「{first}」，"
            f"「{label}」保存在 extra 列；两列取值不同"
        )
        out[text] = differ
    return out


class _RejectsOut:
    """The rejects spreadsheet of one import, written under a temporary name before the commit.

    Rows are kept in memory up to ``rejects_in_memory``; past ``rejects_xlsx_max_rows`` the file is a
    CSV (UTF-8 with BOM, formula-safe) streamed batch by batch, so a file whose every row is
    rejected costs about what an accepted one does. :meth:`publish` renames it after the commit.
    """

    def __init__(self, ws: WorkspaceLike, path: Path, kind: str, settings: dict[str, Any]) -> None:
        self.ws, self.path, self.kind = ws, path, kind
        self.keep = int(settings.get("rejects_in_memory", 20_000))
        self.xlsx_max = int(settings.get("rejects_xlsx_max_rows", 5_000))
        self.count = 0
        self.kept: list[pd.DataFrame] = []
        self.kept_rows = 0
        self.pending: list[pd.DataFrame] = []
        self.csv_tmp: Path | None = None
        self.tmp: Path | None = None
        self.target: Path | None = None

    def _name(self, suffix: str) -> Path:
        return self.ws.rejects_dir / short_name(f"{self.path.stem}.{self.kind}.拒收", suffix)

    def add(self, rows: pd.DataFrame) -> None:
        self.count += len(rows)
        if self.kept_rows < self.keep:
            part = rows.iloc[: self.keep - self.kept_rows]
            self.kept.append(part)
            self.kept_rows += len(part)
        if self.csv_tmp is not None:
            self._append(rows, header=False)
            return
        self.pending.append(rows)
        if self.count > self.xlsx_max:  # too many for a spreadsheet: stream a CSV from now on
            self.csv_tmp = self._temp(".csv")
            for i, part in enumerate(self.pending):
                self._append(part, header=i == 0)
            self.pending = []

    def _temp(self, suffix: str) -> Path:
        self.ws.rejects_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".~拒收", suffix=".part" + suffix, dir=self.ws.rejects_dir)
        os.close(fd)
        return Path(name)

    def _append(self, rows: pd.DataFrame, header: bool) -> None:
        assert self.csv_tmp is not None
        out = neutralize_frame(_rejects_layout(rows))
        table = pa.Table.from_pandas(
            out.astype({c: "str" for c in out.columns if c != "行号"}), preserve_index=False
        )
        with self.csv_tmp.open("ab") as fh:
            if header:
                fh.write(codecs.BOM_UTF8)
            pacsv.write_csv(table, fh, write_options=pacsv.WriteOptions(include_header=header))

    def finish(self, columns: list[str]) -> None:
        if self.count == 0:
            return
        if self.csv_tmp is not None:
            self.tmp, self.target = self.csv_tmp, self._name(".csv")
            return
        self.tmp = self._temp(".xlsx")
        out = _rejects_layout(pd.concat(self.pending, ignore_index=True))
        title = f"拒收明细：{self.path.name}（{KIND_SPECS[self.kind].label}），共 {len(out)} 行"
        write_table(out, self.tmp, title=title, sheet_name="拒收明细")
        self.target = self._name(".xlsx")

    def publish(self) -> Path | None:
        if self.tmp is None or self.target is None:
            return None
        os.replace(self.tmp, self.target)
        return self.target

    def discard(self) -> None:
        for tmp in (self.tmp, self.csv_tmp):
            if tmp is not None:
                with suppress(OSError):
                    tmp.unlink()

    def frame(self, columns: list[str]) -> pd.DataFrame:
        if not self.kept:
            return pd.DataFrame(columns=[*columns, "row_number", REASON])
        return pd.concat(self.kept, ignore_index=True)


def _rejects_layout(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows.rename(columns={"row_number": "行号", REASON: "原因"})
    return out[["行号", "原因", *[c for c in out.columns if c not in ("行号", "原因")]]]


# -- whole-file checks ----------------------------------------------------------------------------
@contextmanager
def _setting(
    con: duckdb.DuckDBPyConnection, set_sql: str, reset_sql: str, params: dict[str, str] | None = None
) -> Iterator[None]:
    """A DuckDB setting for the block (statement ``set_sql``), ``reset_sql`` afterwards — also after
    an error, where a failing reset (an aborted transaction) must not hide the original error."""
    con.execute(sql.load(set_sql), params or {})
    try:
        yield
    except BaseException:
        with suppress(Exception):
            con.execute(sql.load(reset_sql))
        raise
    con.execute(sql.load(reset_sql))


@contextmanager
def _one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One DuckDB thread while the batches are stored (the import's helper threads fill the CPUs:
    a 50,000-row insert costs about half the CPU time on one thread as on two); DuckDB's default
    again afterwards, for the whole-file steps (re-matching, the commit)."""
    with _setting(con, "ingest/threads_one", "ingest/threads_reset"):
        yield


@contextmanager
def _memory_limit(con: duckdb.DuckDBPyConnection, limit: str | None) -> Iterator[None]:
    """Cap DuckDB's memory while importing (uncommitted rows spill to disk past the cap)."""
    if not limit:
        yield
        return
    with _setting(con, "ingest/memory_limit", "ingest/memory_limit_reset", {"limit": str(limit)}):
        yield


def _open(path: Path, kind: str, sheet: str | None, batch_rows: int = DEFAULT_BATCH_ROWS) -> readers.RawTable:
    """Open the file with the kind's header aliases; when no header row is found, name the columns
    the kind requires and say which kind the file looks like, if any."""
    try:
        return readers.read_batches(
            path, sheet=sheet, batch_rows=batch_rows, alias=kind, personal=PERSONAL_HEADERS
        )
    except InputFileError as exc:
        spec = KIND_SPECS[kind]
        needed = [c.label for c in spec.required]
        if len(spec.key) > 1:
            needed.append("或".join(spec.column(k).label for k in spec.key))
        hint = f"「{spec.label}」文件必需的列：{'、'.join('「' + n + '」' for n in needed)}。"
        try:
            other = readers.read_batches(path, sheet=sheet, alias=None, personal=PERSONAL_HEADERS)
        except InputFileError:
            other = None
        guess = _guess_kind(other.headers_found, exclude=kind) if other is not None else None
        if guess is not None:
            hint += f'这看起来是「{KIND_SPECS[guess].label}」文件，请用 kind="{guess}" 导入。'
        if "未找到表头行" not in str(exc) and guess is None:
            raise
        raise InputFileError(f"{exc} {hint}") from None


def _check_columns(spec: Kind, table: readers.RawTable, path: Path) -> None:
    mapped = set(table.source_label)
    missing = [c.label for c in spec.required if c.name not in mapped]
    if len(spec.key) > 1 and not mapped.intersection(spec.key):
        missing.append("或".join(spec.column(k).label for k in spec.key))
    if not missing:
        return
    found = "、".join(table.headers_found) or "（无）"
    message = (
        f"文件 {path.name} 不能作为「{spec.label}」导入：缺少必需的列 {'、'.join('「' + m + '」' for m in missing)}。"
        f"文件中找到的列：{found}。"
    )
    guess = _guess_kind(table.headers_found, exclude=spec.name)
    if guess:
        message += (
            f'这看起来是「{KIND_SPECS[guess].label}」文件，而不是「{spec.label}」，请用 kind="{guess}" 导入。'
        )
    raise InputFileError(message)


def _guess_kind(headers: list[str], exclude: str) -> str | None:
    keys = {header_key(h) for h in headers}
    scores = {
        name: sum(header_key(s) in keys for s in spec.signature)
        for name, spec in KIND_SPECS.items()
        if name != exclude
    }
    best = max(scores, key=scores.get) if scores else None
    return best if best and scores[best] >= 2 else None


# -- reading --------------------------------------------------------------------------------------
def read_table(ws: WorkspaceLike, name: str) -> pd.DataFrame:
    """One table (or view) of the workspace as a DataFrame.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    name : str
        ``"businesses"``, ``"permits"``, ``"complaints"``, ``"inspections"``, ``"penalties"``,
        ``"rejects"``, ``"imports"``, the register tables (``"register_entries"`` …) or the view
        ``"inspection_severity"``; ``docs/design.md`` lists the columns.

    Returns
    -------
    pandas.DataFrame
        Every row and column of the table.

    Raises
    ------
    KeyError
        No such table (the message lists the available ones).

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> read_table(ws, "businesses").empty
    True
    """
    with ws.store.connect(read_only=True) as con:
        tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        views = {
            row[0]
            for row in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        }
        if name not in tables | views:
            raise KeyError(f"no table named {name!r}; available: {', '.join(sorted(tables | views))}")
        return con.table(name).df()


def status(ws: WorkspaceLike) -> pd.DataFrame:
    """Row counts per table and the complaint match rate.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.

    Returns
    -------
    pandas.DataFrame
        ``table`` (businesses, permits, complaints, inspections, penalties, rejects), ``rows``,
        ``match_rate`` (complaints naming a business that were linked to one; NaN for other tables).

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> int(status(ws)["rows"].sum())
    0
    """
    return ws.store.query("ingest/status")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


__all__ = ["ImportResult", "import_file", "read_table", "status"]
