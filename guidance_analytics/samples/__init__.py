"""The synthetic sample data and its ground truth (``data_samples/`` is made with the defaults).

Depends on :mod:`guidance_analytics.core` only: the generator has its own credit-code arithmetic so
that the import code is tested against an independent implementation.
"""

from __future__ import annotations

from .generate import EXTRA_HEADERS, SampleSpec, default_hotspots, generate_samples, main
from .world import uscc_valid

__all__ = ["EXTRA_HEADERS", "SampleSpec", "default_hotspots", "generate_samples", "main", "uscc_valid"]
