"""The estimators the benchmark scores: the one under test, and named simple baselines.

Plugging in a new estimator
---------------------------
An estimator is a function ``fn(ws, *, window_months, as_of, n_boot, seed)`` that reads only the
workspace ``ws`` (never the truth) and returns a dict — or a list of dicts, one per figure it
reports — with:

``estimate``
    the effect of guidance on violations (inspections that found a problem + penalties) per
    guided business in the ``window_months`` after guidance — the unit of ``ws.guidance_effects``
    ``did`` column;
``ci_low``, ``ci_high``
    its 95 % interval (NaN when it gives none);
``significant`` (optional)
    whether it claims an effect; default: the interval excludes 0;
``verdict`` (optional)
    e.g. 有效 / 无显著变化 / 数据不足以判断; ``数据不足以判断`` counts as "no claim" whatever
    ``significant`` says;
``estimand`` (optional)
    ``"att"`` (default: the mean effect on the registered entries) or ``"itt"`` (the
    intention-to-treat effect of being drawn, averaged over a draw's pool — the randomised
    route's figure);
``name`` (optional; required when a list is returned)
    the row label in the results; default the function's name;
and any other numbers (``n_cases`` …), kept in the per-run CSV.

Run it with ``python benchmarks/eval_effects_sim.py --estimator my.module:my_function`` (the
module must be importable, e.g. from the worktree root on ``PYTHONPATH``), or change
:data:`UNDER_TEST` below. The baselines in :data:`BASELINES` run beside it in every run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .selection import VIOLATION_RESULTS

Z95 = 1.959963984540054
#: Months before a round within which a business counts as still guided (the simulation's
#: cooldown and the 12 months guidance is assumed to act).
GUIDED_MONTHS = 12

Estimator = Callable[..., Any]


def current_guidance_effects(
    ws: Any, *, window_months: int, as_of: Any, n_boot: int, seed: int
) -> dict[str, Any]:
    """Today's package estimate: ``ws.guidance_effects()`` row 全部 / violations (matched DiD)."""
    eff = ws.guidance_effects(window_months=window_months, as_of=as_of, n_boot=n_boot, seed=seed)
    row = eff[(eff["method"] == "全部") & (eff["outcome"] == "violations")].iloc[0]
    return {
        "name": "guidance_effects",
        "estimate": float(row["did"]),
        "ci_low": float(row["ci_low"]),
        "ci_high": float(row["ci_high"]),
        "significant": bool(row["significant"]),
        **{k: int(row[k]) for k in ("n_entries", "n_cases", "n_unmatched", "n_pending", "n_controls")},
    }


#: The estimator under test (``--estimator`` overrides it).
UNDER_TEST: Estimator = current_guidance_effects


# ---------------------------------------------------------------- baselines (workspace only)


def violation_days(ws: Any, data_end: Any) -> dict[str, np.ndarray]:
    """Sorted violation days (problem-finding inspections + penalties) per business_id."""
    ins = ws.table("inspections")[["business_id", "inspected_on", "result"]]
    ins = ins[ins["result"].isin(VIOLATION_RESULTS)].rename(columns={"inspected_on": "day"})
    pen = ws.table("penalties")[["business_id", "decided_on"]].rename(columns={"decided_on": "day"})
    days = pd.concat([ins[["business_id", "day"]], pen], ignore_index=True).dropna()
    days["day"] = pd.to_datetime(days["day"]).astype("datetime64[ns]")
    days = days[days["day"] <= pd.Timestamp(data_end)]
    return {b: np.sort(g["day"].to_numpy()) for b, g in days.groupby("business_id")}


def window_counts(
    by_biz: dict[str, np.ndarray], business_id: pd.Series, t0: pd.Series, w: int
) -> tuple[np.ndarray, np.ndarray]:
    """Violations of each (business_id, t0) row in the W months before and from t0."""
    empty = np.array([], dtype="datetime64[ns]")
    bounds: dict[pd.Timestamp, tuple[np.datetime64, np.datetime64, np.datetime64]] = {}
    pre, post = [], []
    for b, t in zip(business_id, pd.to_datetime(t0), strict=True):
        d = by_biz.get(b, empty)
        if t not in bounds:
            bounds[t] = (
                np.datetime64(t - pd.DateOffset(months=w), "ns"),
                np.datetime64(t, "ns"),
                np.datetime64(t + pd.DateOffset(months=w), "ns"),
            )
        lo, tt, hi = bounds[t]
        pre.append(int(np.searchsorted(d, tt) - np.searchsorted(d, lo)))
        post.append(int(np.searchsorted(d, hi) - np.searchsorted(d, tt)))
    return np.array(pre), np.array(post)


def _entries(ws: Any, as_of: Any, w: int) -> pd.DataFrame:
    """Register entries (not voided) whose post window has ended by ``as_of`` (a week's grace:
    the simulation's last round spreads its interviews over the first workdays of July)."""
    e = ws.table("register_entries")
    e = e[e["status"] != "已作废"][["business_id", "guided_on"]].copy()
    e["guided_on"] = pd.to_datetime(e["guided_on"]).dt.normalize()
    end = pd.Timestamp(as_of) + pd.Timedelta(days=8)
    return e[e["guided_on"] + pd.DateOffset(months=w) <= end].reset_index(drop=True)


def _cluster_mean(x: np.ndarray, cluster: np.ndarray) -> tuple[float, float]:
    """Mean and its standard error clustered by ``cluster``."""
    n = len(x)
    if n < 2:
        return (float(x.mean()) if n else np.nan), np.nan
    m = float(x.mean())
    per = pd.Series(x - m).groupby(cluster).sum().to_numpy()
    g = len(per)
    return m, float(np.sqrt((per**2).sum() * g / max(g - 1, 1)) / n)


def _result(name: str, est: float, se: float, **extra: Any) -> dict[str, Any]:
    low, high = est - Z95 * se, est + Z95 * se
    return {"name": name, "estimate": est, "ci_low": low, "ci_high": high, **extra}


def naive_before_after(ws: Any, *, window_months: int, as_of: Any, n_boot: int, seed: int) -> dict:
    """Guided businesses' post − pre violations, no comparison group (regression to the mean and
    every county-wide trend count as the effect). Normal interval clustered by business."""
    e = _entries(ws, as_of, window_months)
    pre, post = window_counts(violation_days(ws, as_of), e["business_id"], e["guided_on"], window_months)
    m, se = _cluster_mean((post - pre).astype(float), e["business_id"].to_numpy())
    return _result("naive_before_after", m, se, n_cases=len(e))


def did_all_unguided(ws: Any, *, window_months: int, as_of: Any, n_boot: int, seed: int) -> dict:
    """Difference in differences against every unguided business: each entry's post − pre minus
    the mean post − pre, over the same windows, of all businesses first seen before the pre
    window and without a register entry from ``GUIDED_MONTHS + W`` months before to W months
    after the entry's date. Closures are not known to it. Normal interval clustered by business
    (the comparison mean's own variance added, its businesses treated as independent)."""
    w = window_months
    e = _entries(ws, as_of, w)
    by_biz = violation_days(ws, as_of)
    biz = ws.table("businesses")[["business_id", "first_seen"]].copy()
    biz["first_seen"] = pd.to_datetime(biz["first_seen"])
    reg = ws.table("register_entries")
    reg = reg[reg["status"] != "已作废"][["business_id", "guided_on"]]
    reg_on = pd.to_datetime(reg["guided_on"]).dt.normalize()
    pre, post = window_counts(by_biz, e["business_id"], e["guided_on"], w)
    change = (post - pre).astype(float)
    ctrl_mean, ctrl_var = {}, {}
    for t0 in e["guided_on"].unique():
        t0 = pd.Timestamp(t0)
        lo, hi = t0 - pd.DateOffset(months=GUIDED_MONTHS + w), t0 + pd.DateOffset(months=w)
        busy = set(reg.loc[(reg_on >= lo) & (reg_on < hi), "business_id"])
        c = biz[(biz["first_seen"] < t0 - pd.DateOffset(months=w)) & ~biz["business_id"].isin(busy)]
        cpre, cpost = window_counts(by_biz, c["business_id"], pd.Series(t0, index=c.index), w)
        d = (cpost - cpre).astype(float)
        ctrl_mean[t0], ctrl_var[t0] = d.mean(), d.var(ddof=1) / len(d)
    cm = e["guided_on"].map(ctrl_mean).to_numpy(dtype=float)
    cv = e["guided_on"].map(ctrl_var).to_numpy(dtype=float)
    m, se = _cluster_mean(change - cm, e["business_id"].to_numpy())
    se = float(np.sqrt(se**2 + cv.mean() / max(len(e), 1))) if len(e) else np.nan
    return _result("did_all_unguided", m, se, n_cases=len(e))


#: Baselines run beside the estimator under test in every run.
BASELINES: tuple[Estimator, ...] = (naive_before_after, did_all_unguided)


def as_rows(fn: Estimator, result: Any) -> list[dict[str, Any]]:
    """Normalise an estimator's return value (dict, list of dicts, Series, one-row DataFrame)."""
    if isinstance(result, pd.DataFrame):
        result = result.to_dict("records")
    elif isinstance(result, pd.Series):
        result = result.to_dict()
    rows = [result] if isinstance(result, dict) else list(result)
    if len(rows) > 1 and any("name" not in r for r in rows):
        raise ValueError(f"{fn.__name__}: several results need a 'name' each")
    out = []
    for r in rows:
        r = dict(r)
        r.setdefault("name", fn.__name__)
        r.setdefault("estimand", "att")
        for k in ("estimate", "ci_low", "ci_high"):
            r[k] = float(r[k]) if r.get(k) is not None else np.nan
        if "significant" not in r or r["significant"] is None:
            r["significant"] = bool(r["ci_low"] > 0 or r["ci_high"] < 0)
        if r.get("verdict") == "数据不足以判断":
            r["significant"] = False
        r["significant"] = bool(r["significant"])
        out.append(r)
    return out
