"""Map candidate actions to the guidance catalogue (事项编码, 指导依据).

Uses the workspace's catalogue copy (``catalog_items``) when it holds rows, else the packaged /
overridden ``config/catalog.csv``; matching is :func:`guidance_analytics.catalog.match_item`. When
the catalogue module or file is missing, ``catalog_item`` and ``legal_basis`` stay NaN.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

#: Accepted spellings of the catalogue columns this module reads.
_ALIASES = {"事项编码": "item_code", "事项名称": "item_name", "指导方式": "actions", "指导依据": "legal_basis",
            "关联许可事项": "permit_items", "适用行业": "industries", "适用情形": "situations"}


def catalog_items(ws: Any) -> pd.DataFrame:
    """The catalogue rows (snake_case columns), or an empty frame when there is none."""
    from .catalog import read_catalog_file

    try:
        items = ws.store.query("register_catalog")  # the workspace copy, when it has been seeded
        if not items.empty:
            return items
        return read_catalog_file(None, ws.config_dir).rename(columns=_ALIASES)
    except Exception as exc:  # the catalogue is optional for the list: never fail the list on it
        log.warning("guidance catalogue unavailable: %s", exc)
        return pd.DataFrame()


def _permit_for(row: Any) -> Any:
    for value in (getattr(row, "major_item", None), getattr(row, "expiring_item", None)):
        if isinstance(value, str) and value and row.action in ("案件回访", "提示提醒"):
            return value
    items = getattr(row, "permit_items", None)
    return items.split(";")[0] if isinstance(items, str) and items else None


def match_catalog(ws: Any, routed: pd.DataFrame) -> pd.DataFrame:
    """Add ``catalog_item`` and ``legal_basis`` to routed candidates (NaN where nothing fits;
    移送执法 rows get none: they are not guidance)."""
    out = routed.copy()
    out["catalog_item"] = pd.Series(np.nan, index=out.index, dtype="str")
    out["legal_basis"] = pd.Series(np.nan, index=out.index, dtype="str")
    items = catalog_items(ws) if not out.empty else pd.DataFrame()
    if items.empty or "item_code" not in items.columns:
        return out
    from .catalog import match_item

    basis = dict(zip(items["item_code"].astype(str), items.get("legal_basis", pd.Series(dtype="str")),
                     strict=False))
    codes = []
    for row in out.itertuples(index=False):
        if row.action == "移送执法":
            codes.append(None)
            continue
        codes.append(match_item(items, row.action, row.industry, _permit_for(row), row.reasons))
    out["catalog_item"] = pd.Series(codes, index=out.index, dtype="str")
    out["legal_basis"] = out["catalog_item"].map(basis).astype("str")
    out.loc[out["catalog_item"].isna(), "legal_basis"] = np.nan
    return out
