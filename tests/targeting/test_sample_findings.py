"""On the committed sample data, the planted risky businesses rank high (ground truth from the generator)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import guidance_analytics as ga
from guidance_analytics.ingest import normalize_name

pytestmark = pytest.mark.slow


def test_planted_risky_businesses_rank_high(sample_workspace: ga.Workspace, sample_truth: Path) -> None:
    truth = pd.read_csv(sample_truth / "businesses.csv", dtype=str)
    truth["name_norm"] = normalize_name(truth["name"])
    scores = sample_workspace.risk_scores("2024-07-01")
    scores["name_norm"] = normalize_name(scores["name"])
    ranked = scores.merge(truth[["name_norm", "risk_kind"]], on="name_norm", how="left")
    risky = ranked[ranked["risk_kind"] == "risky"]
    n = len(ranked)
    assert len(risky) >= 40  # most of the 64 planted ones are known by mid-2024
    share_top_tenth = (risky["rank"] <= 0.1 * n).mean()
    assert share_top_tenth >= 0.4, share_top_tenth  # a random ranking puts 10 % there
    assert (risky["rank"] / n).median() <= 0.15
