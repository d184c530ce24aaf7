"""Violations or inspection effort: is a flagged rise explained by more inspections?

Violations are found by inspections. A special campaign (专项检查) that doubles the inspections of a
field doubles its violations without any change in how often businesses break the rules. For each
flagged violation cell two further prospective tests are run over the same periods as the test that
fired (one month, or the window):

``effort``  the inspections that found *nothing* (未发现问题) against their own baseline (licences as
            exposure): were there unusually many inspections? The clean ones are used because
            every extra violation is itself an inspection — counting all inspections would make
            any genuine rise look like extra effort.
``rate``    the inspections that found problems with all inspections as exposure (the failure rate,
            a binomial-like share): is the share of inspections finding problems unusually high?
            Months without any inspection are missing data for the rate, not zeros.

A flag is **explained by effort** when the effort test is significant (``p <= effort_p``) and the
rate test is not significant at the level of the flag itself (``rate_p="flag"``, the default: the
same level at which the violation count was flagged; or a fixed level): the field was inspected
more, and its failure rate alone would not have been flagged. Such a cell is marked
(``effort_explained``), says so in its reason and is not presented as a violation hotspot. A rise
with a clearly higher failure rate stays a hotspot even during a campaign. (A fixed 5 % level for
the rate let a campaign month through whenever its share of problems happened to be in the top
5 % — about once in 20 campaign flags; with the flag's own level, a violation flag during a
campaign needs a failure rate that is itself a hotspot.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .detect import detect_aberrations

__all__ = ["EFFORT_COLUMNS", "effort_check"]

EFFORT_COLUMNS = [
    "effort_explained",
    "inspections",
    "inspections_clean",
    "clean_ratio",
    "failure_rate",
    "failure_rate_expected",
    "p_effort",
    "p_rate",
]


def effort_check(
    df: pd.DataFrame,
    statistical: np.ndarray,
    window: np.ndarray,
    model_exposure: pd.Series,
    freq: str,
    detect_kwargs: dict[str, Any],
    effort_p: float = 0.05,
    rate_p: float | np.ndarray = 0.05,
) -> pd.DataFrame:
    """The effort and rate tests for the flagged cells of a violation panel (see the module docstring).

    Parameters
    ----------
    df : pandas.DataFrame
        The panel rows (``field``, ``period_start``, ``inspections``, ``inspection_problems``), in the
        order of the result.
    statistical : numpy.ndarray
        Boolean: the cell is flagged by the violation tests.
    window : numpy.ndarray
        Periods of the test that fired (1 = the single period).
    model_exposure : pandas.Series
        The licence exposure used for the violation model (for the clean-inspection baseline).
    freq : str
        ``"W"``, ``"M"`` or ``"Q"``.
    detect_kwargs : dict
        Options of :func:`~guidance_analytics.hotspots.detect.detect_aberrations` (windows included).
    effort_p : float
        Level of the effort test.
    rate_p : float or numpy.ndarray
        Level of the rate test (one per row: the level of the test that flagged the cell).

    Returns
    -------
    pandas.DataFrame
        ``EFFORT_COLUMNS`` aligned with ``df`` (NaN / False outside flagged cells of fields with
        inspections): ``inspections`` and ``inspections_clean`` over the test's periods,
        ``clean_ratio`` (clean inspections / their expectation), ``failure_rate`` (problems per
        inspection over the test's periods), ``failure_rate_expected``, ``p_effort``, ``p_rate``.
    """
    n = len(df)
    out = pd.DataFrame({c: np.full(n, np.nan) for c in EFFORT_COLUMNS})
    out["effort_explained"] = False
    if "inspections" not in df.columns or not statistical.any():
        return out
    insp = pd.to_numeric(df["inspections"], errors="coerce")
    prob = pd.to_numeric(df["inspection_problems"], errors="coerce")
    fields = df.loc[statistical & insp.notna().to_numpy(), "field"].unique()
    if len(fields) == 0:
        return out
    rows = df["field"].isin(fields).to_numpy() & insp.notna().to_numpy()
    sub = df[rows]
    kw = {**detect_kwargs, "min_count": 0, "windows": tuple(sorted(set(detect_kwargs.get("windows", ()))))}
    # only the flagged periods are evaluated (their window's earlier periods are fitted as needed)
    kw["evaluate_periods"] = df.loc[statistical, "period_start"].unique()
    kw["compute_upper"] = False  # the tests' p-values are what is used, not their bounds
    clean = detect_aberrations(
        pd.DataFrame(
            {
                "series": sub["field"],
                "period": sub["period_start"],
                "count": (insp - prob)[rows],
                "exposure": model_exposure[rows],
            }
        ),
        freq=freq,
        **kw,
    )
    has = insp[rows] > 0
    rate = detect_aberrations(
        pd.DataFrame(
            {
                "series": sub["field"],
                "period": sub["period_start"],
                "count": prob[rows].where(has),  # no inspection: no information on the rate
                "exposure": insp[rows].where(has),
            }
        ),
        freq=freq,
        **kw,
    )
    idx = np.flatnonzero(rows)
    win = window[rows]
    for w in np.unique(win[np.isfinite(win)]).astype(int):
        pick = (win == w) & statistical[rows]
        if not pick.any():
            continue
        if w == 1:
            c_obs, c_exp, c_p = clean["count"], clean["expected"], clean["p_value"]
            r_obs, r_exp, r_p = rate["count"], rate["expected"], rate["p_value"]
            n_insp = insp[rows]
        else:
            c_obs, c_exp, c_p = (clean[f"{x}_w{w}"] for x in ("observed", "expected", "p"))
            r_obs, r_exp, r_p = (rate[f"{x}_w{w}"] for x in ("observed", "expected", "p"))
            n_insp = insp[rows].groupby(sub["field"].to_numpy()).transform(lambda s, w=w: s.rolling(w).sum())
        at = idx[pick]
        n_at = n_insp.to_numpy(float)[pick]
        out.loc[at, "inspections"] = n_at
        out.loc[at, "inspections_clean"] = c_obs.to_numpy(float)[pick]
        with np.errstate(divide="ignore", invalid="ignore"):
            out.loc[at, "clean_ratio"] = (c_obs / c_exp).to_numpy(float)[pick]
            out.loc[at, "failure_rate"] = r_obs.to_numpy(float)[pick] / n_at
            out.loc[at, "failure_rate_expected"] = r_exp.to_numpy(float)[pick] / n_at
        out.loc[at, "p_effort"] = c_p.to_numpy(float)[pick]
        out.loc[at, "p_rate"] = r_p.to_numpy(float)[pick]
    # a rate that cannot be tested (a period without inspections in the window) explains nothing
    out["effort_explained"] = (
        statistical
        & (out["p_effort"] <= effort_p).to_numpy()
        & (out["p_rate"].to_numpy(float) > np.asarray(rate_p, dtype=float))
    )
    return out
