"""Prospective aberration detection on any count panel: panel in, frame out, no workspace.

:func:`detect_aberrations` (improved Farrington / Noufaily with a batched closed-form seasonal
GLM, or a parsimonious harmonic baseline; exposure as offset; window-sum tests), the
negative-binomial GLR-CUSUM on its expectations (:func:`glr_pvalues`),
:func:`benjamini_hochberg` q-values, the :func:`weighted_simes` combination of a cell's tests, and the bounds behind the decisions
(:func:`predictive_sf`, :func:`upper_bound`). Nothing here reads a workspace or a config file:
callers pass every setting.
"""

from __future__ import annotations

from .aberration import METHODS, benjamini_hochberg, detect_aberrations, weighted_simes
from .bounds import predictive_sf, predictive_upper
from .glm import one_blas_thread
from .glr import glr_llr, glr_pvalues
from .model import THRESHOLD_METHODS, upper_bound

__all__ = [
    "METHODS",
    "THRESHOLD_METHODS",
    "benjamini_hochberg",
    "detect_aberrations",
    "glr_llr",
    "glr_pvalues",
    "one_blas_thread",
    "predictive_sf",
    "predictive_upper",
    "upper_bound",
    "weighted_simes",
]
