"""The information bound of any scorer of the simulated records: the Bayes posterior of the risk.

``generate.py`` draws, per business, a persistent latent risk L (prior N(industry shift +
个体工商户 shift, ``latent_sd``), redrawn from that prior at ``latent_redraw_year`` / 12 a month)
and a transient state S (stationary N(0, ``state_sd``) at the start, AR(1) with ``state_rho`` a
month, lowered by ``deter_order`` / ``deter_minor`` after each serious / minor finding). What the
records say about (L, S) is, month by month and in the generator's order:

1. whether a complaint inspection (投诉核查) happened in a month the business was alive —
   P = 1 − exp(−λ), λ = ``complaint_rate[size]`` / 12 · exp(``complaint_gain`` · (L + S)), before
   that month's deterrence; its absence is informative too;
2. each inspection's result, kinds in ``TYPES`` order: serious (责令限期整改 or 移送立案) with
   logit ``serious_a`` + L + S + first-year shift + kind + size, otherwise minor with logit
   ``minor_a`` + ``minor_latent`` · L + kind + size + 0.3 · food (no S), otherwise clean; after it
   the deterministic deterrence shift of S.

Every other draw of the generator (routine, 双随机, 复查 scheduling, campaigns picked on the
observed recent-problem weight, referral, opening and closing) does not depend on (L, S) given the
records, so it carries no information. :func:`posterior` runs that forward filter (an HMM on a
grid: L on a standardised per-business grid, S on a regular grid with mass-splitting linear
interpolation for the deterrence shifts) with the generator's true parameters, and returns for every
month m, after that month's AR(1) step and redraw and before its observations (the moment
``risk_state.npz`` records), the posterior mean of the serious-finding probability of an inspection
of kind weight 0 (a 双随机抽查): E[sigmoid(``serious_a`` + L + S + first-year shift + size) | records
before month m]. It is the best ranking any scorer of the records could reach with perfect knowledge
of the mechanism and its parameters.

It reads the *true* inspection kinds (``events.csv``; 复查 is written as 日常检查 in
``inspections.csv``), the true size class and the true opening and closing months (``truth.csv``),
so it is, if anything, slightly more informed than the records: a generous ceiling.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr
from threadpoolctl import threadpool_limits

from .generate import (
    CAMPAIGN_DIVISIONS,
    CAMPAIGN_P,
    FOOD_DIVISIONS,
    FOOD_MINOR_SHIFT,
    INDUSTRIES,
    RECENT_DECAY,
    TYPES,
    Params,
)


@dataclass(frozen=True)
class Grid:
    """Grid of the filter: standardised latent points with prior weights, and state points."""

    z: np.ndarray  # latent = mu + latent_sd * z
    z_weight: np.ndarray  # prior weights of z (sum 1)
    state: np.ndarray  # regular, ascending
    step: float  # state step


def make_grid(
    latent_points: int = 29,
    latent_span: float = 3.5,
    state_step: float = 0.1,
    state_lo: float = -5.5,
    state_hi: float = 4.0,
) -> Grid:
    """A grid for :func:`posterior`.

    Parameters
    ----------
    latent_points, latent_span : ``latent_points`` standardised latent values on
        [-``latent_span``, ``latent_span``], weighted by the normal density (normalised).
    state_step, state_lo, state_hi : the state grid (in log-odds). The low end sits far below the
        stationary spread (sd 0.85) because deterrence shifts the state down.
    """
    z = np.linspace(-latent_span, latent_span, latent_points)
    w = np.exp(-0.5 * z**2)
    n = int(round((state_hi - state_lo) / state_step)) + 1
    return Grid(z=z, z_weight=w / w.sum(), state=state_lo + state_step * np.arange(n), step=state_step)


def _cell_mass(centre: np.ndarray, sd: float, grid: np.ndarray, step: float) -> np.ndarray:
    """Mass of N(centre, sd) in each grid cell (edges half-way between points, the end cells open)."""
    edges = np.r_[-np.inf, grid[:-1] + step / 2, np.inf]
    cdf = ndtr((edges[None, :] - np.asarray(centre, dtype=float)[:, None]) / sd)
    return np.diff(cdf, axis=1)


def state_prior(p: Params, g: Grid) -> np.ndarray:
    """The stationary N(0, ``state_sd``) on the state grid."""
    return _cell_mass(np.zeros(1), p.state_sd, g.state, g.step)[0]


def transition(p: Params, g: Grid) -> np.ndarray:
    """K[s, s'] = P(state s' next month | state s): AR(1) with ``state_rho``, rows sum to 1."""
    innov = p.state_sd * np.sqrt(1 - p.state_rho**2)
    k = _cell_mass(p.state_rho * g.state, innov, g.state, g.step)
    k[k < 1e-12] = 0.0  # beyond ~7 sd: zero, so that float32 products never go subnormal (slow)
    return k / k.sum(axis=1, keepdims=True)


def shift_down(prob: np.ndarray, by: float, step: float) -> np.ndarray:
    """Move the mass of the last axis down by ``by`` (log-odds), splitting it linearly between the
    two neighbouring points when ``by`` is not a multiple of ``step``; mass below the grid stays at
    its lowest point."""
    k = by / step
    lo = int(np.floor(k + 1e-9))
    frac = k - lo
    out = np.zeros_like(prob)
    for n, weight in ((lo, 1.0 - frac), (lo + 1, frac)):
        if weight <= 1e-12:
            continue
        if n == 0:
            out += weight * prob
            continue
        out[..., :-n] += weight * prob[..., n:]
        out[..., 0] += weight * prob[..., :n].sum(axis=-1)
    return out


@dataclass(frozen=True)
class Businesses:
    """What the filter needs per business (arrays of equal length, in the generator's order)."""

    mu: np.ndarray  # prior mean of the latent risk (industry + 个体工商户 shift)
    size: np.ndarray  # 0 small, 1 medium, 2 large
    food: np.ndarray  # the generator's food flag (minor-finding logit + 0.3)
    open_month: np.ndarray
    close_month: np.ndarray
    campaign: np.ndarray | None = None  # P(the division is among a quarter's two campaign draws)


def businesses_from_truth(truth: pd.DataFrame, p: Params) -> Businesses:
    """:class:`Businesses` from ``truth.csv`` (industry, individual, size, open/close month)."""
    shift_of = {row[0]: row[2] for row in INDUSTRIES}
    industry = truth["industry"].astype(str).str.zfill(4)
    individual = truth["individual"].astype(str).str.lower().isin(("true", "1"))
    return Businesses(
        mu=industry.map(shift_of).to_numpy(dtype=float) + p.individual_shift * individual.to_numpy(),
        size=truth["size"].to_numpy(dtype=int),
        food=industry.str[:2].isin(FOOD_DIVISIONS).to_numpy(),
        open_month=truth["open_month"].to_numpy(dtype=int),
        close_month=truth["close_month"].to_numpy(dtype=int),
        campaign=industry.str[:2].map(campaign_probability()).fillna(0.0).to_numpy(dtype=float),
    )


def campaign_probability() -> dict[str, float]:
    """P(a division is one of the two drawn without replacement, ``CAMPAIGN_P``) per division."""
    probs = dict(zip(CAMPAIGN_DIVISIONS, CAMPAIGN_P, strict=True))
    return {d: q + sum(o * q / (1 - o) for e, o in probs.items() if e != d) for d, q in probs.items()}


@dataclass(frozen=True)
class Window:
    """The optional window-aware score: P(a serious finding in months m .. m + horizon − 1 | the
    business is inspected in them, the records before m), by Monte Carlo from the posterior.

    ``follow_at``: (months, businesses) month of the 复查 scheduled as each month starts (−1: none)
    — the generator's hidden follow-up draws, read from ``risk_state.npz`` (a records-scorer knows
    them only in distribution: generous).
    """

    months: frozenset[int]
    follow_at: np.ndarray
    horizon: int = 3
    samples: int = 128
    seed: int = 0


def _kind_runs(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Inspections of the generator's kinds sorted by (month, kind order, business): arrays index,
    month, kind rank, severity (许可勘验 and other kinds dropped)."""
    rank = {k: i for i, k in enumerate(TYPES)}
    ev = events[events["kind"].isin(TYPES)]
    ev = ev.assign(_rank=ev["kind"].map(rank).astype(int))
    ev = ev.sort_values(["month", "_rank", "index"], kind="stable")
    if ev.duplicated(["month", "_rank", "index"]).any():
        raise ValueError("two inspections of one kind of one business in one month")
    return (
        ev["index"].to_numpy(dtype=int),
        ev["month"].to_numpy(dtype=int),
        ev["_rank"].to_numpy(dtype=int),
        ev["severity"].to_numpy(dtype=int),
    )


def _chunks(biz: Businesses, chunk: int) -> list[np.ndarray]:
    """Business rows grouped by (prior mean, size) — one set of likelihood tables per group — and
    split into pieces of at most ``chunk`` rows."""
    key = pd.DataFrame({"mu": np.round(biz.mu, 9), "size": biz.size})
    out = []
    for rows in key.groupby(["mu", "size"], sort=True).indices.values():
        rows = np.sort(rows)
        out.extend(rows[i : i + chunk] for i in range(0, len(rows), chunk))
    return out


@threadpool_limits.wrap(limits=1, user_api="blas")  # many small products: threads add contention
def posterior(
    p: Params,
    biz: Businesses,
    events: pd.DataFrame,
    n_months: int,
    grid: Grid | None = None,
    chunk: int = 2000,
    redraw: bool = True,
    dtype: type = np.float32,
    window: Window | None = None,
) -> dict[str, np.ndarray]:
    """Forward filter of (latent, state) per business given its records, with the true parameters.

    Parameters
    ----------
    p : the world's parameters.
    biz : the businesses (:func:`businesses_from_truth`).
    events : inspections with columns index (business row), month, kind (true kind, ``TYPES``;
        others such as 许可勘验 are ignored), severity (0–3).
    n_months : months to filter (0 .. n_months - 1).
    grid : default :func:`make_grid`.
    chunk : businesses filtered together (memory ≈ chunk × latent points × state points × 4 B × 3).
    redraw : False ignores the latent redraw (a filter for a world without it; for tests).
    dtype : of the grid probabilities (float32 halves memory and time; moments are float64).
    window : also ``window`` (zero outside ``window.months``): see :class:`Window` and
        :func:`_window_score`.

    Returns
    -------
    Arrays of shape (n_months, businesses), each month's value after its AR(1) step and redraw and
    before its observations: ``score`` = E[sigmoid(serious_a + L + S + first-year + size shift)],
    ``latent`` = E[L], ``state`` = E[S], ``logodds`` = E[L + S] + first-year + size shift.
    """
    rng = np.random.default_rng(window.seed if window else 0)
    g = grid or make_grid()
    n = len(biz.mu)
    nl, ns = len(g.z), len(g.state)
    kmat = transition(p, g).astype(dtype)
    start = (g.z_weight[:, None] * state_prior(p, g)[None, :]).astype(dtype)
    r = p.latent_redraw_year / 12 if redraw else 0.0
    redraw_w = (r * g.z_weight[None, :, None]).astype(dtype)
    size_s = np.asarray(p.serious_size, dtype=float)
    size_m = np.asarray(p.minor_size, dtype=float)
    cbase = np.asarray(p.complaint_rate, dtype=float) / 12
    ev_index, ev_month, ev_rank, ev_sev = _kind_runs(events)
    local = np.full(n, -1)
    tiny = dtype(np.finfo(dtype).tiny * 2**20)
    keys = ("score", "latent", "state", "logodds") + (("window",) if window else ())
    out = {key: np.zeros((n_months, n), dtype=np.float64) for key in keys}
    for rows in _chunks(biz, chunk):
        c = len(rows)
        mu, size = float(biz.mu[rows[0]]), int(biz.size[rows[0]])
        open_m, close_m = biz.open_month[rows], biz.close_month[rows]
        food = biz.food[rows]
        lat = mu + p.latent_sd * g.z  # (nl,)
        ls = lat[:, None] + g.state[None, :]  # (nl, ns): latent + state
        eta0 = p.serious_a + size_s[size] + ls
        no_complaint = np.exp(-cbase[size] * np.exp(p.complaint_gain * ls)).astype(dtype)
        # moments: E[sigmoid] without / with the first-year shift, E[L], E[S], total mass
        moments = np.stack(
            [
                expit(eta0).ravel(),
                expit(eta0 + p.new_business_shift).ravel(),
                np.broadcast_to(lat[:, None], (nl, ns)).ravel(),
                np.broadcast_to(g.state[None, :], (nl, ns)).ravel(),
                np.ones(nl * ns),
            ],
            axis=1,
        ).astype(dtype)
        minor_base = (
            p.minor_a + p.minor_latent * lat[None, :] + size_m[size] + FOOD_MINOR_SHIFT * food[:, None]
        )  # (c, nl)
        local[rows] = np.arange(c)
        mine = local[ev_index] >= 0
        e_loc, e_month, e_rank, e_sev = local[ev_index[mine]], ev_month[mine], ev_rank[mine], ev_sev[mine]
        run_key = e_month * len(TYPES) + e_rank
        bounds = np.flatnonzero(np.r_[True, run_key[1:] != run_key[:-1], True]) if len(run_key) else []
        runs: dict[int, list[tuple[str, np.ndarray, np.ndarray]]] = {}
        for b0, b1 in zip(bounds[:-1], bounds[1:], strict=True):
            runs.setdefault(int(e_month[b0]), []).append((TYPES[e_rank[b0]], e_loc[b0:b1], e_sev[b0:b1]))
        local[rows] = -1
        prob = np.broadcast_to(start[None], (c, nl, ns)).astype(dtype)
        recent = np.zeros(c)  # the generator's decayed count of problems (campaign targeting)
        for m in range(n_months):
            # AR(1) step of the state, then the latent redraw (a mixture with the prior)
            prob = (prob.reshape(c * nl, ns) @ kmat).reshape(c, nl, ns)
            if r > 0:
                marg_s = prob.sum(axis=1)
                prob *= dtype(1 - r)
                prob += redraw_w * marg_s[:, None, :]
            first_year = (m - open_m) < 12
            recent *= RECENT_DECAY
            if window is not None and m in window.months:
                out["window"][m, rows] = _window_score(
                    p, g, prob, rows, biz, m, recent, window.follow_at[m, rows], window, rng
                )
            mom = (prob.reshape(c, nl * ns) @ moments).astype(np.float64)
            mass = mom[:, 4]
            out["score"][m, rows] = np.where(first_year, mom[:, 1], mom[:, 0]) / mass
            out["latent"][m, rows] = mom[:, 2] / mass
            out["state"][m, rows] = mom[:, 3] / mass
            out["logodds"][m, rows] = (
                (mom[:, 2] + mom[:, 3]) / mass + p.new_business_shift * first_year + size_s[size]
            )
            # observations of the month, in the generator's order: complaint occurrence (before
            # any deterrence), then each kind's result and its deterrence shift
            alive = (open_m <= m) & (m < close_m)
            todo = runs.get(m, [])
            complained = np.zeros(c, dtype=bool)
            for kind, idx, _sev in todo:
                if kind == "投诉核查":
                    complained[idx] = True
            np.multiply(prob, no_complaint[None], out=prob, where=(alive & ~complained)[:, None, None])
            # the no-complaint factors crush the highest-risk cells month after month: flush what
            # would turn subnormal (slow arithmetic) to zero
            np.multiply(prob, prob > tiny, out=prob)
            touched = np.zeros(c, dtype=bool)
            if complained.any():
                prob[complained] *= (-np.expm1(-cbase[size] * np.exp(p.complaint_gain * ls))).astype(dtype)
                touched |= complained
            for kind, idx, sev in todo:
                pr = prob[idx]
                p_serious = expit(
                    eta0 + p.new_business_shift * first_year[idx, None, None] + p.serious_type[kind]
                )
                p_minor = expit(minor_base[idx] + p.minor_type[kind])[:, :, None]
                serious, minor = sev >= 2, sev == 1
                lik = np.where(
                    serious[:, None, None],
                    p_serious,
                    (1 - p_serious) * np.where(minor[:, None, None], p_minor, 1 - p_minor),
                )
                pr *= lik.astype(dtype)
                if serious.any():
                    pr[serious] = shift_down(pr[serious], p.deter_order, g.step)
                if minor.any():
                    pr[minor] = shift_down(pr[minor], p.deter_minor, g.step)
                prob[idx] = pr
                touched[idx] = True
                recent[idx[sev >= 1]] += 1.0
            if touched.any():
                prob[touched] /= prob[touched].sum(axis=(1, 2), keepdims=True)
            if m % 12 == 11:  # the no-complaint factors shrink the mass slowly: renormalise yearly
                prob /= prob.sum(axis=(1, 2), keepdims=True)
    return out


def _window_score(
    p: Params,
    g: Grid,
    prob: np.ndarray,
    rows: np.ndarray,
    biz: Businesses,
    m: int,
    recent: np.ndarray,
    slot: np.ndarray,
    window: Window,
    rng: np.random.Generator,
) -> np.ndarray:
    """P(serious finding in months m .. m + h − 1 | inspected in them, records before m), per row.

    Monte Carlo from the posterior grid ``prob`` (month m, after its AR step and redraw, before its
    observations), with two exact variance reductions (importance sampling):

    * the first inspection of the window is forced: each path's weight is P(at least one
      inspection | its latent and state path before any inspection), its first month drawn in
      proportion, its first kind from the kinds' occurrence probabilities given ≥ 1;
    * every result is forced non-serious (minor or clean in proportion) and the path accumulates
      P(no serious finding) = Π (1 − P(serious)), so P(serious in the window) = 1 − that product.

    The window then runs the generator's month: 复查 when scheduled (``slot``; a finding schedules
    one as the generator does), routine and 双随机 at their rates, complaints at λ(L + S) before the
    month's deterrence, campaigns at the division's draw probability × the targeting on the decayed
    problem count; minor findings lower the state by ``deter_minor``.
    """
    c, k, h = len(rows), window.samples, window.horizon
    nl, ns = len(g.z), len(g.state)
    size = int(biz.size[rows[0]])
    mu = float(biz.mu[rows[0]])
    open_m, close_m = biz.open_month[rows], biz.close_month[rows]
    food = biz.food[rows][:, None]
    camp_p = (biz.campaign[rows] if biz.campaign is not None else np.zeros(c))[:, None]
    # draw (latent, state) from the grid posterior
    cdf = np.cumsum(prob.reshape(c, nl * ns).astype(np.float64), axis=1)
    cdf /= cdf[:, -1:]
    offset = np.arange(c)[:, None]
    pos = np.searchsorted((cdf + offset).ravel(), (rng.random((c, k)) + offset).ravel()).reshape(c, k)
    pos = np.minimum(pos - offset * nl * ns, nl * ns - 1)
    lat0 = mu + p.latent_sd * g.z[pos // ns]
    st0 = g.state[pos % ns]
    innov = p.state_sd * np.sqrt(1 - p.state_rho**2)
    eps = rng.normal(0.0, innov, (h, c, k))
    redraw = rng.random((h, c, k)) < p.latent_redraw_year / 12
    fresh = mu + p.latent_sd * rng.normal(size=(h, c, k))
    months = m + np.arange(h)
    alive = (open_m[None, :] <= months[:, None]) & (months[:, None] < close_m[None, :])  # (h, c)
    young = (months[:, None] - open_m[None, :]) < 12
    routine = np.asarray(p.routine_rate)[size] / 12 + p.new_business_routine / 12 * young  # (h, c)
    cbase = np.asarray(p.complaint_rate)[size] / 12

    def hazards(t: int, lat: np.ndarray, st: np.ndarray, slot_now: np.ndarray, rec: np.ndarray) -> list:
        """Occurrence probabilities of the kinds (``TYPES`` order) in window month t, (c, k) each."""
        a = alive[t][:, None]
        camp = 0.0
        if months[t] % 3 == 0:
            camp = camp_p * p.campaign_share * (1 + p.campaign_targeting * np.minimum(rec, 2.0))
        return [
            a * (slot_now == months[t]).astype(float),
            a * routine[t][:, None] * np.ones((1, k)),
            a * np.full((c, k), p.random_rate / 12),
            a * -np.expm1(-cbase * np.exp(p.complaint_gain * (lat + st))),
            a * camp * np.ones((1, k)),
        ]

    # the quiet path (no inspection yet): its latent and state, and P(no inspection) each month
    lat_q, st_q = [lat0], [st0]
    for t in range(1, h):
        lat_q.append(np.where(redraw[t], fresh[t], lat_q[-1]))
        st_q.append(p.state_rho * st_q[-1] + eps[t])
    slot0 = np.broadcast_to(slot[:, None], (c, k))
    none = []
    for t in range(h):
        rec = np.broadcast_to((recent * RECENT_DECAY**t)[:, None], (c, k))
        none.append(np.prod([1 - q for q in hazards(t, lat_q[t], st_q[t], slot0, rec)], axis=0))
    none_arr = np.stack(none)  # (h, c, k)
    before = np.cumprod(np.r_[np.ones((1, c, k)), none_arr[:-1]], axis=0)
    first_p = before * (1 - none_arr)  # P(first inspection in month t)
    weight = first_p.sum(axis=0)  # P(inspected in the window | path)
    u = rng.random((c, k)) * weight
    first = np.minimum((np.cumsum(first_p, axis=0) < u[None]).sum(axis=0), h - 1)
    # the window, forced non-serious from the first inspection on
    lat, st = lat0.copy(), st0.copy()
    slot_now = slot0.copy()
    rec = np.broadcast_to(recent[:, None], (c, k)).copy()
    no_serious = np.ones((c, k))
    size_s, size_m = p.serious_size[size], p.minor_size[size]
    for t in range(h):
        if t > 0:
            lat = np.where(redraw[t], fresh[t], lat)
            st = p.state_rho * st + eps[t]
            rec = rec * RECENT_DECAY
        started = first <= t
        q = hazards(t, lat, st, slot_now, rec)
        occur = [started & (rng.random((c, k)) < qi) for qi in q]
        at_first = first == t
        if at_first.any():  # at least one: the first kind in proportion, later ones as they come
            lead = np.cumprod(np.stack([np.ones((c, k))] + [1 - qi for qi in q[:-1]]), axis=0)
            pick = np.stack(q) * lead  # P(kind j is the first to occur)
            cum = np.cumsum(pick, axis=0)
            v = rng.random((c, k)) * cum[-1]
            j = np.minimum((cum < v[None]).sum(axis=0), len(q) - 1)
            for i in range(len(q)):
                occur[i] = np.where(at_first, (i == j) | ((i > j) & occur[i]), occur[i])
        slot_now = np.where(occur[0], -1, slot_now)
        for i, kind in enumerate(TYPES):
            o = occur[i]
            if not o.any():
                continue
            eta = (
                p.serious_a
                + lat
                + st
                + p.new_business_shift * young[t][:, None]
                + p.serious_type[kind]
                + size_s
            )
            no_serious = np.where(o, no_serious * (1 - expit(eta)), no_serious)
            p_minor = expit(
                p.minor_a + p.minor_latent * lat + p.minor_type[kind] + size_m + FOOD_MINOR_SHIFT * food
            )
            minor = o & (rng.random((c, k)) < p_minor)
            st = st - p.deter_minor * minor
            rec = rec + minor
            book = minor & (slot_now < 0) & (rng.random((c, k)) < p.followup_after_minor)
            slot_now = np.where(book, months[t] + rng.integers(1, 4, (c, k)), slot_now)
    total = weight.sum(axis=1)
    hit = (weight * (1 - no_serious)).sum(axis=1)
    return np.divide(hit, total, out=np.zeros(c), where=total > 0)


def posterior_from_dir(
    data_dir: str | Path,
    grid: Grid | None = None,
    window_months: Iterable[int] = (),
    window_samples: int = 128,
) -> dict[str, np.ndarray]:
    """:func:`posterior` of a folder written by ``generate.py`` (``truth.csv``, ``events.csv``,
    ``params.json``; ``risk_state.npz``'s ``follow_at`` for ``window_months``); adds ``months``
    (``YYYY-MM`` strings) and ``uscc`` (one per business row)."""
    from .generate import read_params

    data_dir = Path(data_dir)
    p = read_params(data_dir / "params.json")
    truth = pd.read_csv(data_dir / "truth.csv", encoding="utf-8-sig", dtype={"industry": str, "uscc": str})
    events = pd.read_csv(data_dir / "events.csv", encoding="utf-8")
    months = pd.period_range(p.start, p.end, freq="M")
    window = None
    if window_months:
        follow_at = np.load(data_dir / "risk_state.npz")["follow_at"].astype(int)
        months_set = frozenset(int(m) for m in window_months)
        window = Window(months=months_set, follow_at=follow_at, samples=window_samples)
    out: dict[str, np.ndarray] = dict(
        posterior(p, businesses_from_truth(truth, p), events, len(months), grid=grid, window=window)
    )
    out["months"] = np.asarray(months.astype(str), dtype=str)
    out["uscc"] = truth["uscc"].to_numpy(dtype=str)
    return out
