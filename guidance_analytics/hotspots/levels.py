"""The GB/T 4754 hierarchy of a multi-level hotspot panel: repeated parents, carriers and parent names.

With ``by="industry"`` every event counts in its class, group, division and section. A parent whose
only child holds all its events and licences *is* that child (a division of one group of one class):
it is tested once, as the child, and its rows repeat the child's statistics. A flag is carried by the
finest level that holds it: a parent flagged in the same period as one of its descendants is not
flagged again; the descendant's row names its parents.

A parent's expected count is its own baseline rate per licence times its licences. When the mix of
its classes changes (one class's licences double), that rate is no longer the parent's rate: a parent
whose fast-growing class breaks rules more often per licence than its siblings would be expected too
few events, the growth alone would look like a parent hotspot (Simpson's paradox).
:func:`standardised_exposure` weighs each class's licences by that class's own rate per licence
relative to the parent's, as known before the period (indirect standardisation), so the parent's
offset follows the licences its classes hold, not only their number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .panels import UNKNOWN, industry_parents

__all__ = ["carried_by_descendant", "parent_names", "same_as_child", "standardised_exposure"]


def same_as_child(panel: pd.DataFrame) -> dict[str, str]:
    """``{parent: descendant}`` for parents whose series equal their only child's (resolved to the finest).

    Parameters
    ----------
    panel : pandas.DataFrame
        ``field``, ``parent``, ``period_start``, ``observed``, ``exposure`` (and optionally
        ``inspections``) of a multi-level panel.

    Examples
    --------
    >>> p = pd.DataFrame({"field": ["F", "F52", "F521", "F5212"], "parent": [None, "F", "F52", "F521"],
    ...                   "period_start": pd.Timestamp("2024-01-01"), "observed": 3, "exposure": 10.0})
    >>> same_as_child(p)
    {'F521': 'F5212', 'F52': 'F5212', 'F': 'F5212'}
    """
    if panel.empty or "parent" not in panel.columns or panel["parent"].isna().all():
        return {}
    cols = [c for c in ("observed", "exposure", "inspections") if c in panel.columns]
    f_codes, f_names = pd.factorize(panel["field"])
    t_codes, t_names = pd.factorize(panel["period_start"])
    series = np.full((len(cols), len(t_names), len(f_names)), -2.0)  # -2: no row, -1: NaN
    for j, c in enumerate(cols):
        series[j, t_codes, f_codes] = pd.to_numeric(panel[c], errors="coerce").fillna(-1.0).to_numpy(float)
    col_of = {f: i for i, f in enumerate(f_names)}
    children: dict[str, list[str]] = {}
    for f, p in panel.drop_duplicates("field")[["field", "parent"]].itertuples(index=False):
        if isinstance(p, str):
            children.setdefault(p, []).append(f)
    same: dict[str, str] = {}
    # from the finest parents up, so that a chain resolves to the finest field
    for parent in sorted(children, key=len, reverse=True):
        kids = children[parent]
        if len(kids) != 1 or parent not in col_of:
            continue
        kid = kids[0]
        if np.array_equal(series[:, :, col_of[parent]], series[:, :, col_of[kid]]):
            same[parent] = same.get(kid, kid)
    return same


def carried_by_descendant(df: pd.DataFrame, flagged: np.ndarray) -> np.ndarray:
    """For each row, the key of a flagged descendant in the same period ('' when none).

    ``df`` has ``field`` and ``period_start``; ``flagged`` is a boolean array aligned with it.
    """
    out = np.full(len(df), "", dtype=object)
    if not flagged.any():
        return out
    hot = df.loc[flagged, ["field", "period_start"]]
    by_period: dict[pd.Timestamp, list[str]] = {}
    for f, p in hot.itertuples(index=False):
        by_period.setdefault(p, []).append(f)
    keys, periods = df["field"].to_numpy(), df["period_start"].to_numpy()
    for i in np.flatnonzero(flagged):
        key = keys[i]
        for other in sorted(by_period.get(pd.Timestamp(periods[i]), []), key=len, reverse=True):
            if other != key and len(other) > len(key) and other.startswith(key) and key != UNKNOWN:
                out[i] = other
                break
    return out


def parent_names(fields: pd.Series, labels: dict[str, str]) -> pd.Series:
    """``零售业(F52) › 综合零售(F521)``: the parents of each ``industry`` key, top first ('' for none)."""

    def one(key: str) -> str:
        return " › ".join(labels.get(p, p) for p in reversed(industry_parents(key)))

    mapping = {k: one(k) for k in fields.unique()}
    return fields.map(mapping)


def standardised_exposure(
    panel: pd.DataFrame, exposure: np.ndarray, prior_events: float = 10.0
) -> np.ndarray:
    """The parents' licence exposure weighted by their classes' own rates per licence (prospective).

    For a parent ``P`` (group, division or section) and period ``t``, each class ``c`` under it
    contributes its licences ``E_c(t)`` at ``r_c(t)``, the class's events per licence over the
    periods before ``t`` (shrunk towards the parent's rate ``r_P(t)`` over the same periods by
    ``prior_events`` events: a class with few events counts at about the parent's rate); licences of
    the parent held by no class count at ``r_P(t)``. The sum is the parent's expected count at the
    rates known before ``t``; divided by a constant ``r_0`` (the parent's rate over the whole panel)
    it is in licences again::

        E*_P(t) = (sum_c r_c(t) E_c(t) + r_P(t) (E_P(t) - sum_c E_c(t))) / r_0

    When the mix of classes is stable ``E*_P`` moves with ``E_P``; when a class's licences double,
    the parent's offset grows by that class's share of the parent's *events*, as its expected count
    does. The rates use only earlier periods, so a period's offset never depends on its own count or
    on later data; the constant ``r_0`` changes no decision (the model's intercept absorbs a constant
    factor of its offset). Periods before any history (the first) use the first rates known.

    Parameters
    ----------
    panel : pandas.DataFrame
        A multi-level ``industry`` panel: ``field``, ``level`` (``"class"`` for the finest level),
        ``period_start``, ``observed``.
    exposure : numpy.ndarray
        The licence exposure of every row (``NaN`` = none), aligned with ``panel``.
    prior_events : float
        Strength of the shrinkage of a class's rate towards its parent's, in events.

    Returns
    -------
    numpy.ndarray
        ``exposure`` with the parents' rows replaced by ``E*_P`` (class rows, rows outside the
        hierarchy and parents without a class holding licences unchanged).

    Examples
    --------
    Two classes of one division with 100 licences each, the first with 3 times the rate of the
    second; in the third month the first doubles its licences. The division's offset grows by the
    first class's share of its events (3/4), not by its share of its licences (1/2):

    >>> months = pd.to_datetime(["2024-01-01"] * 3 + ["2024-02-01"] * 3 + ["2024-03-01"] * 3)
    >>> p = pd.DataFrame({"field": ["F5211", "F5212", "F52"] * 3, "period_start": months,
    ...                   "level": ["class", "class", "division"] * 3, "observed": [300, 100, 400] * 3})
    >>> e = np.array([100, 100, 200, 100, 100, 200, 200, 100, 300], dtype=float)
    >>> out = standardised_exposure(p, e, prior_events=0)
    >>> float(round(out[8] / out[5], 3))  # the division's offset in March against February
    1.75
    """
    out = np.asarray(exposure, dtype=float).copy()
    if panel.empty or "level" not in panel.columns:
        return out
    fields = panel["field"].astype(str).to_numpy()
    is_class = (panel["level"].astype(str).to_numpy() == "class") & (fields != UNKNOWN)
    if not is_class.any():
        return out
    t_codes, t_names = pd.factorize(panel["period_start"], sort=True)
    class_names = pd.unique(fields[is_class])
    c_index = {c: i for i, c in enumerate(class_names)}
    T, C = len(t_names), len(class_names)
    V, E = np.zeros((T, C)), np.zeros((T, C))
    rows = np.flatnonzero(is_class)
    cols = np.array([c_index[f] for f in fields[rows]])
    observed = pd.to_numeric(panel["observed"], errors="coerce").to_numpy(float)
    V[t_codes[rows], cols] = np.nan_to_num(observed[rows])
    E[t_codes[rows], cols] = np.nan_to_num(out[rows])
    # events and licence-months of each class before each period
    CV = np.vstack([np.zeros((1, C)), np.cumsum(V, axis=0)[:-1]])
    CE = np.vstack([np.zeros((1, C)), np.cumsum(E, axis=0)[:-1]])
    parent_rows = np.flatnonzero(~is_class & (fields != UNKNOWN))
    p_names = pd.unique(fields[parent_rows])
    p_index = {f: i for i, f in enumerate(p_names)}
    # edges class -> each of its parents in the panel (at most three: group, division, section)
    edges = [
        (p_index[a], c) for c, key in enumerate(class_names) for a in industry_parents(key) if a in p_index
    ]
    if not edges:
        return out
    e_p, e_c = (np.array(x) for x in zip(*edges, strict=True))
    P = len(p_names)

    def by_parent(values: np.ndarray) -> np.ndarray:  # (T, edges) -> (T, parents): sums over kids
        acc = np.zeros((P, values.shape[0]))
        np.add.at(acc, e_p, values.T)
        return acc.T

    held = by_parent(E[:, e_c])
    total_v, total_e = by_parent(V[:, e_c]).sum(axis=0), held.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_p = by_parent(CV[:, e_c]) / by_parent(CE[:, e_c])  # (T, P): the parents' rates so far
        known = np.isfinite(r_p) & (r_p > 0)
        has = known.any(axis=0) & (total_v > 0) & (total_e > 0)
        first = np.where(has, np.argmax(known, axis=0), 0)  # before any history: the first rates known
        r_p = np.where(np.arange(T)[:, None] < first, r_p[first, np.arange(P)], r_p)
        t_e = np.maximum(np.arange(T)[:, None], first[e_p])  # (T, edges): the period whose rates apply
        r_c = (CV[t_e, e_c] + prior_events) / (CE[t_e, e_c] + prior_events / r_p[:, e_p])
        kids_expected = by_parent(r_c * E[:, e_c])
        r0 = total_v / total_e
    e_parent = np.full((T, P), np.nan)
    p_codes = np.array([p_index[f] for f in fields[parent_rows]])
    e_parent[t_codes[parent_rows], p_codes] = out[parent_rows]
    with np.errstate(divide="ignore", invalid="ignore"):  # parents without history: not used below
        star = (kids_expected + r_p * np.maximum(e_parent - held, 0.0)) / r0
    ok = has[p_codes] & np.isfinite(out[parent_rows])
    out[parent_rows[ok]] = star[t_codes[parent_rows[ok]], p_codes[ok]]
    return out
