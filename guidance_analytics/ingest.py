"""Import one export file into the workspace with a full account of every row.

read = accepted + updated + duplicates + rejected, always:

- **accepted**: a natural key not seen before;
- **updated**: a stored key with different, newer content (a work order closed later); the newer
  row replaces the stored one. For work orders "newer" means a later (or first) 办结时间; for the
  other kinds the latest export is authoritative;
- **duplicates**: a stored key with the same content — or an older version of a work order that is
  already stored closed (it never overwrites the newer one);
- **rejected**: one or more failed checks; the row is kept whole in the ``rejects`` table and in a
  spreadsheet under ``rejects/`` with a 原因 column.

The whole file is imported in one transaction: a file that cannot be used (unreadable, empty,
required columns missing, wrong kind, undecodable part-way) raises :class:`InputFileError` and
changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import identity, normalize, readers, sql
from .errors import InputFileError
from .exports import write_table
from .schema import KIND_SPECS, PERSONAL_HEADERS, Kind, header_key
from .validate import FREE_TEXT, REASON, check_batch

if TYPE_CHECKING:
    import duckdb

    from .workspace import Workspace

MATCH_COLUMNS = ("business_id", "match_method", "match_confidence", "match_note")


@dataclass
class ImportResult:
    """The account of one import.

    Attributes
    ----------
    read, accepted, updated, duplicates, rejected : int
        Row counts; ``read == accepted + updated + duplicates + rejected``.
    rejects : DataFrame
        The rejected rows whole (original headers, personal columns removed) with ``row_number``
        and ``reason`` (Chinese, ``；``-joined).
    rejects_file : Path or None
        The spreadsheet written under ``rejects/`` (None when nothing was rejected).
    warnings : dict
        Counts of warnings that did not reject rows (e.g. credit-code check characters).
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
            lines.append(f"  未识别的列（未导入）：{'、'.join(self.unknown_columns)}")
        if self.rejects_file is not None:
            lines.append(f"  拒收明细：{self.rejects_file}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def import_file(ws: Workspace, path: str | Path, kind: str, sheet: str | None = None,
                progress: bool = False, today: Any = None) -> ImportResult:
    """Import ``path`` as ``kind`` into ``ws``; see the module docstring for the account."""
    if kind not in KIND_SPECS:
        raise InputFileError(f"未知的数据种类「{kind}」，可选：{'、'.join(KIND_SPECS)}")
    spec = KIND_SPECS[kind]
    path = Path(path)
    table = _open(path, kind, sheet)
    _check_columns(spec, table, path)
    today_ts = pd.Timestamp.today().normalize() if today is None else pd.Timestamp(today)
    started = pd.Timestamp.now().floor("s")
    result = ImportResult(
        kind=kind, source_file=path.name, encoding=table.encoding, sheet=table.sheet,
        header_row=table.header_row, unknown_columns=list(table.unknown),
        dropped_personal=list(table.dropped_personal),
    )
    warnings: Counter[str] = Counter()
    rejects: list[pd.DataFrame] = []
    batches = table.iter_canonical()
    if progress:
        from tqdm import tqdm

        batches = tqdm(batches, desc=f"导入 {path.name}", unit="批")
    with ws.store.transaction() as con:
        names = _known_names(con) if kind != "complaints" else {}
        businesses = con.execute(sql.load("ingest_match_businesses")).df() if kind == "complaints" else None
        columns = _table_columns(con, kind)
        for raw, canon in batches:
            result.read += len(raw)
            checked = check_batch(spec, canon, table.source_label, today=today_ts)
            warnings.update(checked.warnings)
            rows = checked.rows
            if kind != "complaints":
                rows["business_id"] = _business_ids(rows, names)
            rows["source_file"] = path.name
            rows["imported_at"] = started
            counts, final = _classify(con, kind, rows)
            if businesses is not None and not final.empty:
                final = _with_matches(final, businesses)
            result.accepted += counts["accepted"]
            result.updated += counts["updated"]
            result.duplicates += counts["duplicates"]
            if not final.empty:
                con.register("staged", final.reindex(columns=columns))
                con.execute(sql.load(f"ingest_upsert_{kind}"))
                con.unregister("staged")
            if not checked.rejected.empty:
                rejects.append(_reject_rows(con, kind, path.name, raw, checked.rejected, table, started))
        result.rejected = sum(len(r) for r in rejects)
        if result.read == 0:
            raise InputFileError(f"文件 {path.name} 在表头之下没有数据行，未导入任何内容。")
        if kind != "complaints":
            _refresh_businesses(con)
            _rematch_complaints(con)
        if kind == "complaints":
            named, matched = con.execute(sql.load("ingest_match_rate"), {"source_file": path.name}).fetchone()
            result.named, result.matched = int(named), int(matched)
            result.match_rate = matched / named if named else None
        con.execute(sql.load("ingest_log_import"), {
            "kind": kind, "source_file": path.name, "sha256": _sha256(path), "sheet": table.sheet,
            "encoding": table.encoding, "read": result.read, "accepted": result.accepted,
            "updated": result.updated, "duplicates": result.duplicates, "rejected": result.rejected,
            "started_at": started.to_pydatetime(),
        })
    result.warnings = dict(warnings)
    if rejects:
        result.rejects = pd.concat(rejects, ignore_index=True)
        result.rejects_file = _write_rejects(ws, path, kind, result.rejects)
    else:
        result.rejects = pd.DataFrame(columns=[*table.raw_columns, "row_number", REASON])
    return result


# -- whole-file checks ----------------------------------------------------------------------------
def _open(path: Path, kind: str, sheet: str | None) -> readers.RawTable:
    """Open the file with the kind's header aliases; when no header row is found, say which kind
    the file looks like, if any."""
    try:
        return readers.read_batches(path, sheet=sheet, alias=kind, personal=PERSONAL_HEADERS)
    except InputFileError as exc:
        try:
            other = readers.read_batches(path, sheet=sheet, alias=None, personal=PERSONAL_HEADERS)
        except InputFileError:
            raise exc from None
        guess = _guess_kind(other.headers_found, exclude=kind)
        if guess is None:
            raise
        raise InputFileError(
            f"{exc} 这看起来是「{KIND_SPECS[guess].label}」文件，而不是「{KIND_SPECS[kind].label}」，"
            f"请用 kind=\"{guess}\" 导入。"
        ) from None


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
        message += f"这看起来是「{KIND_SPECS[guess].label}」文件，而不是「{spec.label}」，请用 kind=\"{guess}\" 导入。"
    raise InputFileError(message)


def _guess_kind(headers: list[str], exclude: str) -> str | None:
    keys = {header_key(h) for h in headers}
    scores = {
        name: sum(header_key(s) in keys for s in spec.signature)
        for name, spec in KIND_SPECS.items() if name != exclude
    }
    best = max(scores, key=scores.get) if scores else None
    return best if best and scores[best] >= 2 else None


# -- rows -----------------------------------------------------------------------------------------
def _table_columns(con: duckdb.DuckDBPyConnection, kind: str) -> list[str]:
    return list(con.table(kind).columns)


def _known_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Normalised name → business_id of businesses already stored (coded ones preferred)."""
    known = con.execute(
        "SELECT name_norm, business_id, uscc IS NOT NULL AS coded FROM businesses "
        "WHERE name_norm IS NOT NULL ORDER BY coded"
    ).fetchall()
    return {name: bid for name, bid, _ in known}


def _business_ids(rows: pd.DataFrame, names: dict[str, str]) -> pd.Series:
    """The USCC when it is a well-formed code; else a known business of the same name; else a
    stable surrogate from the normalised name. ``names`` learns the coded businesses it sees."""
    if rows.empty:
        return pd.Series([], index=rows.index, dtype="str")
    name_norm = identity.normalize_name(rows["name"])
    coded = rows["uscc"].notna()
    for name, code in zip(name_norm[coded], rows.loc[coded, "uscc"], strict=True):
        if isinstance(name, str):
            names.setdefault(name, code)
    known = name_norm.map(names).astype("str")
    surrogate = identity.business_ids(rows["uscc"], name_norm)
    return rows["uscc"].where(coded, known.fillna(surrogate)).astype("str")


def _classify(con: duckdb.DuckDBPyConnection, kind: str, rows: pd.DataFrame) -> tuple[dict[str, int], pd.DataFrame]:
    """Count accepted / updated / duplicates and return the final row per key to upsert."""
    if rows.empty:
        return {"accepted": 0, "updated": 0, "duplicates": 0}, rows
    con.register("staged_keys", rows[["key"]])
    stored = con.execute(sql.load("ingest_existing"), {"kind": kind}).df()
    con.unregister("staged_keys")
    current: dict[str, tuple[str, Any]] = {
        k: (h, v) for k, h, v in zip(stored["key"], stored["row_hash"], stored["version"], strict=True)
    }
    versions = rows["closed_at"] if kind == "complaints" else pd.Series(pd.NaT, index=rows.index)
    sequence = list(zip(rows.index, rows["key"], rows["row_hash"], versions, strict=True))
    # The batch's own final version per key: when it is what is stored, the batch was imported
    # before and every occurrence of that key is a duplicate (re-imports change nothing).
    batch_final = _winners(sequence, {})[1]
    seen_before = {k for k, (h, _v, _i) in batch_final.items() if k in current and current[k][0] == h}
    counts, winners = _winners([s for s in sequence if s[1] not in seen_before], current)
    counts["duplicates"] += sum(1 for s in sequence if s[1] in seen_before)
    return counts, rows.loc[[idx for _h, _v, idx in winners.values()]]


def _winners(sequence: list[tuple[Any, str, str, Any]], current: dict[str, tuple[str, Any]]
             ) -> tuple[dict[str, int], dict[str, tuple[str, Any, Any]]]:
    """Walk rows in file order against ``current`` (key → (hash, version)); count each row's fate
    and return the winning (hash, version, index) per key that changed."""
    counts = {"accepted": 0, "updated": 0, "duplicates": 0}
    current = dict(current)
    winners: dict[str, tuple[str, Any, Any]] = {}
    for idx, key, row_hash, version in sequence:
        before = current.get(key)
        if before is None:
            counts["accepted"] += 1
        elif before[0] == row_hash or _older(version, before[1]):
            counts["duplicates"] += 1
            continue
        else:
            counts["updated"] += 1
        current[key] = (row_hash, version)
        winners[key] = (row_hash, version, idx)
    return counts, winners


def _older(version: Any, stored_version: Any) -> bool:
    """True when an incoming work order is an older state than the stored one."""
    if stored_version is None or pd.isna(stored_version):
        return False
    return version is None or pd.isna(version) or pd.Timestamp(version) < pd.Timestamp(stored_version)


def _reject_rows(con: duckdb.DuckDBPyConnection, kind: str, source: str, raw: pd.DataFrame,
                 rejected: pd.DataFrame, table: readers.RawTable, started: pd.Timestamp) -> pd.DataFrame:
    """Store rejected rows whole (free text scrubbed of phone/ID numbers) and return them."""
    cols = table.raw_columns
    rows = raw.loc[rejected.index, cols].copy()
    text_labels = [label for canon, label in table.source_label.items() if canon in FREE_TEXT]
    for label in text_labels:
        rows[label] = normalize.scrub_pii(rows[label])
    rows["row_number"] = rejected["row_number"].to_numpy()
    rows[REASON] = rejected[REASON].to_numpy()
    raw_json = [
        json.dumps({c: (None if pd.isna(v) else v) for c, v in zip(cols, values, strict=True)}, ensure_ascii=False)
        for values in rows[cols].itertuples(index=False, name=None)
    ]
    staged = pd.DataFrame({
        "kind": kind, "source_file": source, "row_number": rows["row_number"].astype("int64"),
        "reason": rows[REASON], "raw": raw_json,
        "row_hash": [hashlib.sha1(j.encode("utf-8")).hexdigest() for j in raw_json],
        "imported_at": started,
    })
    con.register("staged_rejects", staged)
    con.execute(sql.load("ingest_rejects"))
    con.unregister("staged_rejects")
    return rows.reset_index(drop=True)


def _write_rejects(ws: Workspace, path: Path, kind: str, rejects: pd.DataFrame) -> Path:
    out = rejects.rename(columns={"row_number": "行号", REASON: "原因"})
    out = out[["行号", "原因", *[c for c in out.columns if c not in ("行号", "原因")]]]
    suffix = ".csv" if len(out) > 1_000_000 else ".xlsx"
    target = ws.rejects_dir / f"{path.stem}.{kind}.拒收{suffix}"
    title = f"拒收明细：{path.name}（{KIND_SPECS[kind].label}），共 {len(out)} 行"
    return write_table(out, target, title=title, sheet_name="拒收明细")


# -- businesses and complaint matching ------------------------------------------------------------
def _refresh_businesses(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the businesses table from licences, penalties and inspections."""
    biz = con.execute(sql.load("ingest_business_sources")).df()
    biz["name_norm"] = identity.normalize_name(biz["name"])
    biz["name_core"] = identity.name_core(biz["name"])
    codes = biz["uscc"].where(biz["uscc"].notna())
    biz["uscc_check_ok"] = identity.uscc_check_ok_series(codes).where(codes.notna()).astype("boolean")
    columns = list(con.table("businesses").columns)
    con.execute("DELETE FROM businesses")
    con.register("staged_businesses", biz.reindex(columns=columns))
    con.execute("INSERT INTO businesses BY NAME SELECT * FROM staged_businesses")
    con.unregister("staged_businesses")


def _with_matches(rows: pd.DataFrame, businesses: pd.DataFrame) -> pd.DataFrame:
    """Work orders with their business link (method, confidence, reason when unmatched)."""
    matches = identity.match_targets(rows[["target_name", "address", "township"]], businesses)
    return rows.assign(**{c: matches[c] for c in MATCH_COLUMNS})


def _rematch_complaints(con: duckdb.DuckDBPyConnection, page_size: int = 100_000) -> None:
    """Link still-unmatched work orders to businesses (new licences may match them), page by page."""
    businesses = con.execute(sql.load("ingest_match_businesses")).df()
    if businesses.empty:
        return
    after = ""
    while True:
        pending = con.execute(sql.load("ingest_unmatched_complaints"), {"after": after, "page_size": page_size}).df()
        if pending.empty:
            return
        matches = identity.match_targets(pending, businesses).assign(order_no=pending["order_no"].to_numpy())
        con.register("staged_matches", matches[["order_no", *MATCH_COLUMNS]])
        con.execute(sql.load("ingest_apply_matches"))
        con.unregister("staged_matches")
        after = pending["order_no"].iloc[-1]


# -- reading --------------------------------------------------------------------------------------
def read_table(ws: Workspace, name: str) -> pd.DataFrame:
    """A whole workspace table (names from a fixed list; the register tables too)."""
    with ws.store.connect(read_only=True) as con:
        tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        views = {row[0] for row in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        if name not in tables | views:
            raise KeyError(f"no table named {name!r}; available: {', '.join(sorted(tables | views))}")
        return con.table(name).df()


def status(ws: Workspace) -> pd.DataFrame:
    """Row counts per table and the complaint match rate."""
    return ws.store.query("ingest_status")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


__all__ = ["ImportResult", "import_file", "read_table", "status"]
