"""What changed: did guided businesses' violations fall more than those of comparable ones?

``guidance_effects(ws)`` compares every evaluable register entry with clean, matched controls
(staggered adoption, matching on the record and risk that selection used, IPCW for controls
guided later, regression adjustment, cluster bootstrap, pre-trend test, placebo) and gives a
Chinese verdict (有效 / 无显著变化 / 未见减少 / 数据不足以判断); ``effect_study`` returns the
tables behind it (event study, balance); ``randomised_effects`` the design-based estimate of the
risk-weighted draws. :mod:`.follow_up` reads the workspace, :mod:`.design`, :mod:`.estimate`
and :mod:`.randomised` are pure.
"""

from __future__ import annotations

from .design import FEATURE_LABELS, FEATURES
from .due import DUE_COLUMNS, DUE_HEADERS, follow_up_due
from .estimate import (
    ALL_METHODS,
    COUNT_OUTCOMES,
    EFFECTIVE,
    NO_CHANGE,
    NOT_REDUCED,
    SUMMARY_COLUMNS,
    UNDECIDED,
    VERDICTS,
    interpret,
    verdict,
)
from .follow_up import (
    CASE_COLUMNS,
    EFFECT_HEADERS,
    EVALUATED,
    EVENT_COLUMNS,
    GUIDED_BEFORE,
    PENDING,
    SHORT_HISTORY,
    UNMATCHED,
    EffectStudy,
    effect_study,
    follow_up_cases,
    guidance_effects,
    randomised_effects,
    resolve_as_of,
    top_offenders,
    write_effects,
)
from .randomised import RANDOMISED_COLUMNS, hajek_itt
from .report import WorkReport, work_report, write_work_report

__all__ = [
    "write_work_report",
    "work_report",
    "WorkReport",
    "follow_up_due",
    "DUE_HEADERS",
    "DUE_COLUMNS",
    "ALL_METHODS",
    "CASE_COLUMNS",
    "COUNT_OUTCOMES",
    "EFFECTIVE",
    "EFFECT_HEADERS",
    "EVALUATED",
    "EVENT_COLUMNS",
    "FEATURES",
    "FEATURE_LABELS",
    "GUIDED_BEFORE",
    "NOT_REDUCED",
    "NO_CHANGE",
    "PENDING",
    "RANDOMISED_COLUMNS",
    "SHORT_HISTORY",
    "SUMMARY_COLUMNS",
    "UNDECIDED",
    "UNMATCHED",
    "VERDICTS",
    "EffectStudy",
    "effect_study",
    "follow_up_cases",
    "guidance_effects",
    "hajek_itt",
    "interpret",
    "randomised_effects",
    "resolve_as_of",
    "top_offenders",
    "verdict",
    "write_effects",
]
