"""The per-batch work of an import: keys against the stored rows, writes, rejects, business links.

Everything here runs inside the import's one transaction (see :mod:`guidance_analytics.ingest`)
and holds nothing from one batch to the next except the business look-ups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core import sql
from . import codes as credit_codes
from . import identity, matching, normalize, readers
from .matching import KEY_COLUMNS as MATCH_KEYS
from .matching import MATCH_COLUMNS
from .schema import REOPEN_WORDS
from .validate import CODE_COLUMNS, FREE_TEXT, REASON

if TYPE_CHECKING:
    import duckdb


# -- rows -----------------------------------------------------------------------------------------
def table_columns(con: duckdb.DuckDBPyConnection, kind: str) -> list[str]:
    return list(con.table(kind).columns)


def known_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Normalised name → business_id of businesses already stored (coded ones preferred)."""
    known = con.execute(sql.load("ingest/known_names")).fetchall()
    return {name: bid for name, bid, _ in known}


def business_ids(rows: pd.DataFrame, names: dict[str, str]) -> pd.Series:
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
    surrogate = credit_codes.business_ids(rows["uscc"], name_norm)
    return rows["uscc"].where(coded, known.fillna(surrogate)).astype("str")


def classify(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    rows: pd.DataFrame,
    today: pd.Timestamp | None = None,
    replaced_ids: set[str] | None = None,
) -> tuple[dict[str, int], pd.DataFrame, np.ndarray]:
    """Count accepted / updated / duplicates; return the final row per key to write and, aligned
    with it, whether that key is stored already (replace) or new (plain insert).

    A stored key with other content is replaced unless the incoming row is an older state
    (:func:`older_states`); keys that occur once in the batch (nearly all) are settled column-wise,
    keys repeated within the batch are walked in file order by :func:`_winners`. ``counts`` also
    has ``reopened``: work orders updated because they were re-opened. ``replaced_ids`` (when given)
    learns the business ids stored for the keys this batch replaces.
    """
    today = pd.Timestamp.today().normalize() if today is None else pd.Timestamp(today)
    zero = {"accepted": 0, "updated": 0, "duplicates": 0, "reopened": 0}
    if rows.empty:
        return zero, rows, np.zeros(0, dtype=bool)
    keys = pa.table({"key": _arrow_text(rows["key"])})
    stored = con.from_arrow(keys).query("batch_keys", sql.load("ingest/existing")).df()
    stored = stored[stored["kind"] == kind].drop(columns="kind")
    stored = stored.drop_duplicates("key").set_index("key")
    inc = _versions(rows, kind)
    repeated = rows["key"].duplicated(keep=False).to_numpy(dtype=bool)

    # keys seen once in this batch: only those stored already (with a hash) need a closer look
    once = np.flatnonzero(~repeated)
    known = once[rows["key"].iloc[once].isin(stored.index).to_numpy(dtype=bool)]
    found = stored.reindex(rows["key"].iloc[known].to_numpy())
    s_hash = found["row_hash"].to_numpy(dtype=object, na_value=None)
    with_hash = pd.notna(s_hash)
    known, s_hash, found = known[with_hash], s_hash[with_hash], found[with_hash]
    sto = (_ts(found["updated_at"]), _ts(found["version"]))
    same = rows["row_hash"].iloc[known].to_numpy(dtype=object) == s_hash
    i_upd, i_closed, i_reopen = (v[known] for v in inc)
    older, reopen = older_states((i_upd, i_closed, i_reopen), sto, today)
    duplicate = same | older
    counts = {
        "accepted": len(once) - len(known),
        "updated": int((~duplicate).sum()),
        "duplicates": int(duplicate.sum()),
        "reopened": int((~duplicate & reopen).sum()),
    }
    keep = np.zeros(len(rows), dtype=bool)
    keep[once] = True
    keep[known[duplicate]] = False
    replace = np.zeros(len(rows), dtype=bool)
    replace[known] = True

    # keys repeated in this batch, in file order
    if repeated.any():
        wanted = set(rows["key"][repeated])
        sub = stored[stored.index.isin(wanted)]
        current: dict[str, tuple[str, tuple[Any, Any, bool]]] = {
            k: (h, (u, v, False))
            for k, h, u, v in zip(
                sub.index, sub["row_hash"], _ts(sub["updated_at"]), _ts(sub["version"]), strict=True
            )
        }
        positions = np.flatnonzero(repeated)
        sequence = [
            (int(i), k, h, (inc[0][i], inc[1][i], bool(inc[2][i])))
            for i, k, h in zip(
                positions,
                rows["key"].to_numpy(dtype=object)[positions],
                rows["row_hash"].to_numpy(dtype=object)[positions],
                strict=True,
            )
        ]
        # The batch's own final version per key: when it is what is stored, the batch was imported
        # before and every occurrence of that key is a duplicate (re-imports change nothing).
        batch_final = _winners(sequence, {}, today)[1]
        seen_before = {k for k, (h, _v, _i) in batch_final.items() if k in current and current[k][0] == h}
        multi_counts, winners = _winners([q for q in sequence if q[1] not in seen_before], current, today)
        multi_counts["duplicates"] += sum(1 for q in sequence if q[1] in seen_before)
        for name, value in multi_counts.items():
            counts[name] += value
        keep[[pos for _h, _v, pos in winners.values()]] = True
        replace[[pos for key, (_h, _v, pos) in winners.items() if key in current]] = True
    if replaced_ids is not None and replace.any():
        old = stored["business_id"].reindex(rows["key"][keep & replace].to_numpy())
        replaced_ids.update(b for b in old.dropna().astype(str))
    if keep.all():  # every row is written (a first import): no copy
        return counts, rows, replace
    return counts, rows[keep], replace[keep]


def _ts(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values).to_numpy(dtype="datetime64[us]")


def _versions(rows: pd.DataFrame, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(update time, 办结时间, re-opened) per row; NaT/False for kinds without versions."""
    n = len(rows)
    if kind != "complaints":
        nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
        return nat, nat, np.zeros(n, dtype=bool)
    status = rows["status"] if "status" in rows else pd.Series(np.nan, index=rows.index, dtype="str")
    reopen = status.str.contains("|".join(REOPEN_WORDS), regex=True).fillna(False).to_numpy(dtype=bool)
    upd = rows["updated_at"] if "updated_at" in rows else pd.Series(pd.NaT, index=rows.index)
    return _ts(upd), _ts(rows["closed_at"]), reopen


def older_states(
    incoming: tuple[np.ndarray, np.ndarray, np.ndarray],
    stored: tuple[np.ndarray, np.ndarray],
    today: pd.Timestamp,
) -> tuple[np.ndarray, np.ndarray]:
    """Which incoming states are older than the stored ones, and which win by a re-open.

    ``incoming`` = (update time, 办结时间, re-opened), ``stored`` = (update time, 办结时间). The
    rule, from the record's own timestamps:

    1. both carry the export's update time (数据更新时间戳 …): the earlier one is older;
    2. else a stored 办结时间 decides: an incoming state without one, or closed earlier, is older —
       unless the incoming order is marked re-opened (工单状态 重办中 …) and not closed again,
       which is newer than any close;
    3. a stored 办结时间 after the import day (a typing error such as 2099) decides nothing.
    """
    i_upd, i_closed, i_reopen = incoming
    s_upd, s_closed = stored
    both = ~np.isnat(i_upd) & ~np.isnat(s_upd)
    by_update = both & (i_upd < s_upd)
    limit = np.datetime64((today + pd.Timedelta(days=1)).to_datetime64(), "us")
    s_valid = ~np.isnat(s_closed) & (s_closed <= limit)
    reopen = i_reopen & np.isnat(i_closed) & s_valid & ~both
    by_close = s_valid & (np.isnat(i_closed) | (i_closed < s_closed)) & ~reopen
    return np.where(both, by_update, by_close), reopen


def run_on(
    con: duckdb.DuckDBPyConnection, name: str | tuple[str, ...], frame: pd.DataFrame, view: str
) -> None:
    """Run the named SQL (or several, in order) with ``frame`` readable as ``view``.

    Not ``con.register``: inside the import's transaction a registered frame stays referenced until
    commit (the view's catalog entry is versioned), so every batch would be held in memory.
    """
    staged = con.from_arrow(_arrow_frame(frame))
    for one in (name,) if isinstance(name, str) else name:
        staged.query(view, sql.load(one))


def _arrow_frame(frame: pd.DataFrame) -> pa.Table:
    """The frame as an arrow table (zero-copy for arrow-backed text; DuckDB scans it faster than
    a DataFrame); columns of missing values only become typeless nulls, as ``from_df`` has them."""
    columns = {}
    for name in frame.columns:
        values = frame[name]
        if values.dtype == object and values.isna().all():
            columns[name] = pa.nulls(len(frame))
        else:
            columns[name] = pa.array(values, from_pandas=True)
    return pa.table(columns) if columns else pa.table({})


#: The SQL that appends new keys and the SQL that replaces stored ones, per record kind. Work
#: orders have no key index (migration 009): their stored rows are deleted, then the new ones appended.
WRITE_SQL: dict[str, tuple[str, str | tuple[str, ...]]] = {
    "permits": ("ingest/insert_permits", "ingest/upsert_permits"),
    "complaints": ("ingest/insert_complaints", ("ingest/replace_complaints", "ingest/insert_complaints")),
    "inspections": ("ingest/insert_inspections", "ingest/upsert_inspections"),
    "penalties": ("ingest/insert_penalties", "ingest/upsert_penalties"),
    "credit_classes": ("ingest/insert_credit_classes", "ingest/upsert_credit_classes"),
}


def write_rows(con: duckdb.DuckDBPyConnection, kind: str, final: pd.DataFrame, replace: np.ndarray) -> None:
    """Append new keys; replace stored ones (INSERT OR REPLACE, or for work orders a delete and an
    append; either costs more than an append)."""
    insert, upsert = WRITE_SQL[kind]
    for name, part in ((insert, final[~replace]), (upsert, final[replace])):
        if len(part):
            run_on(con, name, part, "staged")


def _winners(
    sequence: list[tuple[int, str, str, tuple[Any, Any, bool]]],
    current: dict[str, tuple[str, tuple[Any, Any, bool]]],
    today: pd.Timestamp,
) -> tuple[dict[str, int], dict[str, tuple[str, Any, int]]]:
    """Walk rows in file order against ``current`` (key → (hash, version)); count each row's fate
    and return the winning (hash, version, index) per key that changed."""
    counts = {"accepted": 0, "updated": 0, "duplicates": 0, "reopened": 0}
    current = dict(current)
    winners: dict[str, tuple[str, Any, int]] = {}
    for idx, key, row_hash, version in sequence:
        before = current.get(key)
        if before is None:
            counts["accepted"] += 1
        else:
            older, reopen = _older(version, before[1], today)
            if before[0] == row_hash or older:
                counts["duplicates"] += 1
                continue
            counts["updated"] += 1
            counts["reopened"] += int(reopen)
        current[key] = (row_hash, version)
        winners[key] = (row_hash, version, idx)
    return counts, winners


def _older(
    version: tuple[Any, Any, bool], stored: tuple[Any, Any, bool], today: pd.Timestamp
) -> tuple[bool, bool]:
    """:func:`older_states` for one incoming and one stored version."""

    def arr(value: Any) -> np.ndarray:
        return np.array(
            [np.datetime64("NaT") if pd.isna(value) else pd.Timestamp(value).to_datetime64()],
            dtype="datetime64[us]",
        )

    older, reopen = older_states(
        (arr(version[0]), arr(version[1]), np.array([bool(version[2])])),
        (arr(stored[0]), arr(stored[1])),
        today,
    )
    return bool(older[0]), bool(reopen[0])


def clean_raw(raw: pd.DataFrame, table: readers.RawTable, labels: list[str]) -> pd.DataFrame:
    """Raw cells under ``labels`` made safe to keep: control characters removed, phone and ID
    numbers scrubbed (codes and keys excepted), people's names removed from free text."""
    names = raw[readers.CALLER_NAMES] if readers.CALLER_NAMES in raw else None
    code_labels = {label for canon, label in table.source_label.items() if canon in CODE_COLUMNS}
    free = {label for canon, label in table.source_label.items() if canon in FREE_TEXT}
    free_text = set(free)
    free |= set(table.extra_columns)
    out = {}
    for label in labels:
        text = normalize.strip_control(raw[label])
        if label not in code_labels:
            if label in free:
                text = normalize.scrub_people(text, names)
            text = normalize.scrub_pii(text, free_text=label in free_text)
        out[label] = text
    return pd.DataFrame(out, index=raw.index)


def reject_rows(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    source: str,
    raw: pd.DataFrame,
    rejected: pd.DataFrame,
    table: readers.RawTable,
    started: pd.Timestamp,
) -> pd.DataFrame:
    """Store rejected rows whole (safe: see :func:`clean_raw`) and return them with
    ``row_number`` and ``reason``."""
    cols = table.raw_columns
    rows = clean_raw(raw.loc[rejected.index], table, cols)
    rows["row_number"] = rejected["row_number"].to_numpy()
    rows[REASON] = rejected[REASON].to_numpy()
    staged = pa.table(
        {
            "kind": pa.array([kind] * len(rows), pa.string()),
            "source_file": pa.array([source] * len(rows), pa.string()),
            "row_number": pa.array(rows["row_number"].astype("int64").to_numpy()),
            "reason": _arrow_text(rows[REASON]),
            "raw": _struct(rows, cols),
            "imported_at": pa.array([started.to_pydatetime()] * len(rows), pa.timestamp("us")),
        }
    )
    con.from_arrow(staged).query("staged_rejects", sql.load("ingest/rejects"))
    return rows.reset_index(drop=True)


def _struct(frame: pd.DataFrame, labels: list[str]) -> pa.StructArray:
    """The cells under ``labels`` as one arrow struct per row (null when every cell is empty)."""
    arrays = [_arrow_text(frame[label]) for label in labels]
    if not arrays:
        return pa.nulls(len(frame), pa.struct([]))
    empty = np.logical_and.reduce([pc.is_null(a).to_numpy(zero_copy_only=False) for a in arrays])
    return pa.StructArray.from_arrays(arrays, names=labels, mask=pa.array(empty))


def _arrow_text(values: pd.Series) -> pa.Array:
    text = values.astype("str")
    if getattr(text.dtype, "storage", None) == "pyarrow":
        return pa.chunked_array(text.array.__arrow_array__()).combine_chunks()
    return pa.array(text.where(text.notna(), None).to_numpy(dtype=object), pa.string(), from_pandas=True)


def extra_json(
    con: duckdb.DuckDBPyConnection, raw: pd.DataFrame, table: readers.RawTable
) -> pd.Series | None:
    """The row's unknown and shadowed columns (made safe by :func:`clean_raw`) as JSON text for
    the ``extra`` column (NaN when all are empty); None when the file has no such column."""
    labels = table.extra_columns
    if not labels:
        return None
    struct = _struct(clean_raw(raw, table, labels), labels)
    out = con.from_arrow(pa.table({"extra": struct})).query("staged_extra", sql.load("ingest/extra_json"))
    return pd.Series(pd.array(out.to_arrow_table().column(0), dtype="str"), index=raw.index)


# -- businesses and complaint matching ------------------------------------------------------------
def refresh_businesses(con: duckdb.DuckDBPyConnection, ids: set[str] | None = None) -> None:
    """Rebuild the businesses table from licences, penalties and inspections.

    With ``ids`` (the businesses whose records this import wrote or replaced) only those are
    rebuilt, and businesses no record names any more are removed; without, all of them.
    """
    if ids is not None and not ids:
        return
    picked = None if ids is None else sorted(ids)
    biz = con.execute(sql.load("ingest/business_sources"), {"ids": picked}).df()
    biz["name_norm"] = identity.normalize_name(biz["name"])
    biz["name_core"] = identity.name_core(biz["name"])
    codes = biz["uscc"].where(biz["uscc"].notna())
    biz["uscc_check_ok"] = credit_codes.uscc_check_ok_series(codes).where(codes.notna()).astype("boolean")
    columns = list(con.table("businesses").columns)
    if ids is None:
        con.execute(sql.load("ingest/clear_businesses"))
    else:
        con.execute(sql.load("ingest/clear_businesses_for"), {"ids": sorted(ids)})
    if len(biz):
        run_on(con, "ingest/insert_businesses", biz.reindex(columns=columns), "staged_businesses")


def business_index(con: duckdb.DuckDBPyConnection) -> matching.BusinessIndex:
    """The look-up structures over the stored businesses, built once per import."""
    return matching.BusinessIndex(con.execute(sql.load("ingest/match_businesses")).df())


def with_matches(rows: pd.DataFrame, businesses: matching.BusinessIndex) -> pd.DataFrame:
    """Work orders with their business link (method, confidence, reason when unmatched)."""
    matches = matching.match_targets(rows[["target_name", "address", "township"]], businesses)
    return rows.assign(**{c: matches[c] for c in MATCH_COLUMNS})


def _match_keys(con: duckdb.DuckDBPyConnection, pending: pd.DataFrame) -> pd.DataFrame:
    """The stored screening keys of ``pending`` work orders; those not stored yet (NULL) are
    computed (:func:`~guidance_analytics.ingest.matching.target_keys`) and stored."""
    keys = pending.loc[:, list(MATCH_KEYS)].astype("str")
    todo = keys["match_norm"].isna().to_numpy(dtype=bool)
    if todo.any():
        fresh = matching.target_keys(pending[todo])
        keys.loc[todo, list(MATCH_KEYS)] = fresh.to_numpy(dtype=object)
        run_on(
            con, "ingest/store_match_keys", fresh.assign(order_no=pending["order_no"][todo]), "staged_keys"
        )
    return keys


def rematch_complaints(
    con: duckdb.DuckDBPyConnection, ids: set[str] | None = None, page_size: int = 100_000
) -> int:
    """Link still-unmatched work orders to businesses (new licences may match them); return how
    many were matched again.

    With ``ids`` (new or changed businesses) only the work orders those can affect are matched
    again (:func:`~guidance_analytics.ingest.matching.screen_targets`), and the index of all
    businesses is built only when there are any; without, every unmatched work order is.
    """
    if ids is not None and not ids:
        return 0
    new = None
    if ids is not None:
        new = matching.BusinessIndex(
            con.execute(sql.load("ingest/match_businesses_for"), {"ids": sorted(ids)}).df()
        )
        if new.size == 0:
            return 0
    businesses: matching.BusinessIndex | None = None
    after = ""
    done = 0
    while True:
        pending = con.execute(
            sql.load("ingest/unmatched_complaints"), {"after": after, "page_size": page_size}
        ).df()
        if pending.empty:
            return done
        after = pending["order_no"].iloc[-1]
        if new is not None:
            pending = pending[matching.screen_targets(pending, new, keys=_match_keys(con, pending))]
            if pending.empty:
                continue
        if businesses is None:
            businesses = business_index(con)
            if businesses.size == 0:
                return done
        matches = matching.match_targets(pending, businesses).assign(order_no=pending["order_no"].to_numpy())
        run_on(con, "ingest/apply_matches", matches[["order_no", *MATCH_COLUMNS]], "staged_matches")
        done += len(pending)
