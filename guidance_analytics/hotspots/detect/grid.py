"""Panel handling for :mod:`guidance_analytics.hotspots.detect`: period numbering and the
``(periods x series)`` count and exposure matrices on a common grid."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "rolling_sum",
    "DEFAULT_EXCLUDE",
    "DEFAULT_MIN_COUNT_WINDOW",
    "DEFAULT_W",
    "PERIODS_PER_YEAR",
    "first_index_from",
    "to_matrices",
]

PERIODS_PER_YEAR = {"W": 52, "M": 12, "Q": 4}
DEFAULT_W = {"W": 3, "M": 1, "Q": 0}
DEFAULT_EXCLUDE = {"W": 26, "M": 6, "Q": 2}
DEFAULT_MIN_COUNT_WINDOW = {"W": 4, "M": 1, "Q": 1}


def _period_index(dates: Any, freq: str, anchor: pd.Timestamp) -> np.ndarray:
    """Integer period number (weeks since ``anchor``, or months/quarters)."""
    d = pd.Series(pd.to_datetime(dates))
    if d.dt.tz is None and not d.isna().any():  # in numpy: the same numbers without Timestamps
        days = d.to_numpy("datetime64[ns]").astype("datetime64[D]")
        if freq == "W":
            return (days - np.datetime64(pd.Timestamp(anchor).normalize(), "D")).astype(np.int64) // 7
        months = days.astype("datetime64[M]").astype(np.int64) + 1970 * 12  # year * 12 + month - 1
        return months if freq == "M" else months // 3
    d = d.dt.normalize()
    if freq == "W":
        return ((d - anchor).dt.days // 7).to_numpy(dtype=np.int64)
    months = d.dt.year.to_numpy(dtype=np.int64) * 12 + d.dt.month.to_numpy() - 1
    return months if freq == "M" else months // 3


def first_index_from(when: Any, freq: str, anchor: pd.Timestamp) -> int:
    """Period number of the first period starting on or after ``when``."""
    ts = pd.Timestamp(when).normalize()
    k = int(_period_index([ts], freq, anchor)[0])
    if freq == "W":
        return k + int((ts - anchor).days % 7 != 0)
    step = 3 if freq == "Q" else 1
    start = pd.Timestamp(year=ts.year, month=ts.month - (ts.month - 1) % step, day=1)
    return k + int(ts != start)


def to_matrices(panel: pd.DataFrame, freq: str) -> tuple:
    """Counts and exposure as ``(T, S)`` matrices on a common period grid.

    Parameters
    ----------
    panel : pandas.DataFrame
        ``series``, ``period``, ``count`` and optional ``exposure``.
    freq : {"W", "M", "Q"}
        Period length; weeks are numbered from the earliest date.

    Returns
    -------
    tuple
        ``Y`` (counts; NaN outside each series' first..last period, zero for
        periods missing inside it), ``E`` (exposure, carried forward then
        backward over gaps; ones for series without exposure), ``span`` (inside-series
        mask), ``first`` (first period per series), ``tt`` and ``codes``
        (grid row and column of each input row), ``t0`` (period number of
        row 0), ``anchor`` (the week-numbering origin) and ``missing`` (rows
        given with a NaN count: not observed; ``Y`` holds 0 there).
    """
    codes, names = pd.factorize(panel["series"], sort=True)
    if (codes < 0).any():
        raise ValueError("series must not be missing")
    anchor = pd.to_datetime(panel["period"]).min().normalize()
    tidx = _period_index(panel["period"], freq, anchor)
    t0 = tidx.min()
    tt = tidx - t0
    T, S = int(tt.max()) + 1, len(names)
    if pd.Series(tt * S + codes).duplicated().any():
        raise ValueError("panel has duplicated (series, period) rows")
    counts = pd.to_numeric(panel["count"], errors="coerce").to_numpy(float)
    if (counts < 0).any():
        raise ValueError("counts must be non-negative")
    missing = np.zeros((T, S), dtype=bool)
    missing[tt, codes] = np.isnan(counts)  # a row without a count: no observation (not zero)
    Y = np.full((T, S), np.nan)
    Y[tt, codes] = np.nan_to_num(counts)
    first = np.full(S, T, dtype=np.int64)
    last = np.full(S, -1, dtype=np.int64)
    np.minimum.at(first, codes, tt)
    np.maximum.at(last, codes, tt)
    grid = np.arange(T)[:, None]
    span = (grid >= first) & (grid <= last)
    Y = np.where(span & np.isnan(Y), 0.0, Y)
    E = np.ones((T, S))
    if "exposure" in panel.columns:
        E[:] = np.nan
        E[tt, codes] = pd.to_numeric(panel["exposure"], errors="coerce")
        if (E[np.isfinite(E)] <= 0).any():
            raise ValueError("exposure must be positive")
        # gaps carry the last exposure forward; leading gaps take the first known one (a constant
        # offset over all the history up to that period, so decisions stay prospective); a series
        # without any exposure gets 1
        E = pd.DataFrame(E).ffill().bfill().fillna(1.0).to_numpy()
    return Y, E, span, first, tt, codes, t0, anchor, missing


def rolling_sum(A: np.ndarray, w: int, reduce: str = "sum") -> np.ndarray:
    """Sums (or means, or minima with ``reduce``) of ``w`` consecutive rows ending at each row.

    NaN where the window reaches before row 0 or holds a NaN (as pandas' ``rolling(w)``).

    >>> rolling_sum(np.array([[1.0], [2.0], [np.nan], [4.0], [5.0]]), 2).ravel().tolist()
    [nan, 3.0, nan, nan, 9.0]
    """
    A = np.asarray(A, dtype=float)
    out = np.full(A.shape, np.nan)
    if w > A.shape[0]:
        return out
    if reduce == "min":
        win = np.lib.stride_tricks.sliding_window_view(A, w, axis=0)  # (T - w + 1, S, w)
        out[w - 1 :] = win.min(axis=-1)
        return out
    bad = np.isnan(A)
    c = np.vstack([np.zeros((1, A.shape[1])), np.cumsum(np.where(bad, 0.0, A), axis=0)])
    n = np.vstack([np.zeros((1, A.shape[1])), np.cumsum(bad, axis=0)])
    s = c[w:] - c[:-w]
    s = np.where(n[w:] - n[:-w] > 0, np.nan, s)
    out[w - 1 :] = s / w if reduce == "mean" else s
    return out
