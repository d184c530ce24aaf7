"""Risk model: calibrated probability of a problem in the next months, with Chinese explanations.

The target for a business at a planning date ``as_of`` is: an inspection that found a problem
(result severity >= 1), a penalty decision, or a substantiated (属实/部分属实) complaint within
``[as_of, as_of + horizon_months)``. The model is trained only on planning dates whose outcome window
ends by ``as_of``, with labels known before ``as_of`` (no leakage). By default it is trained on the
businesses whose outcome could be observed (inspected in the window): the score reads "the chance
that a look at this business in the coming months finds a problem".

Probabilities are calibrated on the latest training planning dates (a later time slice), isotonic
when there are enough positives, else sigmoid. Explanations name the signal groups that raise the
score most: for trees, the score drop when the group's features are set to the training population's median
(for the logistic regression this equals the sum of coefficient × standardised difference from
the median, passed through the calibrated link).

The backtest lives in :mod:`guidance_analytics.targeting.backtest`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, planning_grid, rules, to_date
from .explain import GROUPS, describe
from .feature_table import (
    COUNT_COLUMNS,
    DAYS_COLUMNS,
    FEATURE_COLUMNS,
    feature_panel,
    features,
    outcomes,
)

log = logging.getLogger(__name__)

#: Days-since value standing for "never" in the tree model's input.
NEVER_DAYS = 9999.0

SCORE_COLUMNS = ("business_id", "uscc", "name", "township", "industry", "score", "rank", "explanation")

#: Chinese headers of the score table people read.
SCORE_HEADERS = {
    "business_id": "主体标识",
    "uscc": "统一社会信用代码",
    "name": "行政相对人名称",
    "township": "所属乡镇",
    "industry": "行业代码",
    "score": "风险分",
    "rank": "排名",
    "explanation": "主要风险信号",
    "industry_name": "行业",
    "subject_type": "行政相对人类别",
}


@dataclass
class RiskModel:
    """A fitted, calibrated model (or the fallback rule when there were too few examples)."""

    kind: str
    estimator: Any = None
    medians: pd.Series | None = None
    info: dict[str, Any] = field(default_factory=dict)
    base: Any = None

    def predict(self, panel: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities for the rows of a feature panel."""
        if self.kind == "rule":
            return fallback_score(panel).to_numpy(dtype=float)
        return self.estimator.predict_proba(design(panel, self.kind))[:, 1]

    def ranking(self, panel: pd.DataFrame) -> np.ndarray:
        """The uncalibrated model score: same order as :meth:`predict` (isotonic calibration is
        monotone) but without the ties of its steps, so it ranks within a calibrated step."""
        if self.kind == "rule" or self.base is None:
            return self.predict(panel)
        return self.base.predict_proba(design(panel, self.kind))[:, 1]

    def contributions(self, panel: pd.DataFrame) -> pd.DataFrame:
        """Per-row contribution of each signal group (positive = raises the risk).

        Measured on the uncalibrated model score (:meth:`ranking`): the isotonic calibration is a
        step function, so resetting a group often leaves the calibrated score on the same step
        and would hide the signals of exactly the top-ranked businesses."""
        out = {}
        if self.kind == "rule":
            used = {"problems": "prob_12m", "substantiated": "sub_12m", "penalties": "pen_12m"}
            for group in GROUPS:
                out[group] = (
                    panel[used[group]].to_numpy(dtype=float) if group in used else np.zeros(len(panel))
                )
            return pd.DataFrame(out, index=panel.index)
        base = self.ranking(panel)
        for group, cols in GROUPS.items():
            changed = panel.copy()
            for col in cols:
                changed[col] = self.medians[col]
            out[group] = base - self.ranking(changed)
        return pd.DataFrame(out, index=panel.index)


def rule_score(panel: pd.DataFrame) -> pd.Series:
    """The simple rule: substantiated complaints in the last 12 months (more = riskier)."""
    return panel["sub_12m"].astype(float)


def fallback_score(panel: pd.DataFrame) -> pd.Series:
    """Score used when there are too few examples to fit a model (not calibrated): with ``n`` =
    problems found + substantiated complaints + penalties in the last 12 months, ``n / (1 + n)``."""
    n = panel["prob_12m"] + panel["sub_12m"] + panel["pen_12m"]
    return (n / (1.0 + n)).astype(float)


def design(panel: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The model's input matrix. Trees take the raw features ("never" = 9999 days); the logistic
    regression takes log counts, recency weights exp(-days/180) and logit rates."""
    x = panel.loc[:, list(FEATURE_COLUMNS)].astype(float)
    if kind != "logit":
        for col in DAYS_COLUMNS:  # never happened = longer ago than anything observed
            x[col] = x[col].fillna(NEVER_DAYS)
        return x.fillna(0.0)
    for col in COUNT_COLUMNS:
        x[col] = np.log1p(x[col].clip(lower=0))
    for col in DAYS_COLUMNS:
        scale = 720.0 if col in ("licence_age_days", "days_since_permit") else 180.0
        x[col] = np.exp(-x[col] / scale).fillna(0.0)
    x["last_severity"] = x["last_severity"].fillna(0.0)
    for col in ("field_problem_rate", "division_problem_rate", "township_problem_rate"):
        p = x[col].clip(1e-3, 1 - 1e-3)
        x[col] = np.log(p / (1 - p))
    return x


def _estimator(kind: str, random_state: int) -> Any:
    if kind == "logit":
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), LogisticRegression(C=0.3, max_iter=2000))
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=250,
        max_leaf_nodes=15,
        min_samples_leaf=50,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=random_state,
    )


class Calibrated:
    """A fitted model whose probabilities are recalibrated on a later time slice.

    ``method="isotonic"`` fits a monotone step function of the model's score; ``"sigmoid"`` a
    logistic curve of its log-odds (Platt scaling), for calibration sets with few positives.
    """

    def __init__(self, base: Any, method: str = "isotonic") -> None:
        self.base = base
        self.method = method
        self.calibrator: Any = None

    @staticmethod
    def _logit(p: np.ndarray) -> np.ndarray:
        p = np.clip(p, 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p)).reshape(-1, 1)

    def fit(self, raw: np.ndarray, y: np.ndarray) -> Calibrated:
        if self.method == "isotonic":
            from sklearn.isotonic import IsotonicRegression

            self.calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, y)
        else:
            from sklearn.linear_model import LogisticRegression

            self.calibrator = LogisticRegression(C=1e6).fit(self._logit(raw), y)
        return self

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        if self.method == "isotonic":
            return np.asarray(self.calibrator.predict(raw), dtype=float)
        return self.calibrator.predict_proba(self._logit(raw))[:, 1]

    def predict_proba(self, x: Any) -> np.ndarray:
        p = self.calibrate(self.base.predict_proba(x)[:, 1])
        return np.column_stack([1 - p, p])


def fit_model(
    train: pd.DataFrame,
    kind: str = "logit",
    calibration_dates: int = 4,
    min_positives: int = 20,
    random_state: int = 0,
) -> RiskModel:
    """Fit and calibrate on a training panel (features + ``y`` + ``as_of``).

    The latest ``calibration_dates`` planning dates calibrate the probabilities; the earlier ones fit
    the model. With fewer than ``min_positives`` positives the fallback rule is returned
    (:func:`fallback_score`, not calibrated; ``kind == "rule"``).
    """
    y = train["y"].astype(int)
    info = {
        "n_train": int(len(train)),
        "n_positive": int(y.sum()),
        "train_dates": sorted({d.date() for d in pd.to_datetime(train["as_of"])}),
    }
    if y.sum() < min_positives or y.nunique() < 2:
        log.warning("too few positive examples (%s): using the simple rule", int(y.sum()))
        return RiskModel("rule", info=info)
    dates = sorted(train["as_of"].unique())
    cal_dates = dates[-calibration_dates:] if len(dates) > calibration_dates + 1 else []
    fit_part = train[~train["as_of"].isin(cal_dates)]
    cal_part = train[train["as_of"].isin(cal_dates)]
    if fit_part["y"].nunique() < 2:
        fit_part, cal_part = train, train.iloc[0:0]
    base = _estimator(kind, random_state).fit(design(fit_part, kind), fit_part["y"].astype(int))
    n_cal_pos = int(cal_part["y"].sum()) if len(cal_part) else 0
    if len(cal_part) and cal_part["y"].nunique() == 2:
        method = "isotonic" if n_cal_pos >= 50 else "sigmoid"
        raw = base.predict_proba(design(cal_part, kind))[:, 1]
        est = Calibrated(base, method).fit(raw, cal_part["y"].to_numpy(dtype=int))
    else:
        method = "none"
        est = base
    info.update(calibration=method, n_calibration=int(len(cal_part)), calibration_dates=len(cal_dates))
    values = train.loc[:, list(FEATURE_COLUMNS)].astype(float)
    medians = values.median()
    medians[values.isna().mean() > 0.5] = np.nan  # the typical business never had that event
    return RiskModel(kind, estimator=est, medians=medians, info=info, base=base)


def training_panel(
    ws: WorkspaceLike,
    as_of: Any,
    horizon_months: int = 3,
    train_months: int = 24,
    train_on: str = "inspected",
    panel_cache: dict | None = None,
    max_rows: int | None = None,
) -> pd.DataFrame:
    """Features at monthly planning dates before ``as_of`` with their outcome ``y``.

    The last planning date is ``as_of - horizon_months``, so every outcome window ends by
    ``as_of``; outcomes count only if known before ``as_of``. ``train_on="inspected"`` keeps the
    businesses inspected in the outcome window (selected in SQL). With ``max_rows``, a deterministic
    hash sample keeps about that many rows (large workspaces).
    """
    day = to_date(as_of)
    last = (pd.Timestamp(day) - pd.DateOffset(months=horizon_months)).date()
    dates = list(planning_grid(last, train_months))
    observed = horizon_months if train_on == "inspected" else None
    share = _sample_share(ws, dates, horizon_months, max_rows)
    panel = panel_for(ws, dates, panel_cache, observed_horizon=observed, known_before=day, sample_share=share)
    outs = outcomes(
        ws,
        dates,
        horizon_months,
        known_before=day,
        inspected_only=train_on == "inspected",
        sample_share=share,
    )
    merged = panel.merge(outs, on=["business_id", "as_of"], how="left")
    for col in ("inspected", "observed_any", "positive"):
        merged[col] = merged[col].astype("boolean").fillna(False).astype(bool)
    if train_on == "inspected":
        merged = merged[merged["inspected"]]
    merged["y"] = merged["positive"].astype(int)
    return merged.reset_index(drop=True)


def _sample_share(
    ws: WorkspaceLike, dates: list[dt.date], horizon_months: int, max_rows: int | None
) -> float:
    if not max_rows:
        return 1.0
    row = ws.store.query(
        "targeting/inspection_count",
        a=dates[0],
        b=(pd.Timestamp(dates[-1]) + pd.DateOffset(months=horizon_months)).date(),
    )
    bound = int(row["n"].iloc[0]) * max(horizon_months, 1)
    return 1.0 if bound <= max_rows else max_rows / bound


def panel_for(ws: WorkspaceLike, dates: list[dt.date], cache: dict | None, **kwargs: Any) -> pd.DataFrame:
    """Feature panel for ``dates``, reusing and filling ``cache`` (keyed by date and options)."""
    if cache is None:
        return feature_panel(ws, dates, **kwargs)
    tag = (kwargs.get("observed_horizon"), kwargs.get("sample_share", 1.0))
    missing = [d for d in dates if (d, tag) not in cache]
    if missing:
        fresh = feature_panel(ws, missing, **kwargs)
        for d, part in fresh.groupby(fresh["as_of"].dt.date):
            cache[(d, tag)] = part
        for d in missing:
            cache.setdefault((d, tag), fresh.iloc[0:0])
    return pd.concat([cache[(d, tag)] for d in dates], ignore_index=True)


def train(
    ws: WorkspaceLike,
    as_of: Any,
    horizon_months: int = 3,
    panel_cache: dict | None = None,
    **model_settings: Any,
) -> RiskModel:
    """Train the configured model for scoring at ``as_of`` (settings from ``routing.toml``)."""
    cfg = {**rules(ws, "routing")["model"], **model_settings}
    data = training_panel(
        ws,
        as_of,
        horizon_months,
        int(cfg.get("train_months", 24)),
        cfg.get("train_on", "inspected"),
        panel_cache,
        cfg.get("max_train_rows"),
    )
    return fit_model(
        data,
        kind=cfg.get("kind", "hgb"),
        calibration_dates=int(cfg.get("calibration_months", 4)),
        min_positives=int(cfg.get("min_positives", 20)),
        random_state=int(cfg.get("random_state", 0)),
    )


def risk_scores(
    ws: WorkspaceLike,
    as_of: Any,
    horizon_months: int = 3,
    *,
    use_hotspots: bool = True,
    with_features: bool = False,
    **model_settings: Any,
) -> pd.DataFrame:
    """Calibrated risk per business as of ``as_of``, ranked, with Chinese explanations.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    as_of : date-like
        Date-like
        Planning date; nothing dated on or after it is used, for features or for training.
    horizon_months : int
        Outcome window of the target (default 3).
    use_hotspots : bool
        Add the hotspot feature when the hotspot module is installed (only for the
        explanation and routing; the model itself uses the smoother field rates).
    with_features : bool
        Also return every feature column (used by the candidate routing).
    **model_settings
        Model settings overriding ``[model]`` in ``routing.toml`` (``kind``,
        ``train_months``, ``calibration_months``, ``train_on`` …).

    Returns
    -------
    pandas.DataFrame
        One row per business known before ``as_of``: ``business_id``, ``uscc``, ``name``,
        ``township``, ``industry`` (GB/T 4754 class code), ``score`` (probability, 0–1), ``rank``
        (1 = riskiest; within a calibration step by the uncalibrated model score; exact ties share the
        lowest rank), ``explanation`` (Chinese), then ``industry_name``,
        ``subject_type``. ``df.attrs["model"]`` holds the model's kind and training summary.
    """
    feats = features(ws, as_of, use_hotspots=use_hotspots)
    model = train(ws, as_of, horizon_months, **model_settings)
    return score_frame(
        feats,
        model,
        with_features=with_features,
        top=int(rules(ws, "routing")["model"].get("explain_top", 3)),
    )


def score_frame(
    feats: pd.DataFrame, model: RiskModel, with_features: bool = False, top: int = 3
) -> pd.DataFrame:
    """Score and explain a feature frame from :func:`~guidance_analytics.targeting.features`."""
    out = feats.copy()
    if out.empty:
        out["score"] = pd.Series(dtype=float)
        out["rank"] = pd.Series(dtype="Int64")
        out["explanation"] = pd.Series(dtype="str")
    else:
        in_hotspot = out["in_hotspot"].copy()
        out["in_hotspot"] = 0.0  # the model does not use the hotspot flag (see risk_scores)
        out["score"] = model.predict(out)
        raw = model.ranking(out)
        contrib = model.contributions(out)
        out["in_hotspot"] = in_hotspot
        out["explanation"] = describe(out, contrib, top=top)
        # rank by the calibrated score, ties within a calibration step broken by the model's own score
        out["rank"] = pd.array(rank_min(out["score"].to_numpy(dtype=float), raw), dtype="Int64")
        out = out.sort_values(["rank", "business_id"], ignore_index=True)
    cols = [*SCORE_COLUMNS, "industry_name", "subject_type"]
    if with_features:
        cols += [c for c in out.columns if c not in cols]
    result = out[cols].copy()
    result.attrs["model"] = {
        "kind": model.kind,
        **{k: v for k, v in model.info.items() if k != "train_dates"},
    }
    return result


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
