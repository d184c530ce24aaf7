"""Prospective aberration detection on any count panel: panel in, frame out, no workspace.

:func:`detect_aberrations` (improved Farrington / Noufaily with a batched closed-form seasonal
GLM, exposure as offset) and :func:`benjamini_hochberg` q-values. Nothing here reads a workspace
or a config file: callers pass every setting.
"""

from __future__ import annotations

from .aberration import METHODS, benjamini_hochberg, detect_aberrations

__all__ = ["METHODS", "benjamini_hochberg", "detect_aberrations"]
