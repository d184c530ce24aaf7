"""Space-time scan over the hotspot table: sustained moderate rises over several periods and fields.

A single period of a single field may stay under its bound while the same field is 40 % high for three
months running, or several related fields (all townships of one industry, all classes of one division)
are moderately high together. The expectation-based Poisson scan statistic (Neill et al. 2005; the
prospective space-time scan of Kulldorff 2001 with the detector's baselines as expectations) looks at
every *zone* (a field, or a group of related fields) and every *window* of the last 1–3 periods:

``C`` = observed, ``B`` = expected (sums over the zone and window);
``LLR = C·log(C/B) − (C − B)`` when ``C > B``, ``C >= min_count`` and ``B >= min_expected``, else 0
(a handful of events in a field that almost never had any is not a "cluster": there is no baseline to
rise above).

For each evaluated period ``t`` the largest LLR over all zones and windows ending at ``t`` is compared
with its distribution under the baseline, obtained by Monte Carlo from the **predictive** distribution
of the counts: each replicate draws, per field, the error of its estimated expectation
(``log`` normal with the detector's ``se_log_expected``, one draw per field for the whole window, as
adjacent baselines share most of their data) and its dispersion (scaled inverse chi-square around
``phi_raw`` with ``phi_df`` degrees of freedom, floored at 1), then negative-binomial counts. A plug-in
null (counts from the estimated expectations as if they were true) is too narrow: it makes clusters
out of estimation error. With ``condition_on_total`` every replicate is conditioned like the
observed data (its expectations rescaled to its own total of each period), so the null statistic has
the distribution of the observed one. ``p_value = (1 + #{simulated max >= observed LLR}) /
(n_sim + 1)``. Zones with ``p_value <= alpha`` are reported, the most likely first; secondary zones
must not share a field with a zone already reported for that period. Only data up to ``t`` enter the
decision for ``t``. A null simulation (``tests/hotspots/test_scan.py``) checks that at most 5 % of the
periods of a county without any planted event report a cluster at ``alpha = 0.05``.

With ``by="industry"`` (every level) the scan runs on the finest fields (those that are no other
field's parent); their groups, divisions and sections are the zones that join them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, rules
from .flags import hotspots, period_label
from .panels import MEASURES, PAIR_SEP, field_labels

__all__ = ["scan_hotspots", "scan_zones", "workspace_scan"]

COLUMNS = [
    "by",
    "period",
    "zone",
    "zone_label",
    "fields",
    "n_fields",
    "window_start",
    "window_end",
    "n_periods",
    "observed",
    "expected",
    "rate_ratio",
    "llr",
    "p_value",
    "reason",
]


def scan_zones(fields: pd.DataFrame, include_all: bool = False) -> list[tuple[str, str, list[str]]]:
    """Candidate zones ``(zone_key, zone_label, fields)``: every field and groups of related fields.

    Groups: for pairs (``a×b``) every value of either component (a row or a column of the pair table);
    for industry classes their division (``H62``), for divisions their section (``H``).
    ``include_all`` adds the zone of all fields (a county-wide rise; off by default because a small
    bias of every baseline adds up there).
    """
    f = fields.drop_duplicates("field").set_index("field")["field_label"]
    zones = [(k, str(v), [k]) for k, v in f.items()]
    by = str(fields["by"].iloc[0]) if len(fields) else ""
    groups: dict[tuple[str, str], list[str]] = {}
    if PAIR_SEP in by:
        for key, label in f.items():
            parts, labels = key.split(PAIR_SEP), str(label).split(PAIR_SEP)
            for i in range(2):
                tag = f"{labels[i]}{PAIR_SEP}（全部）" if i == 0 else f"（全部）{PAIR_SEP}{labels[i]}"
                groups.setdefault((f"{parts[i]}@{i}", tag), []).append(key)
    elif by == "industry":  # the finest fields, joined by their common prefixes (group, division, section)
        for key in f.index:
            if key[:1].isalpha():
                for cut in (4, 3, 1):
                    if len(key) > cut:
                        name = field_labels("industry", pd.Series([key[:cut]])).iloc[0]
                        groups.setdefault((key[:cut], f"{name}（合计）"), []).append(key)
    elif by in ("industry_class", "industry_division"):
        cut, parent = (3, "industry_division") if by == "industry_class" else (1, "industry_section")
        for key in f.index:
            if len(key) > cut and key[0].isalpha():
                name = field_labels(parent, pd.Series([key[:cut]])).iloc[0]
                groups.setdefault((key[:cut], f"{name}（各{'小类' if cut == 3 else '大类'}）"), []).append(
                    key
                )
    zones += [(k, label, members) for (k, label), members in groups.items() if len(members) > 1]
    if include_all and len(f) > 1:
        zones.append(("*", "全部领域合计", list(f.index)))
    return zones


def _llr(c: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = c * np.log(np.where(c > 0, c, 1) / np.where(b > 0, b, 1)) - (c - b)
    return np.where((c > b) & (b > 0), out, 0.0)


def scan_hotspots(
    hot: pd.DataFrame,
    windows: tuple[int, ...] = (1, 2, 3),
    n_sim: int = 999,
    alpha: float = 0.05,
    seed: int = 20210510,
    periods: Any = None,
    min_count: int = 5,
    include_all: bool = False,
    condition_on_total: bool = True,
    min_expected: float = 0.5,
) -> pd.DataFrame:
    """Scan the hotspot table for zones × windows that are jointly high (see the module docstring).

    Parameters
    ----------
    hot : the result of ``hotspots`` / ``flag_hotspots`` for one ``by`` (all periods).
    windows : window lengths in periods (ending at the evaluated period).
    n_sim : Monte Carlo replicates per evaluated period.
    alpha : report zones with ``p_value <= alpha``.
    seed : random seed (results are reproducible).
    periods : evaluate only these period starts (default: every period where all windows are evaluated).
    min_count : a zone × window needs at least this many events (observed and simulated alike).
    include_all : also scan the zone of all fields together.
    min_expected : skip zone × windows expecting fewer events than this: a field that (almost) never had
        events has no baseline to rise above (its first events are reported by the flags as "此前几乎没有").
    condition_on_total : rescale each period's expectations so that they add up to the period's observed
        total over all fields (Kulldorff's conditioning on the total): a county-wide rise, or a baseline
        that lags behind a general growth, then raises no cluster; only fields high *relative to the
        others* do. Set False to scan absolute excesses.

    Returns
    -------
    pandas.DataFrame
        ``by, period`` (the evaluated period), ``zone`` (key), ``zone_label``, ``fields`` (member keys joined
        by ``;``), ``n_fields, window_start, window_end, n_periods, observed, expected, rate_ratio, llr,
        p_value, reason`` — one row per reported zone and period.
    """
    if hot.empty:
        return pd.DataFrame(columns=COLUMNS)
    if str(hot["by"].iloc[0]) == "industry":  # the finest fields only: the zones join them
        keys = hot["field"].astype(str).unique()
        parents = {k[:cut] for k in keys for cut in (1, 3, 4) if len(k) > cut}
        hot = hot[~hot["field"].isin(parents)]
    df = hot[["by", "field", "field_label", "period_start", "period_end", "observed", "expected"]].copy()
    df["phi"] = hot["phi"] if "phi" in hot.columns else 1.0
    df["phi_raw"] = hot["phi_raw"] if "phi_raw" in hot.columns else df["phi"]
    df["se"] = hot["se_log_expected"] if "se_log_expected" in hot.columns else 0.0
    df["df"] = hot["phi_df"] if "phi_df" in hot.columns else np.nan
    obs = df.pivot_table(index="period_start", columns="field", values="observed", aggfunc="first")
    exp = df.pivot_table(index="period_start", columns="field", values="expected", aggfunc="first")
    fields = list(obs.columns)
    exp = exp.reindex(index=obs.index, columns=fields)

    def wide(col: str, fill: float) -> pd.DataFrame:
        w = df.pivot_table(index="period_start", columns="field", values=col, aggfunc="first", dropna=False)
        return w.reindex(index=obs.index, columns=fields).astype(float).fillna(fill)

    phi_raw, se_log, phi_df = wide("phi_raw", 1.0), wide("se", 0.0), wide("df", np.nan)
    zones = scan_zones(df, include_all)
    member = np.zeros((len(fields), len(zones)))
    pos = {f: i for i, f in enumerate(fields)}
    for j, (_, _, members) in enumerate(zones):
        member[[pos[m] for m in members], j] = 1.0
    ends = dict(
        zip(
            obs.index,
            df.drop_duplicates("period_start").set_index("period_start").reindex(obs.index)["period_end"],
            strict=True,
        )
    )
    wmax = max(windows)
    rng = np.random.default_rng(seed)
    unit = MEASURES.get(str(hot["measure"].iloc[0]) if "measure" in hot.columns else "", ("事件", "件"))
    rows = []
    index = list(obs.index)
    for t in range(len(index)):
        if periods is not None and index[t] not in set(pd.to_datetime(list(periods))):
            continue
        lo = t - wmax + 1
        if lo < 0:
            continue
        E0 = exp.iloc[lo : t + 1].to_numpy(float)  # (w, S), oldest first: the estimated expectations
        if not np.isfinite(E0).all():
            continue
        Y = obs.iloc[lo : t + 1].to_numpy(float)
        E = _conditioned(E0, Y) if condition_on_total else E0
        stat = _window_zone_llr(Y[None], E, member, windows, min_count, min_expected)[0]  # (W, Z)
        sims = _simulate_predictive(
            rng,
            E0,
            phi_raw.iloc[t].to_numpy(float),
            se_log.iloc[t].to_numpy(float),
            phi_df.iloc[t].to_numpy(float),
            n_sim,
        )
        E_sim = _conditioned(E0[None], sims) if condition_on_total else E0[None]
        max_null = _window_zone_llr(sims, E_sim, member, windows, min_count, min_expected).max(axis=(1, 2))
        used: set[str] = set()
        order = np.dstack(np.unravel_index(np.argsort(-stat, axis=None), stat.shape))[0]
        for wi, zj in order:
            llr = stat[wi, zj]
            if llr <= 0:
                break
            p = (1 + np.sum(max_null >= llr)) / (n_sim + 1)
            if p > alpha:
                break
            key, label, members = zones[zj]
            if used & set(members):
                continue
            used |= set(members)
            w = windows[wi]
            c = float(Y[-w:][:, [pos[m] for m in members]].sum())
            b = float(E[-w:][:, [pos[m] for m in members]].sum())
            rows.append(
                {
                    "by": df["by"].iloc[0],
                    "period": index[t],
                    "zone": key,
                    "zone_label": label,
                    "fields": ";".join(members),
                    "n_fields": len(members),
                    "window_start": index[t - w + 1],
                    "window_end": ends[index[t]],
                    "n_periods": w,
                    "observed": c,
                    "expected": b,
                    "rate_ratio": c / b if b > 0 else np.nan,
                    "llr": float(llr),
                    "p_value": float(p),
                    "noun": ("合计" if len(members) > 1 else "") + unit[0],
                    "unit": unit[1],
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=COLUMNS)
    out["reason"] = [_reason(r) for r in out.itertuples(index=False)]
    return out[COLUMNS]


def _window_zone_llr(
    Y: np.ndarray,
    E: np.ndarray,
    member: np.ndarray,
    windows: tuple[int, ...],
    min_count: int,
    min_expected: float = 0.0,
) -> np.ndarray:
    """LLR for every replicate × window × zone; ``Y`` is ``(R, w, S)``, ``E`` is ``(w, S)`` or ``(R, w, S)``."""
    E = np.broadcast_to(E, Y.shape) if E.ndim == 3 else np.broadcast_to(E[None], Y.shape)
    out = []
    for w in windows:
        c = Y[:, -w:, :].sum(axis=1) @ member  # (R, Z)
        b = E[:, -w:, :].sum(axis=1) @ member  # (R, Z)
        out.append(np.where((c >= min_count) & (b >= min_expected), _llr(c, b), 0.0))
    return np.stack(out, axis=1)


def _conditioned(E: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Expectations rescaled so that each period's sum over fields equals its observed total."""
    total_e = E.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(
            total_e > 0, Y.sum(axis=-1, keepdims=True) / np.where(total_e > 0, total_e, 1.0), 1.0
        )
    return E * scale


def _simulate_predictive(
    rng: np.random.Generator, E: np.ndarray, phi_raw: np.ndarray, se: np.ndarray, df: np.ndarray, n: int
) -> np.ndarray:
    """``n`` replicates ``(n, w, S)`` of the counts from their predictive distribution.

    Per replicate and field: a multiplier ``exp(se * z)`` of its expectations (one for the window),
    a dispersion ``max(1, phi_raw * df / chi2_df)`` (``phi_raw`` itself without degrees of freedom),
    then gamma-Poisson counts with variance ``phi * mean``.
    """
    S = E.shape[1]
    se = np.where(np.isfinite(se), np.maximum(se, 0.0), 0.0)
    mult = np.exp(se[None, :] * rng.standard_normal((n, S)))  # (n, S)
    known = ~np.isfinite(df) | (df < 1)
    chi = rng.chisquare(np.where(known, 1.0, df)[None, :], size=(n, S))
    phi = np.maximum(
        np.nan_to_num(phi_raw, nan=1.0)[None, :] * np.where(known[None, :], 1.0, df[None, :] / chi), 1.0
    )
    mean = np.maximum(E[None, :, :] * mult[:, None, :], 0.0)  # (n, w, S)
    over = np.broadcast_to((phi > 1 + 1e-9)[:, None, :], mean.shape)
    lam = mean.copy()
    if over.any():
        p = np.broadcast_to(phi[:, None, :], mean.shape)
        shape = np.maximum(mean / np.maximum(p - 1, 1e-9), 1e-9)
        g = rng.gamma(shape, np.maximum(p - 1, 1e-9))
        lam = np.where(over, g, mean)
    return rng.poisson(lam).astype(float)


def _reason(r: Any) -> str:
    freq = "M"
    span = (r.window_end - r.window_start).days
    if span < 10:
        freq = "W"
    elif span > 80 and r.n_periods == 1:
        freq = "Q"
    first = period_label(r.window_start, freq)
    when = first if r.n_periods == 1 else f"自{first}起连续 {r.n_periods} 期"
    ratio = f"为预期的 {r.rate_ratio:.1f} 倍" if r.expected >= 0.05 else "此前几乎没有此类记录"
    return (
        f"{when} {r.zone_label} {r.noun} {r.observed:.0f} {r.unit}，预期 {r.expected:.1f} {r.unit}，"
        f"{ratio}（扫描统计 p={r.p_value:.3f}）"
    )


def workspace_scan(
    ws: WorkspaceLike,
    measure: str = "violations",
    by: Any = "industry",
    windows: tuple[int, ...] = (1, 2, 3),
    n_sim: int = 999,
    alpha: float = 0.05,
    seed: int = 20210510,
    min_count: int | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """:func:`scan_hotspots` on ``hotspots(ws, measure, by, **kwargs)`` (``min_count`` from the config)."""
    if min_count is None:
        min_count = int(rules(ws, "hotspots").get("detect", {}).get("min_count", 5))
    return scan_hotspots(
        hotspots(ws, measure, by, min_count=min_count, **kwargs),
        windows=windows,
        n_sim=n_sim,
        alpha=alpha,
        seed=seed,
        min_count=min_count,
    )
