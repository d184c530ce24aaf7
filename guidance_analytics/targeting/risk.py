"""Risk model: a continuous ranking score and, beside it, a calibrated probability.

Target (``[label]`` in ``routing.toml``, see :func:`~guidance_analytics.targeting.label_settings`):
for a business at a planning date ``as_of``, an inspection in ``[as_of, as_of + horizon_months)``
whose result is at least ``min_severity`` (default 2: 责令限期整改 or 移送立案, not a minor
on-the-spot correction), or a penalty decision. The model is trained on monthly planning dates
whose outcome windows end by ``as_of``, with labels known before ``as_of`` (no leakage), on the
businesses whose outcome could be observed (inspected in the window).

Two numbers per business:

- ``rank_score`` — the fitted model's own probability: continuous, used for the ranking (no
  calibration step can create ties);
- ``score`` — the calibrated probability: Platt scaling (a logistic curve of the model's
  log-odds, strictly increasing, so it keeps the order) fitted on a *later held-out window*: the
  latest ``calibration_months`` training dates, with a gap of one horizon between the windows the
  model was fitted on and the calibration windows. When the calibration window holds enough
  双随机抽查 (the unbiased random draw), the curve is fitted on those: ``score`` then reads "if this
  business were drawn at random, the chance its inspection finds a serious problem"
  (``calibrated_to == "random"``); otherwise on every inspected business
  (``calibrated_to == "inspected"``: the chance among businesses that get inspected, mostly by
  targeted checks, which is higher than a random draw finds). The ranking model is then fitted
  again on every training date (``[model] refit``), the latest included; the curve fitted on the
  held-out scores maps its log-odds to the probability.

Model kinds (``[model] kind``; the backtest compares them on the same planning dates):
``"auto"`` (at each planning date every candidate is fitted on the earlier dates and
the one with the best top-10 % hit rate on the held-out calibration dates is kept, a rolling
origin, so the default is what wins over time, not a fixed kind), ``"blend"`` (both below fitted
on the same rows, their log-odds averaged),
``"logit"`` (logistic regression on log counts, recency weights and logit rates), ``"hgb"``
(scikit-learn's ``HistGradientBoostingClassifier`` with monotonic constraints where the direction
is known), and the simple rules as named baselines: ``"last_severity"`` (result of the latest
inspection) and ``"past_orders"`` (count of past 责令限期整改 or worse). With too few positive
examples the score is the ``"prior"``: the business's own serious-finding rate smoothed towards its
field's (a new business gets its field's rate).

Explanations name the signal groups that raise the score most (the score drop when a group's
features are set to the training population's median); they are built only for the rows that are
shown or listed (``explain``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits  # scikit-learn's own dependency, light to import

from ..core import WorkspaceLike, planning_grid, rules, to_date
from .explain import GROUPS, describe
from .feature_table import (
    COUNT_COLUMNS,
    DAYS_COLUMNS,
    FEATURE_COLUMNS,
    RATE_COLUMNS,
    SEVERITY_COLUMNS,
    business_info,
    feature_chunks,
    feature_panel,
    outcomes,
)

log = logging.getLogger(__name__)

#: Days-since value standing for "never" in the tree model's input.
NEVER_DAYS = 9999.0
#: Fitted model kinds.
MODEL_KINDS = ("logit", "hgb", "blend")
#: The simple rules, scored like models (named baselines of the backtest).
RULE_KINDS = ("last_severity", "past_orders")
#: Rows scored at a time (bounds the memory of the design matrices).
CHUNK_ROWS = 100_000

SCORE_COLUMNS = (
    "business_id",
    "uscc",
    "name",
    "township",
    "industry",
    "score",
    "rank",
    "explanation",
)

#: Chinese headers of the score table people read.
SCORE_HEADERS = {
    "business_id": "主体标识",
    "uscc": "统一社会信用代码",
    "name": "行政相对人名称",
    "township": "所属乡镇",
    "industry": "行业代码",
    "score": "风险概率（校准）",
    "rank": "排名",
    "explanation": "主要风险信号",
    "rank_score": "排序分（模型原始分）",
    "industry_name": "行业",
    "subject_type": "行政相对人类别",
}

#: Monotonic constraints of the tree model: +1 where more of the feature can only mean more risk.
MONOTONE_UP = (
    "serious_rate",
    "serious_rate_decayed",
    "serious_rate_random",
    "serious_rate_recent",
    "serious_rate_eb",
    "order_decayed",
    "order_recent",
    "order_pending",
    "random_order_60m",
    "order_12m",
    "order_24m",
    "order_60m",
    "referral_24m",
    "sub_12m",
    "sub_24m",
    "pen_24m",
    "pen_serious_24m",
    "field_serious_rate",
    "township_serious_rate",
)


@dataclass(frozen=True)
class Platt:
    """Platt scaling: ``p = 1 / (1 + exp(-(a + b · logit(raw))))`` with ``b > 0`` (keeps the order)."""

    a: float
    b: float

    @staticmethod
    def logit(raw: np.ndarray) -> np.ndarray:
        p = np.clip(np.asarray(raw, dtype=float), 1e-9, 1 - 1e-9)
        return np.log(p / (1 - p))

    @classmethod
    def fit(cls, raw: np.ndarray, y: np.ndarray) -> Platt:
        """Maximum-likelihood fit (Newton steps on two parameters); the slope is kept positive.

        >>> rng = np.random.default_rng(0)
        >>> raw = rng.uniform(0.01, 0.99, 20000)
        >>> y = rng.random(20000) < 1 / (1 + np.exp(-(0.5 + 2 * np.log(raw / (1 - raw)))))
        >>> c = Platt.fit(raw, y)
        >>> bool(abs(c.a - 0.5) < 0.15 and abs(c.b - 2.0) < 0.15)
        True
        """
        x = cls.logit(raw)
        y = np.asarray(y, dtype=float)
        a, b = 0.0, 1.0
        for _ in range(100):
            p = 1 / (1 + np.exp(-np.clip(a + b * x, -50, 50)))
            w = p * (1 - p) + 1e-12
            g = np.array([np.sum(y - p), np.sum((y - p) * x)])
            h = np.array([[np.sum(w), np.sum(w * x)], [np.sum(w * x), np.sum(w * x * x)]]) + 1e-9 * np.eye(2)
            step = np.linalg.solve(h, g)
            a, b = a + step[0], b + step[1]
            if np.abs(step).max() < 1e-10:
                break
        return cls(float(a), float(max(b, 0.05)))

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-np.clip(self.a + self.b * self.logit(raw), -50, 50)))


@dataclass
class RiskModel:
    """A fitted model (or a rule) with its calibration curve and training summary.

    ``ranking`` gives the continuous score the list is ordered by; ``predict`` the calibrated
    probability (the same order). Fitted models never change, so copies of a frame's ``attrs``
    share the model instead of copying it.
    """

    kind: str
    estimator: Any = None
    calibrator: Platt | None = None
    medians: pd.Series | None = None
    info: dict[str, Any] = field(default_factory=dict)
    threads: int | None = 1

    def __deepcopy__(self, memo: dict) -> RiskModel:
        return self

    def ranking(self, panel: pd.DataFrame) -> np.ndarray:
        """The ranking score (higher = riskier), scored in chunks of :data:`CHUNK_ROWS` rows."""
        if self.kind in RULE_KINDS or self.kind == "prior":
            return rule_scores(panel, self.kind)
        out = np.empty(len(panel), dtype=float)
        with _threads(self.threads):
            for lo in range(0, len(panel), CHUNK_ROWS):
                part = panel.iloc[lo : lo + CHUNK_ROWS]
                out[lo : lo + len(part)] = _predict(self.estimator, part, self.kind)
        return out

    def predict(self, panel: pd.DataFrame) -> np.ndarray:
        """The calibrated probability (the ranking score itself when there is no calibration)."""
        raw = self.ranking(panel)
        return self.calibrator(raw) if self.calibrator is not None else raw

    def contributions(self, panel: pd.DataFrame) -> pd.DataFrame:
        """Per-row contribution of each signal group (positive = raises the score).

        Measured on the uncalibrated ranking score (:meth:`ranking`), the score the list is
        ordered by: what a group adds is what moves the business up the list, whatever the
        calibration (a step-function calibration would hide the signals of the top-ranked rows)."""
        if self.medians is None:
            used = {"severity": "last_severity", "problems": "problem_rate"}
            return pd.DataFrame(
                {
                    g: panel[used[g]].fillna(0).to_numpy(dtype=float) if g in used else np.zeros(len(panel))
                    for g in GROUPS
                },
                index=panel.index,
            )
        base = self.ranking(panel)
        out = {}
        for group, cols in GROUPS.items():
            changed = panel.copy()
            for col in cols:
                changed[col] = self.medians[col]
            out[group] = base - self.ranking(changed)
        return pd.DataFrame(out, index=panel.index)


def rule_scores(panel: pd.DataFrame, kind: str) -> np.ndarray:
    """Scores of the simple rules (higher = riskier; equal histories tie).

    ``"last_severity"``: result (0–3) of the latest inspection, -1 = never inspected;
    ``"past_orders"``: 责令限期整改 or worse in the last 60 months; ``"prior"``: the business's
    serious-finding rate smoothed towards its field's, ties broken by the problem rate.
    """
    if kind == "last_severity":
        return panel["last_severity"].fillna(-1.0).to_numpy(dtype=float)
    if kind == "past_orders":
        return panel["order_60m"].to_numpy(dtype=float)
    if kind == "prior":
        return panel["serious_rate"].to_numpy(dtype=float) + 1e-3 * panel["problem_rate"].to_numpy(
            dtype=float
        )
    raise ValueError(f"unknown rule {kind!r}")


#: Current-state features only the tree model takes, unless ``[model.logit] state_terms`` is on:
#: on the simulated registers (8 planning dates, seeds 7 and 11) they lowered the logistic
#: model's top-10 % lift (1.20 / 1.23 × the best rule without them, 1.13 / 1.18 × with them).
TREE_ONLY = (
    "insp_recent",
    "order_recent",
    "complaint_insp_3m",
    "insp_after_order",
    "days_since_complaint_insp",
    "serious_rate_recent",
    "serious_rate_eb",
    "order_pending",
    "reinspected_clean",
)
#: Names of the columns :func:`state_terms` adds to the logistic model's input.
STATE_TERMS = (
    "first_year",
    "first_year_left",
    "last_minor_3m",
    "last_minor_12m",
    "last_minor_older",
    "last_serious_3m",
    "last_serious_12m",
    "last_serious_older",
    "prev_serious",
    "prev_minor",
    "prev_none",
)
#: Default hyper-parameters of the two fitted models, the packaged ``[model.logit]`` /
#: ``[model.hgb]`` of ``routing.toml`` (``state_terms``: the logistic model also takes the
#: :data:`TREE_ONLY` features and the :func:`state_terms`).
LOGIT_PARAMS: dict[str, Any] = {"C": 0.3, "state_terms": False}
HGB_PARAMS: dict[str, Any] = {
    "learning_rate": 0.05,
    "max_iter": 200,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 80,
    "l2_regularization": 1.0,
}
_COL = {c: i for i, c in enumerate(FEATURE_COLUMNS)}
_LOGIT_KEEP = [i for i, c in enumerate(FEATURE_COLUMNS) if c not in TREE_ONLY]
_COUNT_IDX = [_COL[c] for c in COUNT_COLUMNS]
_DAYS_IDX = [_COL[c] for c in DAYS_COLUMNS]
_DAYS_SCALE = np.array(
    [720.0 if c in ("licence_age_days", "days_since_permit") else 180.0 for c in DAYS_COLUMNS]
)
_RATE_IDX = [_COL[c] for c in RATE_COLUMNS]
_SEVERITY_IDX = [_COL[c] for c in SEVERITY_COLUMNS]


def design(panel: pd.DataFrame, kind: str, state: bool = False) -> np.ndarray:
    """The model's input matrix (float64). Trees take the raw features ("never" = 9999 days,
    a missing severity stays missing); the logistic regression takes log counts, recency weights
    exp(-days/180), logit rates and severities with "no inspection" as its own indicator, and
    three interactions (recency × the last severities, the decayed serious rate × its evidence),
    without the :data:`TREE_ONLY` columns; with ``state`` (``[model.logit] state_terms``) every
    column and the categorical :func:`state_terms`. Computed on one NumPy array (no per-column
    pandas work: it is called once per scored chunk)."""
    # a copy: a float64 frame of one block would hand out a read-only view of its data
    x = panel.loc[:, list(FEATURE_COLUMNS)].to_numpy(dtype=float, na_value=np.nan, copy=True)
    if kind == "hgb":
        days = x[:, _DAYS_IDX]
        x[:, _DAYS_IDX] = np.where(np.isnan(days), NEVER_DAYS, days)  # never = longer ago than anything
        return x
    never = np.isnan(x[:, _COL["last_severity"]]).astype(float)
    x[:, _COUNT_IDX] = np.log1p(np.clip(x[:, _COUNT_IDX], 0, None))
    x[:, _DAYS_IDX] = np.nan_to_num(np.exp(-x[:, _DAYS_IDX] / _DAYS_SCALE), nan=0.0)
    p = np.clip(x[:, _RATE_IDX], 1e-3, 1 - 1e-3)
    x[:, _RATE_IDX] = np.log(p / (1 - p))
    x[:, _SEVERITY_IDX] = np.nan_to_num(x[:, _SEVERITY_IDX], nan=0.0)
    # interactions a linear model cannot form itself: how recent the last inspection was, times
    # what it found (a serious finding last month is not one of three years ago), and the
    # business's own decayed serious rate times the (decayed) number of inspections behind it
    recency = x[:, _COL["days_since_insp"]]  # exp(-days / 180) by now; 0 = never inspected
    extra = np.column_stack(
        [
            never,
            x[:, _COL["last_severity"]] * recency,
            x[:, _COL["severity_2"]] * recency,
            x[:, _COL["serious_rate_decayed"]] * x[:, _COL["insp_decayed"]],
        ]
    )
    if state:
        return np.hstack([x, extra, state_terms(panel)])
    return np.hstack([x[:, _LOGIT_KEEP], extra])


def state_terms(panel: pd.DataFrame) -> np.ndarray:
    """Indicator terms of a business's current state for the logistic model (:data:`STATE_TERMS`).

    A linear model on severities and recency weights cannot form steps; these are the ones
    the simple rules exploit: the first year after the first licence (``first_year``) and the
    part of the next 90 days still in it (``first_year_left``); the latest inspection's result
    as a category (a 责令限期整改 or worse / a minor on-the-spot finding) in three recency bins
    (within 92 days, 93–365 days, older); the result of the inspection before it as a category
    (serious, minor, none: fewer than two inspections).

    >>> p = pd.DataFrame({"licence_age_days": [300.0, 800.0, np.nan], "days_since_insp": [30.0, 200.0, np.nan],
    ...                   "last_severity": [2.0, 1.0, np.nan], "severity_2": [0.0, 2.0, np.nan]})
    >>> t = pd.DataFrame(state_terms(p), columns=STATE_TERMS)
    >>> t.loc[0, ["first_year", "first_year_left", "last_serious_3m", "prev_serious", "prev_none"]].tolist()
    [1.0, 0.7222222222222222, 1.0, 0.0, 0.0]
    >>> t.loc[1, ["first_year", "last_minor_12m", "last_serious_3m", "prev_serious"]].tolist()
    [0.0, 1.0, 0.0, 1.0]
    >>> float(t.loc[2].sum())  # never inspected, no licence: only "no earlier inspection"
    1.0
    """

    def col(name: str) -> np.ndarray:
        return panel[name].to_numpy(dtype=float, na_value=np.nan)

    age, since = col("licence_age_days"), col("days_since_insp")
    last, prev = col("last_severity"), col("severity_2")
    with np.errstate(invalid="ignore"):
        bins = (since <= 92, (since > 92) & (since <= 365), since > 365)
        serious, minor = last >= 2, last == 1
        cols = [
            age < 365,
            np.clip((365.0 - np.nan_to_num(age, nan=NEVER_DAYS)) / 90.0, 0.0, 1.0),
            *[minor & b for b in bins],
            *[serious & b for b in bins],
            prev >= 2,
            prev == 1,
            np.isnan(prev),
        ]
    return np.column_stack(cols).astype(float)


class Blend:
    """The ensemble ``"blend"``: the logistic model and the tree model fitted on the same rows; its
    probability is the one of the mean of their log-odds (continuous, so it keeps the resolution
    of both; either model's mistakes are halved where the other is right)."""

    def __init__(self, random_state: int, params: dict[str, Any] | None = None) -> None:
        self.parts = {k: _estimator(k, random_state, params) for k in ("logit", "hgb")}

    @classmethod
    def of(cls, logit: Any, hgb: Any) -> Blend:
        """The blend of a fitted logistic model and a fitted tree model (no refitting)."""
        out = cls.__new__(cls)
        out.parts = {"logit": logit, "hgb": hgb}
        return out

    def fit(self, panel: pd.DataFrame, y: np.ndarray) -> Blend:
        for kind, est in self.parts.items():
            est.fit(_matrix(est, panel, kind), y)
        return self

    def predict(self, panel: pd.DataFrame) -> np.ndarray:
        odds = [
            Platt.logit(est.predict_proba(_matrix(est, panel, kind))[:, 1])
            for kind, est in self.parts.items()
        ]
        return 1 / (1 + np.exp(-np.mean(odds, axis=0)))


def _predict(estimator: Any, panel: pd.DataFrame, kind: str) -> np.ndarray:
    """The fitted ``estimator``'s probability for the rows of ``panel``."""
    if kind == "blend":
        return estimator.predict(panel)
    return estimator.predict_proba(_matrix(estimator, panel, kind))[:, 1]


def _matrix(estimator: Any, panel: pd.DataFrame, kind: str) -> np.ndarray:
    """:func:`design` for ``estimator`` (a logistic model fitted with the state terms keeps them)."""
    return design(panel, kind, state=bool(getattr(estimator, "state_terms_", False)))


def _threads(n: int | None) -> Any:
    """A context limiting the OpenMP / BLAS threads to ``n`` (no limit for ``None``)."""
    return threadpool_limits(limits=n) if n else contextlib.nullcontext()


def _estimator(kind: str, random_state: int, params: dict[str, Any] | None = None) -> Any:
    """A fresh estimator of ``kind``; ``params`` = ``{"logit": {...}, "hgb": {...}}`` overriding
    :data:`LOGIT_PARAMS` / :data:`HGB_PARAMS`."""
    params = params or {}
    if kind == "logit":
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        opts = {**LOGIT_PARAMS, **params.get("logit", {})}
        est = make_pipeline(StandardScaler(), LogisticRegression(C=float(opts["C"]), max_iter=2000))
        est.state_terms_ = bool(opts["state_terms"])  # which design it is fitted on
        return est
    if kind == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        opts = {**HGB_PARAMS, **params.get("hgb", {})}
        return HistGradientBoostingClassifier(
            learning_rate=float(opts["learning_rate"]),
            max_iter=int(opts["max_iter"]),
            max_leaf_nodes=int(opts["max_leaf_nodes"]),
            min_samples_leaf=int(opts["min_samples_leaf"]),
            l2_regularization=float(opts["l2_regularization"]),
            monotonic_cst=[1 if c in MONOTONE_UP else 0 for c in FEATURE_COLUMNS],
            early_stopping=False,
            random_state=random_state,
        )
    raise ValueError(f"unknown model kind {kind!r}: use one of {MODEL_KINDS + RULE_KINDS}")


def _fit_estimator(
    kind: str, rows: pd.DataFrame, random_state: int, params: dict[str, Any] | None = None
) -> Any:
    """A fresh estimator of ``kind`` fitted on ``rows`` (features and ``y``)."""
    y = rows["y"].astype(int).to_numpy()
    if kind == "blend":
        return Blend(random_state, params).fit(rows, y)
    est = _estimator(kind, random_state, params)
    return est.fit(_matrix(est, rows, kind), y)


def top_share_hit_rate(score: np.ndarray, rows: pd.DataFrame, share: float = 0.1) -> float:
    """Mean over the planning dates of ``rows`` of the hit rate (share of ``y``) among the top
    ``share`` of each date's rows by ``score`` (tied rows at the cut count with their mean).

    >>> rows = pd.DataFrame({"as_of": ["a"] * 10 + ["b"] * 10, "y": [1] + [0] * 9 + [0] * 9 + [1]})
    >>> top_share_hit_rate(np.r_[np.arange(10, 0, -1), np.arange(10)], rows)
    1.0
    >>> top_share_hit_rate(np.zeros(20), rows)  # one tied group: the base rate
    0.1
    """
    frame = pd.DataFrame(
        {"d": rows["as_of"].to_numpy(), "s": np.asarray(score, float), "y": rows["y"].to_numpy()}
    )
    rates = []
    for _, part in frame.groupby("d", sort=True):
        k = share * len(part)
        groups = part.groupby("s", sort=True)["y"].agg(["size", "sum"]).iloc[::-1]
        n, hits = groups["size"].cumsum().to_numpy(), groups["sum"].cumsum().to_numpy()
        j = int(np.searchsorted(n, k - 1e-9))
        before_n, before_h = (n[j - 1], hits[j - 1]) if j > 0 else (0, 0)
        rates.append((before_h + (k - before_n) * groups["sum"].iloc[j] / groups["size"].iloc[j]) / k)
    return float(np.mean(rates)) if rates else float("nan")


def fit_model(
    train: pd.DataFrame,
    kind: str = "logit",
    calibration_dates: int = 4,
    min_positives: int = 20,
    random_state: int = 0,
    *,
    horizon_months: int = 3,
    min_random_positives: int = 20,
    threads: int | None = 1,
    refit: bool | Iterable[str] = True,
    candidates: Iterable[str] = ("logit", "hgb", "blend"),
    params: dict[str, Any] | None = None,
) -> RiskModel:
    """Fit and calibrate on a training panel (features, ``as_of``, ``y``; ``y_random`` optional).

    Parameters
    ----------
    train : pandas.DataFrame
        From :func:`training_panel`.
    kind : str
        One of :data:`MODEL_KINDS` or :data:`RULE_KINDS`, or ``"auto"``: each of ``candidates`` is
        fitted on the fit dates and scored on the held-out calibration dates (rolling origin: the
        latest windows, after a gap of one horizon); the kind with the best top-10 % hit rate there
        (mean over those dates) is kept, its name in ``info["chosen"]`` and every candidate's hit
        rate in ``info["selection"]``.
    calibration_dates : int
        The latest planning dates held out for the calibration curve. The model is fitted on the
        dates whose outcome windows end by the first of them (a gap of ``horizon_months``), so
        no fitted window overlaps a calibration window. With too few dates for that, the model
        is fitted on every date and left uncalibrated (``calibration == "none"``).
    min_positives : int
        Fewest positives needed to fit a model; below it the ``"prior"`` rule is returned.
    horizon_months : int
        The outcome window (the gap between fitted and calibration windows).
    min_random_positives : int
        Fewest positives among 双随机-inspected rows of the calibration window needed to
        calibrate to the random draw (else to every inspected business).
    threads : int, optional
        Threads for fitting and scoring (OpenMP / BLAS); ``None`` = the libraries' default.
        One is fastest on a shared machine (idle threads of the tree model spin).
    refit : bool or iterable of str
        (Or the kinds for which:) after the calibration curve is fitted (on the held-out model's scores), fit the model
        again on every training date, the latest included, and rank with that fit; the curve
        (strictly increasing) maps its log-odds to the probability. Without it the ranking model
        never sees the latest ``calibration_dates`` + ``horizon_months`` dates.
    candidates : iterable of str
        The model kinds ``kind="auto"`` chooses from.
    params : dict, optional
        Hyper-parameters, ``{"logit": {"C": …}, "hgb": {"learning_rate": …, "max_iter": …,
        "max_leaf_nodes": …, "min_samples_leaf": …, "l2_regularization": …}}`` (``[model.logit]``
        / ``[model.hgb]``); missing ones from :data:`LOGIT_PARAMS` / :data:`HGB_PARAMS`.

    Returns
    -------
    RiskModel
        ``info``: ``n_train``, ``n_positive``, ``train_dates``, ``n_fit``, ``calibration``
        (``platt`` / ``none``), ``calibrated_to`` (``random`` / ``inspected`` / ``None``),
        ``n_calibration``, ``calibration_dates``, ``calibration_a``/``_b``; with the refit
        ``refit``, ``n_refit``, ``refit_dates``; with ``kind="auto"`` ``chosen`` and ``selection``.
    """
    y = train["y"].astype(int) if len(train) else pd.Series(dtype=int)
    dates = sorted(pd.to_datetime(train["as_of"]).unique()) if len(train) else []
    info: dict[str, Any] = {
        "n_train": int(len(train)),
        "n_positive": int(y.sum()),
        "train_dates": [pd.Timestamp(d).date() for d in dates],
        "calibration": "none",
        "calibrated_to": None,
    }
    if kind in RULE_KINDS:
        return RiskModel(kind, info=info)
    if kind not in MODEL_KINDS and kind != "auto":
        raise ValueError(f"unknown model kind {kind!r}: use one of {MODEL_KINDS + RULE_KINDS + ('auto',)}")
    if y.sum() < min_positives or y.nunique() < 2:
        log.warning("too few positive examples (%s): using the field prior", int(y.sum()))
        return RiskModel("prior", info=info)
    cal_dates = dates[-calibration_dates:] if calibration_dates > 0 else []
    fit_dates = [d for d in dates if cal_dates and d <= cal_dates[0] - pd.DateOffset(months=horizon_months)]
    as_of = pd.to_datetime(train["as_of"])
    fit_part = train[as_of.isin(fit_dates)]
    if len(fit_dates) < 3 or fit_part["y"].nunique() < 2:
        fit_part, cal_dates = train, []
    cal_part = train[as_of.isin(cal_dates)]
    kinds = [kind] if kind != "auto" else [k for k in candidates if k in MODEL_KINDS]
    if not kinds:
        raise ValueError(f"no model kind among the candidates {list(candidates)!r}")
    with _threads(threads):
        fitted: dict[str, Any] = {}
        for k in sorted(kinds, key=lambda k: k == "blend"):  # a blend reuses fitted parts
            if k == "blend" and {"logit", "hgb"} <= fitted.keys():
                fitted[k] = Blend.of(fitted["logit"], fitted["hgb"])
            else:
                fitted[k] = _fit_estimator(k, fit_part, random_state, params)
    if len(kinds) > 1 and len(cal_part) and cal_part["y"].nunique() == 2:
        selection = {
            k: top_share_hit_rate(
                RiskModel(k, estimator=e, threads=threads).ranking(cal_part), cal_part, share=0.1
            )
            for k, e in fitted.items()
        }
        chosen = max(kinds, key=lambda k: (selection[k], -kinds.index(k)))
        info["selection"] = {k: round(v, 4) for k, v in selection.items()}
    else:
        chosen = kinds[0]
    if kind == "auto":
        info["chosen"] = chosen
    model = RiskModel(chosen, estimator=fitted[chosen], info=info, threads=threads)
    info["n_fit"] = int(len(fit_part))
    info["fit_dates"] = len({*pd.to_datetime(fit_part["as_of"])})
    if len(cal_part) and cal_part["y"].nunique() == 2:
        target, to = cal_part, "inspected"
        if "y_random" in cal_part.columns:
            rnd = cal_part[cal_part["y_random"].notna()]
            if rnd["y_random"].sum() >= min_random_positives and rnd["y_random"].nunique() == 2:
                target, to = rnd.assign(y=rnd["y_random"]), "random"
        model.calibrator = Platt.fit(model.ranking(target), target["y"].astype(int).to_numpy())
        info.update(
            calibration="platt",
            calibrated_to=to,
            n_calibration=int(len(target)),
            calibration_dates=len(cal_dates),
            calibration_a=model.calibrator.a,
            calibration_b=model.calibrator.b,
        )
        refits = refit if isinstance(refit, bool) else chosen in tuple(refit)
        if refits:  # rank with a fit on every date; the curve was fitted on held-out scores
            with _threads(threads):
                model.estimator = _fit_estimator(chosen, train, random_state, params)
            info.update(refit=True, n_refit=int(len(train)), refit_dates=len(dates))
    values = train.loc[:, list(FEATURE_COLUMNS)].astype(float)
    medians = values.median()
    medians[values.isna().mean() > 0.5] = np.nan  # the typical business never had that event
    model.medians = medians
    return model


class PanelCache:
    """Feature panels by planning date, reused across the planning dates of a backtest.

    Keyed by (date, options); training panels use a sample share from a power-of-two grid (so
    neighbouring dates share it) and never depend on the scoring date. Holds at most
    ``max_entries`` dates (least recently used dropped): a backtest grows by about one panel per
    extra date. ``hits`` / ``misses`` count lookups.
    """

    def __init__(self, max_entries: int = 40) -> None:
        self.max_entries = int(max_entries)
        self.store: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self.store)

    def panel(self, ws: WorkspaceLike, dates: list[dt.date], **options: Any) -> pd.DataFrame:
        """Panel rows for ``dates`` (computed in one query for the missing ones)."""
        tag = tuple(sorted(options.items()))
        missing = [d for d in dates if (d, tag) not in self.store]
        self.hits += len(dates) - len(missing)
        self.misses += len(missing)
        if missing:
            fresh = feature_panel(ws, missing, **options)
            groups = dict(iter(fresh.groupby(fresh["as_of"].dt.date))) if len(fresh) else {}
            for d in missing:
                self.store[(d, tag)] = groups.get(d, fresh.iloc[0:0]).reset_index(drop=True)
        parts = []
        for d in dates:
            self.store.move_to_end((d, tag))
            parts.append(self.store[(d, tag)])
        while len(self.store) > self.max_entries:
            self.store.popitem(last=False)
        return pd.concat(parts, ignore_index=True) if parts else feature_panel(ws, [], **options)


def sample_share(
    ws: WorkspaceLike, first: Any, last: Any, horizon_months: int, max_rows: int | None
) -> float:
    """Share of training rows to keep so that about ``max_rows`` remain: a power of two (1, 1/2,
    1/4 …), so that planning dates near each other share it (and their cached panels)."""
    if not max_rows:
        return 1.0
    row = ws.store.query(
        "targeting/inspection_count",
        a=to_date(first),
        b=(pd.Timestamp(last) + pd.DateOffset(months=horizon_months)).date(),
    )
    bound = int(row["n"].iloc[0]) * max(int(horizon_months), 1)  # an inspection is in ~horizon windows
    if bound <= max_rows:
        return 1.0
    return 2.0 ** -math.ceil(math.log2(bound / max_rows))


def training_panel(
    ws: WorkspaceLike,
    as_of: Any,
    horizon_months: int = 3,
    train_months: int = 24,
    train_on: str = "inspected",
    panel_cache: PanelCache | None = None,
    max_rows: int | None = None,
    *,
    share: float | None = None,
) -> pd.DataFrame:
    """Features at monthly planning dates before ``as_of`` with their outcome ``y``.

    The last planning date is ``as_of - horizon_months``, so every outcome window ends by
    ``as_of``; outcomes count only if known before ``as_of`` (a complaint verdict given later
    does not). ``train_on="inspected"`` keeps the businesses inspected in the outcome window.
    ``y`` is the configured label; ``y_random`` what the window's 双随机抽查 found (NaN when the
    business had none). With ``max_rows``, a deterministic hash sample keeps about that many rows
    (``share`` fixes the sample share instead).
    """
    day = to_date(as_of)
    last = (pd.Timestamp(day) - pd.DateOffset(months=horizon_months)).date()
    dates = list(planning_grid(last, train_months))
    observed = horizon_months if train_on == "inspected" else None
    if share is None:
        share = sample_share(ws, dates[0], dates[-1], horizon_months, max_rows)
    options: dict[str, Any] = {"observed_horizon": observed, "sample_share": share}
    if panel_cache is None:
        panel = feature_panel(ws, dates, known_before=day, **options)
    else:  # every training window ends by ``as_of``: the panel of a date never depends on it
        panel = panel_cache.panel(ws, dates, **options)
    outs = outcomes(
        ws,
        dates,
        horizon_months,
        known_before=day,
        inspected_only=train_on == "inspected",
        sample_share=share,
    )
    merged = panel.merge(outs, on=["business_id", "as_of"], how="left")
    for col in ("inspected", "observed_any", "positive", "random_inspected", "random_positive"):
        merged[col] = merged[col].astype("boolean").fillna(False).astype(bool)
    if train_on == "inspected":
        merged = merged[merged["inspected"]]
    merged["y"] = merged["positive"].astype(int)
    merged["y_random"] = merged["random_positive"].astype(float).where(merged["random_inspected"])
    return merged.reset_index(drop=True)


def model_config(ws: WorkspaceLike, **overrides: Any) -> dict[str, Any]:
    """The ``[model]`` settings of ``routing.toml`` with overrides."""
    return {**rules(ws, "routing")["model"], **{k: v for k, v in overrides.items() if v is not None}}


def train(
    ws: WorkspaceLike,
    as_of: Any,
    horizon_months: int = 3,
    panel_cache: PanelCache | None = None,
    share: float | None = None,
    **settings: Any,
) -> RiskModel:
    """Train the configured model for scoring at ``as_of`` (settings from ``routing.toml``;
    ``share`` fixes the training sample share, see :func:`training_panel`)."""
    cfg = model_config(ws, **settings)
    data = training_panel(
        ws,
        as_of,
        horizon_months,
        int(cfg.get("train_months", 24)),
        cfg.get("train_on", "inspected"),
        panel_cache,
        cfg.get("max_train_rows"),
        share=share,
    )
    return fit(data, cfg, horizon_months)


def fit(data: pd.DataFrame, cfg: dict[str, Any], horizon_months: int, kind: str | None = None) -> RiskModel:
    """:func:`fit_model` with the ``[model]`` settings ``cfg`` (``kind`` overrides ``cfg["kind"]``)."""
    return fit_model(
        data,
        kind=kind or cfg.get("kind", "logit"),
        calibration_dates=int(cfg.get("calibration_months", 4)),
        min_positives=int(cfg.get("min_positives", 20)),
        random_state=int(cfg.get("random_state", 0)),
        horizon_months=horizon_months,
        min_random_positives=int(cfg.get("min_random_positives", 20)),
        threads=int(cfg["threads"]) if cfg.get("threads") else None,
        refit=_refits(cfg.get("refit", ("logit", "blend"))),
        candidates=tuple(cfg.get("candidates", ("logit", "hgb", "blend"))),
        params={k: dict(cfg.get(k, {})) for k in ("logit", "hgb")},
    )


def _refits(setting: Any) -> bool | tuple[str, ...]:
    """``[model] refit``: true / false, or the kinds that are refitted."""
    if isinstance(setting, bool):
        return setting
    return tuple(str(k) for k in setting)


def risk_scores(
    ws: WorkspaceLike,
    as_of: Any,
    horizon_months: int = 3,
    *,
    use_hotspots: bool = True,
    with_features: bool = False,
    explain: int | None = None,
    **model_settings: Any,
) -> pd.DataFrame:
    """Risk per business as of ``as_of``: ranking score, calibrated probability, rank, explanation.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    as_of : date-like
        Planning date; nothing dated on or after it is used, for features or for training.
    horizon_months : int
        Outcome window of the target (default 3).
    use_hotspots : bool
        Use the hotspot flags (a model feature and the explanation's note).
    with_features : bool
        Also return every feature column (used by the candidate routing).
    explain : int, optional
        Build explanations for the first ``explain`` rows by rank (default ``[model]
        explain_rows``; ``-1`` = every row); the others are left empty (NaN). See
        :func:`explain_scores` for more rows later.
    **model_settings
        Settings overriding ``[model]`` in ``routing.toml`` (``kind``, ``train_months``,
        ``calibration_months``, ``train_on`` …).

    Returns
    -------
    pandas.DataFrame
        One row per business known before ``as_of``: ``business_id``, ``uscc``, ``name``,
        ``township``, ``industry`` (GB/T 4754 class code), ``score`` (calibrated probability,
        0–1; see the module docstring for what it means), ``rank`` (1 = riskiest, by
        ``rank_score``; only identical histories share a rank), ``explanation`` (Chinese), then
        ``rank_score``, ``industry_name``, ``subject_type``. ``df.attrs["model"]`` holds the model's
        kind and training summary (``calibrated_to`` says what ``score`` means);
        ``df.attrs["risk_model"]`` the fitted :class:`RiskModel`.
    """
    day = to_date(as_of)
    cfg = model_config(ws, **model_settings)
    model = train(ws, day, horizon_months, **model_settings)  # its training panel is freed here
    rows = int(cfg.get("explain_rows", 1000)) if explain is None else int(explain)
    top = int(cfg.get("explain_top", 3))
    if with_features:  # the caller wants every feature of every row: one frame
        panel = feature_panel(ws, [day], use_hotspots=use_hotspots)
        return score_frame(panel, model, with_features=True, top=top, explain=rows, info=business_info(ws))
    return score_chunks(
        feature_chunks(ws, day, CHUNK_ROWS, use_hotspots=use_hotspots),
        model,
        top=top,
        explain=rows,
        info=business_info(ws),
    )


def score_chunks(
    chunks: Iterable[pd.DataFrame],
    model: RiskModel,
    top: int = 3,
    explain: int = -1,
    info: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`score_frame` (without the feature columns) of a panel given in chunks.

    Each chunk is scored and dropped; only ``business_id`` and the ranking score of every row are
    kept, plus the feature rows of the ``explain`` best so far (for their explanations). Memory is
    one chunk and a slim frame, whatever the number of businesses; the result is the one
    :func:`score_frame` gives for the whole panel.
    """
    ids, raws, best = [], [], None
    for part in chunks:
        if part.empty:
            continue
        if info is not None:
            part = part[part["business_id"].isin(info["business_id"])]
        raw = model.ranking(part) if len(part) else np.zeros(0)
        ids.append(part["business_id"].to_numpy(dtype=object))
        raws.append(raw)
        if explain != 0 and len(part):
            keep = part.assign(rank_score=raw)
            best = keep if best is None else pd.concat([best, keep], ignore_index=True)
            if explain > 0 and len(best) > explain:
                order = np.lexsort((best["business_id"].to_numpy(dtype=str), -best["rank_score"].to_numpy()))
                best = best.iloc[order[:explain]].reset_index(drop=True)
    slim = pd.DataFrame(
        {
            "business_id": pd.array(np.concatenate(ids) if ids else np.array([], dtype=object), dtype="str"),
            "rank_score": np.concatenate(raws) if raws else np.zeros(0),
        }
    )
    if info is not None:
        slim = info.merge(slim, on="business_id", how="inner")
    raw = slim["rank_score"].to_numpy(dtype=float)
    slim["score"] = model.calibrator(raw) if model.calibrator is not None and len(slim) else raw
    slim["rank"] = pd.array(rank_min(raw, raw), dtype="Int64")
    slim = slim.sort_values(["rank", "business_id"], ignore_index=True)
    slim["explanation"] = pd.Series(np.nan, index=slim.index, dtype="str")
    n = len(slim) if explain < 0 else min(int(explain), len(slim))
    if n and best is not None:
        # the rows as score_frame sees them: descriptive columns from ``info``, features from the panel
        head = slim.iloc[:n].drop(columns=["explanation"])
        feats = best.drop(
            columns=["rank_score", *[c for c in head.columns if c != "business_id"]], errors="ignore"
        )
        head = head.merge(feats, on="business_id", how="left")
        slim.loc[: n - 1, "explanation"] = describe(head, model.contributions(head), top=top).to_numpy()
    cols = [c for c in (*SCORE_COLUMNS, "rank_score", "industry_name", "subject_type") if c in slim.columns]
    return _with_model(slim[cols], model, top)


def _with_model(result: pd.DataFrame, model: RiskModel, top: int) -> pd.DataFrame:
    """``result`` with the model's summary and the model itself in ``attrs``."""
    result.attrs["model"] = {
        "kind": model.kind,
        **{k: v for k, v in model.info.items() if k != "train_dates"},
    }
    result.attrs["risk_model"] = model
    result.attrs["explain_top"] = top
    return result


def score_frame(
    feats: pd.DataFrame,
    model: RiskModel,
    with_features: bool = False,
    top: int = 3,
    explain: int = -1,
    info: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score, rank and explain a feature frame (:func:`~guidance_analytics.targeting.features` or a
    :func:`~guidance_analytics.targeting.feature_panel` of one date with ``info`` =
    :func:`~guidance_analytics.targeting.business_info`)."""
    out = feats.reset_index(drop=True)
    if info is not None:
        out = info.merge(out.drop(columns=["township"]), on="business_id", how="inner")
    raw = model.ranking(out) if len(out) else np.zeros(0)
    out["rank_score"] = raw
    out["score"] = model.calibrator(raw) if model.calibrator is not None and len(out) else raw
    out["rank"] = pd.array(rank_min(raw, raw), dtype="Int64")
    out = out.sort_values(["rank", "business_id"], ignore_index=True)
    out["explanation"] = pd.Series(np.nan, index=out.index, dtype="str")
    n = len(out) if explain < 0 else min(int(explain), len(out))
    if n:
        head = out.iloc[:n]
        out.loc[: n - 1, "explanation"] = describe(head, model.contributions(head), top=top).to_numpy()
    cols = [*SCORE_COLUMNS, "rank_score", "industry_name", "subject_type"]
    cols = [c for c in cols if c in out.columns]
    if with_features:
        cols += [c for c in out.columns if c not in cols]
    return _with_model(out[cols].copy(), model, top)


def explain_scores(
    scores: pd.DataFrame, rows: Any = None, *, model: RiskModel | None = None, top: int | None = None
) -> pd.DataFrame:
    """Fill the explanations of ``rows`` (index labels; default every row still without one).

    ``scores`` must hold the feature columns (:func:`risk_scores` with ``with_features=True``, or
    rows derived from it); the model is ``model`` or ``scores.attrs["risk_model"]``. Returns a
    copy with ``explanation`` filled there.
    """
    model = model if model is not None else scores.attrs.get("risk_model")
    if model is None:
        raise ValueError("no risk model: pass model= or use risk_scores(..., with_features=True)")
    out = scores.copy()
    if "explanation" not in out.columns:
        out["explanation"] = pd.Series(np.nan, index=out.index, dtype="str")
    idx = out.index if rows is None else pd.Index(rows)
    todo = idx[out.loc[idx, "explanation"].isna().to_numpy()]
    if len(todo):
        part = out.loc[todo]
        n = int(top if top is not None else scores.attrs.get("explain_top", 3))
        out.loc[todo, "explanation"] = describe(part, model.contributions(part), top=n).to_numpy()
    return out


def rank_min(score: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """1-based ranks by ``score`` then ``tiebreak`` (both descending); equal pairs share the lowest.

    >>> rank_min(np.array([0.5, 0.9, 0.5, 0.5]), np.array([0.2, 0.1, 0.3, 0.2])).tolist()
    [3, 1, 2, 3]
    """
    n = len(score)
    order = np.lexsort((-tiebreak, -score))
    s, t = score[order], tiebreak[order]
    same = np.r_[False, (s[1:] == s[:-1]) & (t[1:] == t[:-1])]
    first = np.maximum.accumulate(np.where(same, 0, np.arange(1, n + 1)))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = first
    return ranks
