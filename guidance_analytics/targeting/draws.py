"""The randomised route: a risk-weighted draw is recorded whole, so its effect can be measured.

When a candidate list is drawn (``candidates(..., draw=True)``), every business of an action
whose capacity was smaller than its pool got the inclusion probability ``π`` of the systematic
PPS draw. :func:`record_draw` keeps the whole pool — drawn and not drawn, with ``π``, the seed
and the design — in ``guidance_draws`` (migration 006); the review file and the register entry
carry the draw id and ``π`` of each drawn row. The follow-up then compares drawn with not-drawn
businesses reweighted by ``π`` (``effects.randomised_effects``).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd

from ..core import WorkspaceLike, sql, to_date

#: The design written with every draw (what 抽取方式 says in the review file).
DRAW_DESIGN = "风险加权系统PPS抽样（入选概率∝下限+风险分）"
DRAW_COLUMNS = ("business_id", "action", "score", "inclusion_prob", "drawn")


def draw_id(as_of: Any, seed: int, pool: pd.DataFrame) -> str:
    """A stable id of a draw: date, seed and a digest of its pool (``YYYYMMDD-s<seed>-<8 hex>``).

    >>> draw_id("2025-01-06", 3, pd.DataFrame({"business_id": ["b"], "action": ["提示提醒"]}))[:12]
    '20250106-s3-'
    """
    keys = "|".join(sorted(pool["action"].astype(str) + ":" + pool["business_id"].astype(str)))
    digest = hashlib.sha1(keys.encode()).hexdigest()[:8]
    return f"{to_date(as_of):%Y%m%d}-s{int(seed)}-{digest}"


def draw_pool(cands: pd.DataFrame) -> pd.DataFrame:
    """The pool of a drawn candidate list: rows of actions where the draw chose (0 < π < 1 somewhere).

    Columns :data:`DRAW_COLUMNS`; empty when the list was not drawn.
    """
    pool = cands.attrs.get("pool")
    if not cands.attrs.get("draw") or pool is None or pool.empty:
        return pd.DataFrame(columns=list(DRAW_COLUMNS))
    pool = pool[pool["status"].isin(["入选", "超出容量"])].copy()
    drawn_actions = pool.loc[(pool["inclusion_prob"] > 0) & (pool["inclusion_prob"] < 1), "action"].unique()
    pool = pool[pool["action"].isin(drawn_actions)]
    pool["drawn"] = pool["status"] == "入选"
    return pool[list(DRAW_COLUMNS)].reset_index(drop=True)


def record_draw(
    ws: WorkspaceLike, pool: pd.DataFrame, as_of: Any, seed: int, design: str = DRAW_DESIGN
) -> str | None:
    """Keep a draw's whole pool in ``guidance_draws``; return its id (None for an empty pool).

    ``pool`` has ``business_id``, ``action``, ``inclusion_prob``, ``drawn`` and optionally
    ``score`` and ``adopted`` (what :func:`draw_pool` returns). Recording the same draw again
    replaces its rows.
    """
    if pool is None or pool.empty:
        return None
    rows = pool.copy()
    did = draw_id(as_of, seed, rows)
    rows["draw_id"], rows["as_of"], rows["seed"], rows["design"] = did, to_date(as_of), int(seed), design
    for col in ("score", "adopted"):
        if col not in rows:
            rows[col] = None
    rows = rows[
        [
            "draw_id",
            "as_of",
            "seed",
            "design",
            "action",
            "business_id",
            "score",
            "inclusion_prob",
            "drawn",
            "adopted",
        ]
    ].astype({"business_id": "str", "action": "str", "drawn": "bool"})
    rows["adopted"] = rows["adopted"].astype("object").where(rows["adopted"].notna(), None)
    with ws.store.connect() as con:
        con.register("draw_rows", rows)
        try:
            con.execute(sql.load("targeting/insert_draw"))
        finally:
            con.unregister("draw_rows")
    return did
