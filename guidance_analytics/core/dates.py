"""Planning dates: one way to turn what a caller gives into a day, and the monthly grids of days.

Text dates in imported files are parsed column-wise by
:func:`guidance_analytics.ingest.parse_dates`; the helpers here take the single dates that callers
pass (``"2025-01-01"``, ``datetime.date``, ``datetime``, ``pandas.Timestamp``).

>>> to_date("2025-01-01")
datetime.date(2025, 1, 1)
>>> month_starts("2024-01-01", "2024-03-15")
[datetime.date(2024, 1, 1), datetime.date(2024, 2, 1), datetime.date(2024, 3, 1)]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd


def to_date(value: Any) -> dt.date:
    """A planning date from a string, ``date``, ``datetime`` or ``Timestamp``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def optional_date(value: Any) -> dt.date | None:
    """Like :func:`to_date`, but ``None`` (or NaN/NaT) stays ``None``.

    >>> optional_date(None) is None, optional_date("2024-05-01")
    (True, datetime.date(2024, 5, 1))
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def month_starts(start: Any, end: Any, step_months: int = 1) -> list[dt.date]:
    """Planning dates from ``start`` to ``end`` (inclusive) every ``step_months`` months."""
    first, last = pd.Timestamp(to_date(start)), pd.Timestamp(to_date(end))
    out, k = [], 0
    while True:
        day = first + pd.DateOffset(months=k * step_months)
        if day > last:
            return out
        out.append(day.date())
        k += 1


def planning_grid(last: dt.date, count: int, step_months: int = 1) -> Sequence[dt.date]:
    """``count`` planning dates ending at ``last``, ``step_months`` apart, oldest first.

    >>> planning_grid(dt.date(2024, 3, 1), 2)
    [datetime.date(2024, 2, 1), datetime.date(2024, 3, 1)]
    """
    anchor = pd.Timestamp(last)
    return [(anchor - pd.DateOffset(months=k * step_months)).date() for k in range(count - 1, -1, -1)]
