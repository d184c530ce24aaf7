"""Simulation benchmark of the guidance effect estimate (issue 14), independent of the package's
sample generator.

``simulate(seed, selection, effect, size)`` builds a workspace from bureau-format exports and
reviewed candidate lists registered through the public API, and returns ``(files, truth)``;
``evaluate(ws, truth)`` runs ``ws.guidance_effects`` (and, for the randomised route, an IPW
reference) and scores it against the truth. See ``benchmarks/eval_effects_sim.py``.
"""

from . import estimators
from .evaluate import evaluate, hajek_difference, ipw_reference
from .potential import design_expectation, pool_potential_outcomes
from .selection import SELECTIONS, inclusion_probabilities, systematic_pps
from .sim import replay, simulate
from .world import SIZES, Params, make_world

__all__ = [
    "SELECTIONS",
    "SIZES",
    "Params",
    "design_expectation",
    "estimators",
    "evaluate",
    "hajek_difference",
    "inclusion_probabilities",
    "ipw_reference",
    "make_world",
    "pool_potential_outcomes",
    "replay",
    "simulate",
    "systematic_pps",
]
