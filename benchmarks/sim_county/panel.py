"""The package's multi-level industry panel built directly from a simulated county's class series.

Used where the import through the bureau's files is not the point (the scan statistic's null): the
same columns as ``hotspot_panel(ws, "violations", "industry")`` for the fields of every GB/T 4754
level (class, group, division, section), without importing files into a workspace.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["industry_panel"]

LEVELS = {1: "section", 3: "division", 4: "group", 5: "class"}


def industry_panel(series: pd.DataFrame) -> pd.DataFrame:
    """The multi-level industry panel (class, group, division, section) of the class series.

    ``series`` is ``simulate(...)["series"]`` (``class_key``, ``period``, ``violations``, ``exposure``);
    a parent repeating its only child is kept once (``drop_duplicates`` on field and period).
    """
    rows = [series.assign(field=series["class_key"])]
    for n in (4, 3, 1):
        rows.append(
            series.assign(field=series["class_key"].str[:n])
            .groupby(["field", "period"], as_index=False)[["violations", "exposure"]]
            .sum()
        )
    df = pd.concat(rows, ignore_index=True).drop_duplicates(["field", "period"])
    start = pd.to_datetime(df["period"])
    return pd.DataFrame(
        {
            "by": "industry",
            "field": df["field"],
            "level": df["field"].str.len().map(LEVELS),
            "parent": df["field"].map(lambda k: {5: k[:4], 4: k[:3], 3: k[:1]}.get(len(k))),
            "period_start": start,
            "period_end": start + pd.offsets.MonthEnd(0),
            "observed": df["violations"].astype(int),
            "exposure": df["exposure"].astype(float),
        }
    )
