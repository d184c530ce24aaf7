"""The oracle bound of ``benchmarks/eval_hotspots_oracle.py`` (issue 9's detection target): its
exact window tails against closed forms, and its detection rule on a hand-made world."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from eval_hotspots_oracle import SIZE, oracle_flags, window_pvalues, window_tails  # noqa: E402
from sim_county import score  # noqa: E402


def _sf(n: int, size: float, mu: float) -> float:
    """P(X >= n) for X ~ NegBin(mean mu, size)."""
    return float(stats.nbinom.sf(n - 1, size, size / (size + mu)))


def test_window_tails_are_exact_negative_binomial_sums():
    # Equal means: a sum of w independent NB(size, p) is NB(w * size, p) with mean w * mu.
    mu = 6.0
    counts = np.array([5, 9, 12])
    p = window_pvalues(counts, window_tails(np.full(3, mu)))
    single = _sf(12, SIZE, mu)
    two = _sf(9 + 12, 2 * SIZE, 2 * mu)
    three = _sf(5 + 9 + 12, 3 * SIZE, 3 * mu)
    assert np.isclose(p[2], min(single, two, three), rtol=1e-9)
    # the first month has only the one-month window
    assert np.isclose(p[0], _sf(5, SIZE, mu), rtol=1e-9)


def test_a_spike_of_14_against_4_is_far_in_the_tail():
    # issue 9's small-field case: a month of 14 against an expected 4
    p = window_pvalues(np.array([14]), window_tails(np.array([4.0])))[0]
    # P = 2.7e-4: well inside the oracle's per-cell threshold at 0.2 false flags a month (~4e-3)
    assert p < 1e-3
    assert np.isclose(p, _sf(14, SIZE, 4.0), rtol=1e-9)


def test_oracle_flags_count_in_the_event_class_within_its_detection_window_only():
    truth = pd.DataFrame(
        {
            "event_id": ["rise01", "spike01", "shock01"],
            "kind": ["rise", "spike", "exposure_shock"],
            "role": ["event", "event", "decoy"],
            "classes": ["A1", "B1;B2", "A1"],
            "size": ["medium", "small", "medium"],
            "start": pd.to_datetime(["2023-01-01", "2023-06-01", "2023-01-01"]),
            "end": pd.to_datetime(["2023-05-01", "2023-06-01", "2023-12-01"]),
            "detect_end": pd.to_datetime(["2023-03-01", "2023-06-01", "2023-12-01"]),
        }
    )
    truth.attrs.update(eval_start=pd.Timestamp("2022-01-01"), eval_end=pd.Timestamp("2023-12-01"))
    p = pd.DataFrame(
        {
            "class_key": ["A1", "B2", "A1", "B1"],
            "period": pd.to_datetime(["2023-04-01", "2023-06-01", "2022-12-01", "2023-06-01"]),
            "p": [1e-4, 1e-4, 1e-4, 0.5],
        }
    )
    events = score(oracle_flags(p, 1e-3), truth)["events"]
    out = events[events["role"] == "event"].set_index("event_id")["detected"]
    # the rise's only flags are a month late and a month early; the cluster's second class counts,
    # and a p-value above the threshold is no flag
    assert out.to_dict() == {"rise01": False, "spike01": True}
    assert events.set_index("event_id").loc["spike01", "n_flags"] == 1
