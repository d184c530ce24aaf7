"""guidance-analytics: where to send targeted administrative guidance (行政指导).

Files in → checked tables → panels and features → findings → chosen actions → records out.
One sub-package per step: :mod:`~guidance_analytics.core` (store, rules, exports),
:mod:`~guidance_analytics.ingest`, :mod:`~guidance_analytics.hotspots`,
:mod:`~guidance_analytics.targeting`, :mod:`~guidance_analytics.register`,
:mod:`~guidance_analytics.effects`, plus :mod:`~guidance_analytics.samples`; the
:class:`Workspace` facade sits on top. Importing this package is cheap: the names below are
loaded on first use.

>>> import guidance_analytics as ga
>>> ga.InputFileError.__mro__[1] is ValueError
True
>>> ga.normalize_name("老王饭店") == ga.normalize_name(" 老王饭店 ")
True
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from .errors import InputFileError, RegisterError, WorkspaceBusyError, WorkspaceError

try:
    __version__ = version("guidance-analytics")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"

# Public names that live in heavier modules, imported on first use: name → module.
_LAZY = {
    "Workspace": "guidance_analytics.workspace",
    "ImportResult": "guidance_analytics.ingest",
    "detect_aberrations": "guidance_analytics.hotspots",
    "benjamini_hochberg": "guidance_analytics.hotspots",
    "flag_hotspots": "guidance_analytics.hotspots",
    "find_episodes": "guidance_analytics.hotspots",
    "generate_samples": "guidance_analytics.samples",
    "uscc_check_ok": "guidance_analytics.ingest",
    "normalize_name": "guidance_analytics.ingest",
    "write_table": "guidance_analytics.core",
    "latest_planning_date": "guidance_analytics.targeting",
    "bundled_samples": "guidance_analytics.jobs",
    "import_folder": "guidance_analytics.jobs",
    "run_demo": "guidance_analytics.jobs",
    "scratch_copy": "guidance_analytics.jobs",
    "for_people": "guidance_analytics.core",
    "interactive_tables": "guidance_analytics.core",
}

__all__ = [
    "InputFileError",
    "RegisterError",
    "WorkspaceBusyError",
    "WorkspaceError",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
