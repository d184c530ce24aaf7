"""The per-batch work of an import: keys against the stored rows, writes, rejects, business links.

Everything here runs inside the import's one transaction (see :mod:`guidance_analytics.ingest`)
and holds nothing from one batch to the next except the business look-ups.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core import sql
from . import codes as credit_codes
from . import identity, matching, normalize, readers
from .matching import MATCH_COLUMNS
from .validate import FREE_TEXT, REASON

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
    con: duckdb.DuckDBPyConnection, kind: str, rows: pd.DataFrame
) -> tuple[dict[str, int], pd.DataFrame, np.ndarray]:
    """Count accepted / updated / duplicates; return the final row per key to write and, aligned
    with it, whether that key is stored already (replace) or new (plain insert).

    Keys that occur once in the batch (nearly all) are settled column-wise; keys repeated within
    the batch are walked in file order by :func:`_winners`.
    """
    if rows.empty:
        return {"accepted": 0, "updated": 0, "duplicates": 0}, rows, np.zeros(0, dtype=bool)
    batch_keys = rows["key"].drop_duplicates().tolist()
    stored = con.execute(sql.load("ingest/existing"), {"kind": kind, "keys": batch_keys}).df()
    versions = rows["closed_at"] if kind == "complaints" else pd.Series(pd.NaT, index=rows.index)
    repeated = rows["key"].duplicated(keep=False).to_numpy(dtype=bool)

    # keys seen once in this batch
    once = ~repeated
    keys = rows["key"][once]
    stored = stored.drop_duplicates("key").set_index("key")
    found = stored.reindex(keys.to_numpy())
    s_hash = found["row_hash"].to_numpy(dtype=object, na_value=None)
    s_version = pd.Series(pd.to_datetime(found["version"]).to_numpy())
    version = pd.Series(pd.to_datetime(versions[once]).to_numpy())
    is_stored = pd.notna(s_hash)
    same = is_stored & (rows["row_hash"][once].to_numpy(dtype=object) == s_hash)
    older = s_version.notna().to_numpy() & (version.isna().to_numpy() | (version < s_version).to_numpy())
    duplicate = same | (is_stored & older)
    counts = {
        "accepted": int((~is_stored).sum()),
        "updated": int((is_stored & ~duplicate).sum()),
        "duplicates": int(duplicate.sum()),
    }
    keep = np.zeros(len(rows), dtype=bool)
    keep[np.flatnonzero(once)[~duplicate]] = True
    replace = np.zeros(len(rows), dtype=bool)
    replace[np.flatnonzero(once)] = is_stored

    # keys repeated in this batch, in file order
    if repeated.any():
        multi = rows[repeated]
        wanted = set(multi["key"])
        current: dict[str, tuple[str, Any]] = {
            k: (h, v)
            for k, h, v in zip(stored.index, stored["row_hash"], stored["version"], strict=True)
            if k in wanted
        }
        sequence = list(zip(range(len(rows)), rows["key"], rows["row_hash"], versions, strict=True))
        sequence = [sequence[i] for i in np.flatnonzero(repeated)]
        # The batch's own final version per key: when it is what is stored, the batch was imported
        # before and every occurrence of that key is a duplicate (re-imports change nothing).
        batch_final = _winners(sequence, {})[1]
        seen_before = {k for k, (h, _v, _i) in batch_final.items() if k in current and current[k][0] == h}
        multi_counts, winners = _winners([s for s in sequence if s[1] not in seen_before], current)
        multi_counts["duplicates"] += sum(1 for s in sequence if s[1] in seen_before)
        for name, value in multi_counts.items():
            counts[name] += value
        keep[[pos for _h, _v, pos in winners.values()]] = True
        replace[[pos for key, (_h, _v, pos) in winners.items() if key in current]] = True
    return counts, rows[keep], replace[keep]


def run_on(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, view: str) -> None:
    """Run the named SQL with ``frame`` readable as ``view``.

    Not ``con.register``: inside the import's transaction a registered frame stays referenced until
    commit (the view's catalog entry is versioned), so every batch would be held in memory.
    """
    con.from_df(frame).query(view, sql.load(name))


#: The SQL that appends new keys and the SQL that replaces stored ones, per record kind.
WRITE_SQL = {
    "permits": ("ingest/insert_permits", "ingest/upsert_permits"),
    "complaints": ("ingest/insert_complaints", "ingest/upsert_complaints"),
    "inspections": ("ingest/insert_inspections", "ingest/upsert_inspections"),
    "penalties": ("ingest/insert_penalties", "ingest/upsert_penalties"),
}


def write_rows(con: duckdb.DuckDBPyConnection, kind: str, final: pd.DataFrame, replace: np.ndarray) -> None:
    """Append new keys; replace stored ones (INSERT OR REPLACE costs more than an append)."""
    insert, upsert = WRITE_SQL[kind]
    for name, part in ((insert, final[~replace]), (upsert, final[replace])):
        if len(part):
            run_on(con, name, part, "staged")


def _winners(
    sequence: list[tuple[Any, str, str, Any]], current: dict[str, tuple[str, Any]]
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


def reject_rows(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    source: str,
    raw: pd.DataFrame,
    rejected: pd.DataFrame,
    table: readers.RawTable,
    started: pd.Timestamp,
) -> pd.DataFrame:
    """Store rejected rows whole (free text scrubbed of phone/ID numbers) and return them."""
    cols = table.raw_columns
    rows = raw.loc[rejected.index, cols].copy()
    text_labels = [label for canon, label in table.source_label.items() if canon in FREE_TEXT]
    for label in text_labels:
        rows[label] = normalize.scrub_pii(rows[label])
    rows["row_number"] = rejected["row_number"].to_numpy()
    rows[REASON] = rejected[REASON].to_numpy()
    raw_json = [
        json.dumps(
            {c: (None if pd.isna(v) else v) for c, v in zip(cols, values, strict=True)}, ensure_ascii=False
        )
        for values in rows[cols].itertuples(index=False, name=None)
    ]
    staged = pd.DataFrame(
        {
            "kind": kind,
            "source_file": source,
            "row_number": rows["row_number"].astype("int64"),
            "reason": rows[REASON],
            "raw": raw_json,
            "row_hash": [hashlib.sha1(j.encode("utf-8")).hexdigest() for j in raw_json],
            "imported_at": started,
        }
    )
    run_on(con, "ingest/rejects", staged, "staged_rejects")
    return rows.reset_index(drop=True)


# -- businesses and complaint matching ------------------------------------------------------------
def refresh_businesses(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the businesses table from licences, penalties and inspections."""
    biz = con.execute(sql.load("ingest/business_sources")).df()
    biz["name_norm"] = identity.normalize_name(biz["name"])
    biz["name_core"] = identity.name_core(biz["name"])
    codes = biz["uscc"].where(biz["uscc"].notna())
    biz["uscc_check_ok"] = credit_codes.uscc_check_ok_series(codes).where(codes.notna()).astype("boolean")
    columns = list(con.table("businesses").columns)
    con.execute(sql.load("ingest/clear_businesses"))
    if len(biz):
        run_on(con, "ingest/insert_businesses", biz.reindex(columns=columns), "staged_businesses")


def business_index(con: duckdb.DuckDBPyConnection) -> matching.BusinessIndex:
    """The look-up structures over the stored businesses, built once per import."""
    return matching.BusinessIndex(con.execute(sql.load("ingest/match_businesses")).df())


def with_matches(rows: pd.DataFrame, businesses: matching.BusinessIndex) -> pd.DataFrame:
    """Work orders with their business link (method, confidence, reason when unmatched)."""
    matches = matching.match_targets(rows[["target_name", "address", "township"]], businesses)
    return rows.assign(**{c: matches[c] for c in MATCH_COLUMNS})


def rematch_complaints(con: duckdb.DuckDBPyConnection, page_size: int = 100_000) -> None:
    """Link still-unmatched work orders to businesses (new licences may match them), page by page."""
    businesses = business_index(con)
    if businesses.size == 0:
        return
    after = ""
    while True:
        pending = con.execute(
            sql.load("ingest/unmatched_complaints"), {"after": after, "page_size": page_size}
        ).df()
        if pending.empty:
            return
        matches = matching.match_targets(pending, businesses).assign(order_no=pending["order_no"].to_numpy())
        run_on(con, "ingest/apply_matches", matches[["order_no", *MATCH_COLUMNS]], "staged_matches")
        after = pending["order_no"].iloc[-1]
