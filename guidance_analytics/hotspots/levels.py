"""The GB/T 4754 hierarchy of a multi-level hotspot panel: repeated parents, carriers and parent names.

With ``by="industry"`` every event counts in its class, group, division and section. A parent whose
only child holds all its events and licences *is* that child (a division of one group of one class):
it is tested once, as the child, and its rows repeat the child's statistics. A flag is carried by the
finest level that holds it: a parent flagged in the same period as one of its descendants is not
flagged again; the descendant's row names its parents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .panels import UNKNOWN, industry_parents

__all__ = ["carried_by_descendant", "parent_names", "same_as_child"]


def same_as_child(panel: pd.DataFrame) -> dict[str, str]:
    """``{parent: descendant}`` for parents whose series equal their only child's (resolved to the finest).

    Parameters
    ----------
    panel : pandas.DataFrame
        ``field``, ``parent``, ``period_start``, ``observed``, ``exposure`` (and optionally
        ``inspections``) of a multi-level panel.

    Examples
    --------
    >>> p = pd.DataFrame({"field": ["F", "F52", "F521", "F5212"], "parent": [None, "F", "F52", "F521"],
    ...                   "period_start": pd.Timestamp("2024-01-01"), "observed": 3, "exposure": 10.0})
    >>> same_as_child(p)
    {'F521': 'F5212', 'F52': 'F5212', 'F': 'F5212'}
    """
    if panel.empty or "parent" not in panel.columns or panel["parent"].isna().all():
        return {}
    cols = [c for c in ("observed", "exposure", "inspections") if c in panel.columns]
    f_codes, f_names = pd.factorize(panel["field"])
    t_codes, t_names = pd.factorize(panel["period_start"])
    series = np.full((len(cols), len(t_names), len(f_names)), -2.0)  # -2: no row, -1: NaN
    for j, c in enumerate(cols):
        series[j, t_codes, f_codes] = pd.to_numeric(panel[c], errors="coerce").fillna(-1.0).to_numpy(float)
    col_of = {f: i for i, f in enumerate(f_names)}
    children: dict[str, list[str]] = {}
    for f, p in panel.drop_duplicates("field")[["field", "parent"]].itertuples(index=False):
        if isinstance(p, str):
            children.setdefault(p, []).append(f)
    same: dict[str, str] = {}
    # from the finest parents up, so that a chain resolves to the finest field
    for parent in sorted(children, key=len, reverse=True):
        kids = children[parent]
        if len(kids) != 1 or parent not in col_of:
            continue
        kid = kids[0]
        if np.array_equal(series[:, :, col_of[parent]], series[:, :, col_of[kid]]):
            same[parent] = same.get(kid, kid)
    return same


def carried_by_descendant(df: pd.DataFrame, flagged: np.ndarray) -> np.ndarray:
    """For each row, the key of a flagged descendant in the same period ('' when none).

    ``df`` has ``field`` and ``period_start``; ``flagged`` is a boolean array aligned with it.
    """
    out = np.full(len(df), "", dtype=object)
    if not flagged.any():
        return out
    hot = df.loc[flagged, ["field", "period_start"]]
    by_period: dict[pd.Timestamp, list[str]] = {}
    for f, p in hot.itertuples(index=False):
        by_period.setdefault(p, []).append(f)
    keys, periods = df["field"].to_numpy(), df["period_start"].to_numpy()
    for i in np.flatnonzero(flagged):
        key = keys[i]
        for other in sorted(by_period.get(pd.Timestamp(periods[i]), []), key=len, reverse=True):
            if other != key and len(other) > len(key) and other.startswith(key) and key != UNKNOWN:
                out[i] = other
                break
    return out


def parent_names(fields: pd.Series, labels: dict[str, str]) -> pd.Series:
    """``零售业(F52) › 综合零售(F521)``: the parents of each ``industry`` key, top first ('' for none)."""

    def one(key: str) -> str:
        return " › ".join(labels.get(p, p) for p in reversed(industry_parents(key)))

    mapping = {k: one(k) for k in fields.unique()}
    return fields.map(mapping)
