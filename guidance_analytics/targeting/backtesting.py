"""Rolling-origin backtest of the risk ranking against a random draw and a simple rule.

For each planning date the model is trained exactly as :func:`~guidance_analytics.targeting.risk_scores` would train it
then (only outcomes known before that date), businesses are ranked, and the ranking is compared
with what happened in the following ``horizon_months``. Only businesses whose outcome could be
observed are evaluated (by default: inspected in the window), because a business nobody looked at
has an unknown outcome, not a clean one.

Three selections of size k are compared on those businesses:

- **random draw** (the 双随机 status quo): expected precision = the base rate;
- **simple rule**: most substantiated complaints in the last 12 months;
- **model**: highest risk score (the calibrated score's order; within one isotonic step, the
  uncalibrated model score, as :func:`~guidance_analytics.targeting.risk_scores` ranks).

Ties are handled honestly: when several businesses share the score at the cut-off, the expected
number of hits under random tie-breaking is counted (hits above the cut-off + the places left ×
the hit rate among the tied).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, month_starts, rules, to_date
from .feature_table import outcomes
from .risk import fit_model, panel_for, rule_score, training_panel

BACKTEST_COLUMNS = (
    "as_of",
    "k_type",
    "k_param",
    "k",
    "n_eval",
    "n_positive",
    "base_rate",
    "hits_model",
    "precision_model",
    "recall_model",
    "lift_model",
    "hits_rule",
    "precision_rule",
    "recall_rule",
    "lift_rule",
    "model_vs_rule",
)


def expected_hits_at_k(scores: Sequence[float], positive: Sequence[bool], k: int) -> float:
    """Expected hits among the top ``k`` by score, breaking ties at the cut-off at random.

    >>> expected_hits_at_k([3, 2, 2, 2, 1], [1, 1, 0, 0, 1], 2)
    1.3333333333333333
    """
    s = np.asarray(scores, dtype=float)
    y = np.asarray(positive, dtype=float)
    n = len(s)
    if k <= 0 or n == 0:
        return 0.0
    k = min(int(k), n)
    cut = np.sort(s)[::-1][k - 1]
    above = s > cut
    tied = s == cut
    n_above = int(above.sum())
    return float(y[above].sum() + (k - n_above) * y[tied].mean())


def k_values(n_eval: int, counts: Sequence[int], shares: Sequence[float]) -> list[tuple[str, float, int]]:
    """The ``(k_type, k_param, k)`` cut-offs for ``n_eval`` businesses (counts capped at n_eval)."""
    out: list[tuple[str, float, int]] = [("count", float(c), min(int(c), n_eval)) for c in counts]
    out += [("share", float(s), max(1, int(round(s * n_eval)))) for s in shares]
    return [row for row in out if n_eval > 0]


def evaluate(
    scores: pd.Series, rule: pd.Series, positive: pd.Series, counts: Sequence[int], shares: Sequence[float]
) -> pd.DataFrame:
    """Precision, recall and lift at each k for the model scores and the rule on one evaluated set."""
    y = positive.astype(bool).to_numpy()
    n_eval, n_pos = len(y), int(y.sum())
    base = n_pos / n_eval if n_eval else np.nan
    rows = []
    for k_type, k_param, k in k_values(n_eval, counts, shares):
        hm = expected_hits_at_k(scores.to_numpy(), y, k)
        hr = expected_hits_at_k(rule.to_numpy(), y, k)
        pm, pr = hm / k, hr / k
        rows.append(
            {
                "k_type": k_type,
                "k_param": k_param,
                "k": k,
                "n_eval": n_eval,
                "n_positive": n_pos,
                "base_rate": base,
                "hits_model": hm,
                "precision_model": pm,
                "recall_model": hm / n_pos if n_pos else np.nan,
                "lift_model": pm / base if base else np.nan,
                "hits_rule": hr,
                "precision_rule": pr,
                "recall_rule": hr / n_pos if n_pos else np.nan,
                "lift_rule": pr / base if base else np.nan,
                "model_vs_rule": pm / pr if pr else np.nan,
            }
        )
    return pd.DataFrame(rows)


def backtest(
    ws: WorkspaceLike,
    start: Any,
    end: Any,
    horizon_months: int = 3,
    step_months: int = 1,
    k: Sequence[float] | None = None,
    observe: str | None = None,
    *,
    progress: bool = False,
    **model_settings: Any,
) -> pd.DataFrame:
    """Rolling-origin backtest: precision@k, recall@k, lift vs random draw and vs a simple rule.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    start, end : date-like
        First and last planning dates (monthly steps of ``step_months``); planning dates
        whose outcome window is not over in the data are still evaluated on what is there.
    horizon_months : int
        Outcome window (default 3).
    k : Sequence[float], optional
        Cut-offs; integers >= 1 are counts, numbers below 1 are shares of the evaluated businesses
        (default from ``[backtest]`` in ``routing.toml``).
    observe : str, optional
        ``"inspected"`` (evaluate businesses inspected in the window) or ``"any"``
        (inspected, penalised or with a complaint checked).
    progress : bool
        Show a progress bar (tqdm) over the planning dates.
    **model_settings
        Model settings (``kind``, ``train_months`` …) as in :func:`~guidance_analytics.targeting.risk_scores`.

    Returns
    -------
    pandas.DataFrame
        One row per planning date × k: ``as_of``, ``k_type`` (count/share), ``k_param``,
        ``k`` (businesses selected), ``n_eval``, ``n_positive``, ``base_rate`` (= precision of a random
        draw), ``hits_model``, ``precision_model``, ``recall_model``, ``lift_model`` (precision / base
        rate), the same for ``_rule``, and ``model_vs_rule`` (precision ratio). Hits are expected
        values under random tie-breaking. Pool the dates with :func:`summarize_backtest`.
    """
    cfg = rules(ws, "routing")
    bt_cfg, model_cfg = cfg["backtest"], {**cfg["model"], **model_settings}
    if k is None:
        counts, shares = list(bt_cfg["k_counts"]), list(bt_cfg["k_shares"])
    else:
        counts = [int(v) for v in k if v >= 1]
        shares = [float(v) for v in k if v < 1]
    observe = observe or bt_cfg.get("observe", "inspected")
    cache: dict[dt.date, pd.DataFrame] = {}
    frames = []
    days: Any = month_starts(start, end, step_months)
    if progress:
        from tqdm import tqdm

        days = tqdm(days, desc="回测", unit="个计划日期")
    for day in days:
        train = training_panel(
            ws,
            day,
            horizon_months,
            int(model_cfg.get("train_months", 24)),
            model_cfg.get("train_on", "inspected"),
            cache,
            model_cfg.get("max_train_rows"),
        )
        model = fit_model(
            train,
            kind=model_cfg.get("kind", "hgb"),
            calibration_dates=int(model_cfg.get("calibration_months", 4)),
            min_positives=int(model_cfg.get("min_positives", 20)),
            random_state=int(model_cfg.get("random_state", 0)),
        )
        now = panel_for(ws, [day], cache, observed_horizon=horizon_months if observe == "inspected" else None)
        truth = outcomes(ws, [day], horizon_months)
        evald = now.merge(truth, on=["business_id", "as_of"], how="inner")
        evald = evald[evald["inspected"] if observe == "inspected" else evald["observed_any"]]
        if evald.empty:
            continue
        table = evaluate(
            pd.Series(model.ranking(evald)),
            rule_score(evald).reset_index(drop=True),
            evald["positive"].reset_index(drop=True),
            counts,
            shares,
        )
        table.insert(0, "as_of", pd.Timestamp(day))
        table["model_kind"] = model.kind
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=[*BACKTEST_COLUMNS, "model_kind"])
    return pd.concat(frames, ignore_index=True)


def summarize_backtest(bt: pd.DataFrame) -> pd.DataFrame:
    """Pool a backtest over its planning dates: one row per k.

    Returns ``k_type``, ``k_param``, ``dates``, ``k`` (total selected), ``n_eval``, ``n_positive``,
    ``base_rate``, ``precision_model``, ``recall_model``, ``lift_model``, ``precision_rule``,
    ``recall_rule``, ``lift_rule``, ``model_vs_rule`` (pooled: total hits / total selected).
    """
    if bt.empty:
        return pd.DataFrame()
    g = bt.groupby(["k_type", "k_param"], sort=False)
    out = g.agg(
        dates=("as_of", "nunique"),
        k=("k", "sum"),
        n_eval=("n_eval", "sum"),
        n_positive=("n_positive", "sum"),
        hits_model=("hits_model", "sum"),
        hits_rule=("hits_rule", "sum"),
    ).reset_index()
    out["base_rate"] = out["n_positive"] / out["n_eval"]
    for m in ("model", "rule"):
        out[f"precision_{m}"] = out[f"hits_{m}"] / out["k"]
        out[f"recall_{m}"] = out[f"hits_{m}"] / out["n_positive"]
        out[f"lift_{m}"] = out[f"precision_{m}"] / out["base_rate"]
    out["model_vs_rule"] = out["precision_model"] / out["precision_rule"]
    return out.drop(columns=["hits_model", "hits_rule"])


#: Chinese headers for the backtest tables people read.
BACKTEST_HEADERS = {
    "as_of": "计划日期",
    "k_type": "k类型",
    "k_param": "k参数",
    "k": "选取数",
    "dates": "计划期数",
    "n_eval": "可观察主体数",
    "n_positive": "实际发现问题数",
    "base_rate": "随机抽取命中率",
    "precision_model": "模型命中率",
    "recall_model": "模型召回率",
    "lift_model": "模型提升倍数",
    "precision_rule": "规则命中率",
    "recall_rule": "规则召回率",
    "lift_rule": "规则提升倍数",
    "model_vs_rule": "模型/规则",
}


def backtest_dates(start: Any, end: Any, step_months: int = 1) -> list[dt.date]:
    """The planning dates a backtest from ``start`` to ``end`` uses."""
    return month_starts(to_date(start), to_date(end), step_months)


def backtest_report(
    ws: WorkspaceLike, start: Any, end: Any, horizon_months: int = 3, step_months: int = 1, **kwargs: Any
) -> tuple[pd.DataFrame, str]:
    """Run the backtest and pool it; return the pooled table (``k_type`` as 户数/比例, for people)
    and a Chinese text summary."""
    pooled = summarize_backtest(backtest(ws, start, end, horizon_months, step_months, **kwargs))
    if pooled.empty:
        return pooled, "回测期内没有可观察的主体。"
    lines = [
        f"风险模型回测（{to_date(start)} 至 {to_date(end)}，预测期{horizon_months}个月，"
        f"评估对象：预测期内接受检查的主体）："
    ]
    for r in pooled.itertuples(index=False):
        k = f"前{r.k_param:.0%}" if r.k_type == "share" else f"前{int(r.k_param)}户"
        lines.append(
            f"  {k}：命中率 模型{r.precision_model:.1%} / 规则{r.precision_rule:.1%} / 随机"
            f"{r.base_rate:.1%}；提升 模型{r.lift_model:.2f}倍、规则{r.lift_rule:.2f}倍"
        )
    table = pooled.assign(k_type=pooled["k_type"].map({"count": "户数", "share": "比例"}))
    return table, "\n".join(lines)
