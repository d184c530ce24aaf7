"""Explanations agree with scores: a business whose score is raised by a signal is told which."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import guidance_analytics as ga
from guidance_analytics.targeting import GROUPS, describe


def frame(n: int = 3) -> pd.DataFrame:
    cols = {c: np.zeros(n) for cols in GROUPS.values() for c in cols}
    out = pd.DataFrame(cols)
    out["prob_12m"] = [3, 0, 0]
    out["prob_24m"] = [3, 0, 0]
    out["permits_total"] = [1, 4, 0]
    out["permits_active"] = [1, 4, 0]
    out["licence_age_days"] = [800, 900, np.nan]
    for c in ("days_since_problem", "days_since_substantiated", "days_since_penalty", "days_since_insp"):
        out[c] = np.nan
    return out


def contributions(rows: list[dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{g: r.get(g, 0.0) for g in GROUPS} for r in rows])


def test_a_group_with_a_sentence_is_named_when_it_raises_the_score() -> None:
    text = describe(frame(), contributions([{"problems": 0.2}, {}, {}]))
    assert text.iloc[0] == "近12个月检查发现问题3次"


def test_small_or_sentence_less_contributions_are_still_named_never_no_signal() -> None:
    # row 0: below the naming threshold, yet positive; row 1: the licence group raises the score but
    # there is no expiry, no recent licence (no sentence): its plain name is used
    text = describe(frame(), contributions([{"problems": 0.0005}, {"licences": 0.05}, {}]))
    assert text.iloc[0] == "近12个月检查发现问题3次"
    assert text.iloc[1] == "许可持有情况抬高风险分"
    assert text.iloc[2] == "无突出风险信号"  # nothing raises it: only then


@pytest.mark.slow
def test_no_top_ranked_business_says_no_signal(sample_workspace: ga.Workspace) -> None:
    scores = sample_workspace.risk_scores("2025-01-01", explain=-1)  # every row explained
    top = scores[scores["rank"] <= 0.2 * len(scores)]
    assert len(top) > 100
    assert not top["explanation"].str.contains("无突出风险信号").any()
    above_median = scores[scores["score"] > scores["score"].median()]
    assert (above_median["explanation"] != "无突出风险信号").all()
