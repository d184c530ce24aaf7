"""guidance-analytics: where to send targeted administrative guidance (行政指导).

Files in → checked tables → panels and features → findings → chosen actions → records out.

>>> import guidance_analytics as ga
>>> ga.InputFileError.__mro__[1] is ValueError
True
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .errors import InputFileError, RegisterError, WorkspaceBusyError
from .workspace import Workspace

__version__ = "0.1.0"

# Public names that live in heavier modules, imported on first use.
_LAZY = {
    "ImportResult": "ingest",
    "detect_aberrations": "detect",
    "benjamini_hochberg": "detect",
    "flag_hotspots": "hotspots",
    "find_episodes": "hotspots",
    "generate_samples": "samples",
    "uscc_check_ok": "identity",
    "normalize_name": "identity",
}

__all__ = [
    "InputFileError",
    "RegisterError",
    "Workspace",
    "WorkspaceBusyError",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
