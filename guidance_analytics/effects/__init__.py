"""What changed: did guided businesses' violations fall more than those of comparable ones?

``guidance_effects(ws)`` matches every evaluable register entry to unguided businesses of the
same industry with the same pre-window record and reports the difference-in-differences with a
bootstrap interval, next to the naive before/after change (:mod:`.follow_up` reads the workspace,
:mod:`.estimate` is pure).
"""

from __future__ import annotations

from .estimate import (
    ALL_METHODS,
    COUNT_OUTCOMES,
    RATIO_OUTCOME,
    SUMMARY_COLUMNS,
    interpret,
    summarise_effects,
)
from .follow_up import (
    CASE_COLUMNS,
    EFFECT_HEADERS,
    EVALUATED,
    PENDING,
    UNMATCHED,
    follow_up_cases,
    guidance_effects,
    resolve_as_of,
    top_offenders,
    write_effects,
)

__all__ = [
    "ALL_METHODS",
    "CASE_COLUMNS",
    "COUNT_OUTCOMES",
    "EFFECT_HEADERS",
    "EVALUATED",
    "PENDING",
    "RATIO_OUTCOME",
    "SUMMARY_COLUMNS",
    "UNMATCHED",
    "follow_up_cases",
    "guidance_effects",
    "interpret",
    "resolve_as_of",
    "summarise_effects",
    "top_offenders",
    "write_effects",
]
