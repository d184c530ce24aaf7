"""Hand-built hotspot tables for the chart tests (unit tests and the real-browser test)."""

from __future__ import annotations

import pandas as pd


def hot_frame(series: dict[str, tuple[str, list[int]]], flag_above: float = 10.0) -> pd.DataFrame:
    """Monthly rows from January 2024 for ``field → (label, counts)``; expected 5, upper bound 10;
    an alarm above 8, a hotspot (flagged) above ``flag_above`` for H62 only."""
    parts = []
    for field, (label, counts) in series.items():
        start = pd.Series(pd.date_range("2024-01-01", periods=len(counts), freq="MS"))
        observed = pd.Series(counts)
        parts.append(
            pd.DataFrame(
                {
                    "by": "industry_division",
                    "field": field,
                    "field_label": label,
                    "period_start": start,
                    "period_end": start + pd.offsets.MonthEnd(0),
                    "observed": observed,
                    "expected": 5.0,
                    "upper": 10.0,
                    "rate_ratio": observed / 5.0,
                    "q_value": 0.01,
                    "method": "farrington_noufaily",
                    "alarm": observed > 8,
                    "flagged": (observed > flag_above) & (field == "H62"),
                    "reason": [
                        f"{s.year}年{s.month}月 {label} 违法 {o} 件，预期 5.0 件"
                        for s, o in zip(start, counts, strict=True)
                    ],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)
