"""Score a simulated workspace: the estimator under test, the baselines (``estimators.py``) and
the design-based reference of the randomised route, each against the truth.

The reference (randomised route only) is the intention-to-treat comparison of the draw's pool,
drawn vs not drawn, each row weighted by the inverse of its probability of the arm it fell in
(Hajek form of Horvitz–Thompson): ``mean_w1(y) - mean_w0(y)`` with ``w1 = D / pi`` and
``w0 = (1 - D) / (1 - pi)``. ``y`` is the row's violations (problems found + penalties, read from
the workspace as ``guidance_effects`` counts them) in the W months from the round. Drawn but
declined (是否采纳 = 否) rows stay in the drawn arm. The interval is normal with a sandwich
variance clustered by business (a business can sit in several rounds' pools). ``ipw_did`` is the
same with ``y`` = post minus pre window (also unbiased under the draw).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import estimators as E

Z95 = 1.959963984540054


def window_counts(ws: Any, units: pd.DataFrame, w: int, data_end: pd.Timestamp) -> pd.DataFrame:
    """Violations of each (business_id, guided_on) row in the W months before and from guided_on."""
    pre, post = E.window_counts(E.violation_days(ws, data_end), units["business_id"], units["guided_on"], w)
    return units.assign(y_pre=pre, y_post=post)


def hajek_difference(
    y: np.ndarray, drawn: np.ndarray, pi: np.ndarray, cluster: np.ndarray
) -> dict[str, float]:
    """IPW (Hajek) difference drawn − not drawn with a cluster-robust sandwich standard error."""
    ok = (pi > 0) & (pi < 1)
    y, d, pi, cluster = y[ok], drawn[ok].astype(bool), pi[ok], cluster[ok]
    w1, w0 = d / pi, (~d) / (1 - pi)
    if w1.sum() == 0 or w0.sum() == 0:
        return {"est": np.nan, "se": np.nan}
    m1, m0 = (w1 * y).sum() / w1.sum(), (w0 * y).sum() / w0.sum()
    phi = w1 * (y - m1) / w1.sum() - w0 * (y - m0) / w0.sum()
    per = pd.Series(phi).groupby(cluster).sum().to_numpy()
    return {
        "est": float(m1 - m0),
        "se": float(np.sqrt((per**2).sum())),
        "mean_drawn": float(m1),
        "mean_not_drawn": float(m0),
    }


def ipw_reference(ws: Any, truth: dict[str, Any]) -> dict[str, Any]:
    """The design-based ITT estimate of the randomised route (see the module docstring)."""
    pool = truth["pool"]
    w, end = int(truth["window_months"]), pd.Timestamp(truth["data_end"])
    counts = window_counts(ws, pool, w, end)
    out: dict[str, Any] = {
        "ipw_n_pool": int(len(pool)),
        "ipw_n_drawn": int(pool["drawn"].sum()),
        "itt_true": truth["itt"],
        "itt_cf_post": truth["itt_cf_post"],
    }
    for name, y in (("ipw", counts["y_post"]), ("ipw_did", counts["y_post"] - counts["y_pre"])):
        r = hajek_difference(
            y.to_numpy(dtype=float),
            counts["drawn"].to_numpy(),
            counts["inclusion_prob"].to_numpy(dtype=float),
            counts["business_id"].to_numpy(),
        )
        low, high = r["est"] - Z95 * r["se"], r["est"] + Z95 * r["se"]
        out.update(
            {
                f"{name}_est": r["est"],
                f"{name}_se": r["se"],
                f"{name}_ci_low": low,
                f"{name}_ci_high": high,
                f"{name}_significant": bool(low > 0 or high < 0),
                f"{name}_covered": bool(low <= truth["itt"] <= high),
            }
        )
    return out


def evaluate(
    ws: Any,
    truth: dict[str, Any],
    n_boot: int = 500,
    seed: int = 0,
    estimator: E.Estimator | None = None,
    baselines: tuple[E.Estimator, ...] | None = None,
) -> list[dict[str, Any]]:
    """Run the estimator under test, the baselines and (for a draw) the IPW reference on the
    workspace; score each against the truth.

    Returns one dict per reported figure: the run's ``seed``, ``selection``, ``effect``, ``size``;
    ``role`` (``under test`` / ``baseline`` / ``reference``), ``estimator`` (its name),
    ``estimand`` (``att`` or ``itt``), ``estimate``, ``ci_low``, ``ci_high``, ``significant``,
    ``verdict`` (when given); ``true`` (the truth of the estimand: the ATT of the registered
    entries, or the pool's ITT for a draw), ``cf_post`` (the counterfactual post-window level),
    ``covered`` (the interval contains ``true``) and the estimator's extra numbers.
    """
    w = int(truth["window_months"])
    kwargs = {"window_months": w, "as_of": truth["data_end"], "n_boot": n_boot, "seed": seed}
    base = {k: truth[k] for k in ("seed", "selection", "effect", "size")}
    base["n_registered"] = truth["n_registered"]
    runs = [("under test", estimator or E.UNDER_TEST)]
    runs += [("baseline", b) for b in (E.BASELINES if baselines is None else baselines)]
    out: list[dict[str, Any]] = []
    for role, fn in runs:
        for r in E.as_rows(fn, fn(ws, **kwargs)):
            out.append({**base, "role": role, "estimator": r.pop("name"), **r})
    if truth.get("pool") is not None:
        ref = ipw_reference(ws, truth)
        out.append(
            {
                **base,
                "role": "reference",
                "estimator": "ipw_drawn_vs_not",
                "estimand": "itt",
                "estimate": ref["ipw_est"],
                **{k: ref[f"ipw_{k}"] for k in ("ci_low", "ci_high", "significant")},
                "n_cases": ref["ipw_n_drawn"],
                "n_pool": ref["ipw_n_pool"],
            }
        )
    for r in out:
        if r["estimand"] == "itt":
            if truth.get("itt") is None:
                raise ValueError(f"{r['estimator']}: an ITT estimate needs a draw (selection 'draw')")
            r["true"], r["cf_post"] = truth["itt"], truth["itt_cf_post"]
        else:
            r["true"], r["cf_post"] = truth["att"], truth["cf_post"]
        ok = np.isfinite(r["ci_low"]) and np.isfinite(r["ci_high"])
        r["covered"] = bool(ok and r["ci_low"] <= r["true"] <= r["ci_high"])
    return out
