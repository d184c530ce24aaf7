"""The logistic model's categorical state terms (hand-computed cases, a planted step signal) and
the model hyper-parameters read from ``[model.logit]`` / ``[model.hgb]``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guidance_analytics.targeting import FEATURE_COLUMNS, fit_model
from guidance_analytics.targeting.risk import (
    HGB_PARAMS,
    LOGIT_PARAMS,
    STATE_TERMS,
    TREE_ONLY,
    design,
    fit,
    state_terms,
    top_share_hit_rate,
)


def _terms(**cols) -> pd.DataFrame:
    base = {
        "licence_age_days": np.nan,
        "days_since_insp": np.nan,
        "last_severity": np.nan,
        "severity_2": np.nan,
    }
    frame = pd.DataFrame({k: [float(v)] for k, v in {**base, **cols}.items()})
    return pd.DataFrame(state_terms(frame), columns=STATE_TERMS).iloc[0]


def test_state_terms_hand_computed():
    # licensed 300 days ago: in its first year, (365 - 300) / 90 of the next 90 days still in it;
    # last inspection 30 days ago found a 责令限期整改; the one before found nothing
    t = _terms(licence_age_days=300, days_since_insp=30, last_severity=2, severity_2=0)
    assert t["first_year"] == 1 and t["first_year_left"] == pytest.approx(65 / 90)
    assert t["last_serious_3m"] == 1 and t[["last_serious_12m", "last_serious_older"]].sum() == 0
    assert t[["last_minor_3m", "last_minor_12m", "last_minor_older"]].sum() == 0
    assert t[["prev_serious", "prev_minor", "prev_none"]].tolist() == [0, 0, 0]
    # bin edges: 92 days is still "within 92 days", 93 is the middle bin, 366 the oldest
    assert _terms(days_since_insp=92, last_severity=1)["last_minor_3m"] == 1
    assert _terms(days_since_insp=93, last_severity=1)["last_minor_12m"] == 1
    assert _terms(days_since_insp=365, last_severity=3)["last_serious_12m"] == 1  # 移送立案 is serious
    assert _terms(days_since_insp=366, last_severity=2)["last_serious_older"] == 1
    # a licence 400 days old is past its first year; an earlier minor finding
    t = _terms(licence_age_days=400, days_since_insp=10, last_severity=0, severity_2=1)
    assert t["first_year"] == 0 and t["first_year_left"] == 0 and t["prev_minor"] == 1
    assert t[[c for c in STATE_TERMS if c.startswith("last_")]].sum() == 0  # a clean last result
    # never inspected, no licence: only "no earlier inspection"
    t = _terms()
    assert t["prev_none"] == 1 and t.drop("prev_none").sum() == 0


def test_logit_design_with_and_without_the_state_terms():
    frame = pd.DataFrame(0.0, index=range(3), columns=list(FEATURE_COLUMNS))
    frame["licence_age_days"] = [100.0, 400.0, 1000.0]
    # default: without the tree-only current-state columns; with state: every column + the terms
    assert design(frame, "logit").shape == (3, len(FEATURE_COLUMNS) - len(TREE_ONLY) + 4)
    with_state = design(frame, "logit", state=True)
    assert with_state.shape == (3, len(FEATURE_COLUMNS) + 4 + len(STATE_TERMS))
    first_year = with_state[:, len(FEATURE_COLUMNS) + 4 + STATE_TERMS.index("first_year")]
    assert first_year.tolist() == [1.0, 0.0, 0.0]
    assert design(frame, "hgb").shape == (3, len(FEATURE_COLUMNS))


def _middle_bin_train(n_dates: int = 16, per_date: int = 1500, seed: int = 3) -> pd.DataFrame:
    """Risk only where the last inspection was serious 93–365 days ago: a recency weight
    exp(-days / 180) times the severity is monotone in the days and cannot single it out."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in pd.date_range("2022-01-01", periods=n_dates, freq="MS"):
        frame = pd.DataFrame(0.0, index=range(per_date), columns=list(FEATURE_COLUMNS))
        sev = rng.choice([np.nan, 0.0, 1.0, 2.0], per_date)
        days = np.where(np.isnan(sev), np.nan, rng.integers(1, 1000, per_date).astype(float))
        frame["last_severity"], frame["days_since_insp"] = sev, days
        frame["licence_age_days"] = 2000.0
        frame["as_of"] = d
        planted = (sev == 2) & (days > 92) & (days <= 365)
        frame["y"] = (rng.random(per_date) < np.where(planted, 0.5, 0.05)).astype(int)
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


@pytest.mark.slow
def test_logistic_model_finds_a_planted_middle_recency_bin():
    train, fresh = _middle_bin_train(), _middle_bin_train(n_dates=2, seed=9)
    params = {"logit": {"state_terms": True}}
    model = fit_model(train, "logit", calibration_dates=4, horizon_months=3, params=params)
    plain = fit_model(train, "logit", calibration_dates=4, horizon_months=3)
    assert model.estimator.state_terms_ and not plain.estimator.state_terms_
    # the planted rows are 1/4 × 273/999 ≈ 6.8 % of each date: the top 5 % are all planted
    # (hit rate ≈ 0.5), against 0.05 for any other group
    found = top_share_hit_rate(model.ranking(fresh), fresh, share=0.05)
    assert found > 0.4
    # without the terms the score is monotone in the days since a serious finding: at best the
    # 2.3 % found within 92 days (rate 0.05) come first, then planted rows: about 0.29
    assert top_share_hit_rate(plain.ranking(fresh), fresh, share=0.05) < found - 0.1


@pytest.mark.slow
def test_hyper_parameters_come_from_the_model_settings():
    train = _middle_bin_train(n_dates=8, per_date=400)
    default = fit_model(train, "hgb", calibration_dates=0, horizon_months=3)
    assert default.estimator.max_leaf_nodes == HGB_PARAMS["max_leaf_nodes"]
    assert default.estimator.n_iter_ == HGB_PARAMS["max_iter"]
    cfg = {"kind": "hgb", "calibration_months": 0, "hgb": {"max_leaf_nodes": 3, "max_iter": 7}}
    small = fit(train, cfg, horizon_months=3)
    assert small.estimator.max_leaf_nodes == 3 and small.estimator.n_iter_ == 7
    assert small.estimator.learning_rate == HGB_PARAMS["learning_rate"]  # not overridden
    cfg = {"kind": "logit", "calibration_months": 0, "logit": {"C": 2.0, "state_terms": True}}
    logit = fit(train, cfg, horizon_months=3)
    assert (
        logit.estimator[-1].C == 2.0 and logit.estimator[-1].n_features_in_ == len(FEATURE_COLUMNS) + 4 + 11
    )
    assert fit_model(train, "logit", calibration_dates=0).estimator[-1].C == LOGIT_PARAMS["C"]
    blend = fit(train, {"kind": "blend", "calibration_months": 0, "hgb": {"max_iter": 5}}, horizon_months=3)
    assert blend.estimator.parts["hgb"].n_iter_ == 5
