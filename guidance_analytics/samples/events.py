"""Event simulation for the sample generator: licences, latent violations and what reveals them.

Latent violations per business-month are Poisson with an intensity that combines the industry's
base rate, calendar season, a mild trend, the business's persistent risk (≈3 % "risky"), a
trajectory (deteriorating / improving), self-excitation after each violation (recency), and the
planted hotspot multipliers. Violations surface as 12345 complaints (here) and as problems found
by inspections and penalties after referrals (:mod:`guidance_analytics.samples_enforce`).
Everything is driven by one ``numpy.random.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from .catalog import LICENCES, VIOLATION_NAMES, VIOLATIONS

BASE_RATE = {  # latent violations per business-month
    "food_service": 0.040,
    "food_retail": 0.022,
    "food_prod": 0.030,
    "pharmacy": 0.020,
    "lodging": 0.035,
    "bath": 0.038,
    "sports": 0.025,
    "entertainment": 0.045,
    "internet_cafe": 0.045,
    "construction": 0.045,
    "transport": 0.025,
    "school": 0.014,
    "clinic": 0.016,
    "sanitation": 0.025,
    "fuel": 0.014,
}
COMPLAINT_P = {
    "food_service": 0.5,
    "food_retail": 0.45,
    "food_prod": 0.25,
    "pharmacy": 0.25,
    "lodging": 0.4,
    "bath": 0.35,
    "sports": 0.3,
    "entertainment": 0.5,
    "internet_cafe": 0.45,
    "construction": 0.55,
    "transport": 0.35,
    "school": 0.3,
    "clinic": 0.3,
    "sanitation": 0.4,
    "fuel": 0.1,
}
SEASON = {
    1: 1.15,
    2: 1.2,
    3: 0.9,
    4: 0.92,
    5: 1.0,
    6: 1.08,
    7: 1.05,
    8: 1.05,
    9: 0.98,
    10: 1.05,
    11: 0.9,
    12: 0.98,
}
FAMILY_SEASON = {("food_service", 6): 1.2, ("food_retail", 1): 1.3, ("food_retail", 2): 1.3}
TREND_PER_YEAR = 0.04
EXCITE_JUMP, EXCITE_DECAY, EXCITE_MAX = 0.5, float(np.exp(-1 / 3)), 1.0
RANDOM_DRAW_RATE = 0.016  # 双随机 share of active businesses per month
FINDABLE_DAYS = 75
#: Inspection campaigns (专项检查): name, families, calendar months, share drawn per month.
CAMPAIGNS = (
    ("春节食品安全专项检查", {"food_retail", "food_service"}, {1}, 0.05),
    ("夏季餐饮食品安全专项检查", {"food_service"}, {7, 8}, 0.05),
    ("暑期文化市场专项检查", {"entertainment", "internet_cafe"}, {7}, 0.3),
    ("药品安全专项检查", {"pharmacy"}, {11}, 0.25),
    ("建筑施工安全专项检查", {"construction"}, {4, 9}, 0.15),
    ("消防安全专项检查", {"lodging", "entertainment", "internet_cafe", "bath"}, {11}, 0.12),
)


@dataclass
class Hotspot:
    """One planted cell: rows of ``by`` matching ``township``/``division``/``violation_type``."""

    hotspot_id: str
    by: str
    factor: float
    months: list[int]  # month indices from the start of the period
    township: str = ""
    division: str = ""
    violation_type: str = ""
    recurrent: bool = False
    #: expected latent violations in the cell per planted month, with and without the factor
    expected: dict[int, tuple[float, float]] = field(default_factory=dict)


@dataclass
class World:
    start: pd.Timestamp
    end: pd.Timestamp
    months: pd.DatetimeIndex
    biz: pd.DataFrame
    permits: list[dict] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)
    complaints: list[dict] = field(default_factory=list)
    inspections: list[dict] = field(default_factory=list)
    penalties: list[dict] = field(default_factory=list)
    #: latent intensity per business × month (expected violations), for the truth files
    lam: np.ndarray | None = None


def as_day(ts) -> date:
    return pd.Timestamp(ts).date()


# --------------------------------------------------------------------------- licences
def make_permits(rng: np.random.Generator, w: World) -> None:
    """Licence chains (issue, renewal every validity period) and construction project permits.

    Non-renewal closes the business a month after expiry. Only licences valid on or after the
    period start are kept (the legacy export holds the stock).
    """
    start, end = as_day(w.start), as_day(w.end)
    floor = date(start.year - 6, 1, 1)
    counters: dict = {}
    close = w.biz["close_date"].copy()
    out = []
    for i, b in enumerate(w.biz.itertuples(index=False)):
        opened = as_day(b.open_date)
        closed = None if pd.isna(close.iat[i]) else as_day(close.iat[i])
        for k, key in enumerate(b.licences.split("|")):
            lic = LICENCES[key]
            first = opened + timedelta(days=int(rng.integers(0, 45)) if k else 0)
            if key == "construction":
                y = max(first.year, floor.year)
                while y <= end.year:
                    for _ in range(int(rng.poisson(1.1))):
                        d = date(y, 1, 1) + timedelta(days=int(rng.integers(0, 365)))
                        if d < first or d > end or (closed and d > closed):
                            continue
                        to = d + timedelta(days=int(rng.integers(300, 1100)))
                        if to >= start:
                            out.append(_permit(rng, counters, i, lic, d, to, True))
                    y += 1
                continue
            d, renewal = first, False
            while d <= end and (closed is None or d < closed):
                long_term = rng.random() < lic.long_term
                to = date(2099, 12, 31) if long_term else _add_years(d, lic.years) - timedelta(days=1)
                if to >= start and d >= floor:
                    out.append(_permit(rng, counters, i, lic, d, to, not renewal))
                if long_term:
                    break
                if rng.random() < 0.07 and to < end:  # not renewed: the business closes
                    c = to + timedelta(days=int(rng.integers(0, 40)))
                    if closed is None or c < closed:
                        closed = c
                        close.iat[i] = pd.Timestamp(c)
                    break
                d, renewal = to - timedelta(days=int(rng.integers(0, 60))), True
    w.biz["close_date"] = close
    export = end + timedelta(days=6)
    last = {}
    for p in out:
        last[(p["biz"], p["key"])] = p
    closed_map = {i: as_day(c) for i, c in enumerate(close) if not pd.isna(c)}
    for p in out:
        c = closed_map.get(p["biz"])
        p["status"] = "正常"
        if c and c <= export and last[(p["biz"], p["key"])] is p and p["key"] != "construction":
            p["status"] = "注销"
        elif rng.random() < 0.004:
            p["status"] = "撤销"
    out.sort(key=lambda p: (p["decision_date"], p["biz"], p["key"]))
    w.permits = out


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def _permit(rng, counters, i, lic, d, to, first) -> dict:
    nkey = lic.number
    counters[nkey] = counters.get(nkey, int(rng.integers(100, 900))) + 1
    dkey = (lic.doc_no, d.year)
    counters[dkey] = counters.get(dkey, int(rng.integers(1, 40))) + 1
    number = lic.number.format(
        r="370323", y=d.year, n=counters[nkey], c=int(rng.integers(0, 10)), ymd=d.strftime("%Y%m%d")
    )
    return {
        "biz": i,
        "key": lic.key,
        "item": lic.item,
        "certificate": lic.certificate,
        "doc_name": lic.doc_name,
        "category": lic.category,
        "content": lic.contents[int(rng.integers(len(lic.contents)))],
        "permit_no": number,
        "doc_no": lic.doc_no.format(y=d.year, n=counters[dkey]),
        "decision_date": d,
        "valid_from": d,
        "valid_to": to,
        "first": first,
    }


# --------------------------------------------------------------------------- violations
def type_weights(families: list[str]) -> dict[str, np.ndarray]:
    out = {}
    for f in families:
        v = np.array([x.weights.get(f, 0.0) for x in VIOLATIONS])
        out[f] = v / v.sum()
    return out


def simulate_violations(rng: np.random.Generator, w: World, hotspots: list[Hotspot]) -> None:
    biz = w.biz
    n, m_count = len(biz), len(w.months)
    fam = biz["family"].to_numpy()
    tw = type_weights(sorted(set(fam)))
    tw_mat = np.stack([tw[f] for f in fam])  # n × T
    base = np.array([BASE_RATE[f] for f in fam]) * biz["risk_mult"].to_numpy()
    month_start = w.months
    month_end = month_start + pd.offsets.MonthEnd(0)
    opened = biz["open_date"].to_numpy()
    closed = biz["close_date"].fillna(pd.Timestamp("2262-01-01")).to_numpy()
    kind = biz["risk_kind"].to_numpy()
    t0 = biz["traj_start"].to_numpy()
    tl = biz["traj_len"].to_numpy()
    town = biz["township"].to_numpy()
    div = biz["division"].to_numpy()
    n_types = len(VIOLATIONS)
    excite = np.zeros(n)
    w.lam = np.zeros((n, m_count))
    for m in range(m_count):
        ms, me = month_start[m], month_end[m]
        active = (opened <= me.to_datetime64()) & (closed >= ms.to_datetime64())
        cal = ms.month
        season = np.full(n, SEASON[cal])
        for (f, mo), fac in FAMILY_SEASON.items():
            if mo == cal:
                season[fam == f] *= fac
        trend = 1.0 + TREND_PER_YEAR * m / 12.0
        prog = np.clip((m - t0) / tl, 0.0, 1.0)
        traj = np.ones(n)
        traj[kind == "deteriorating"] = 1.0 + 2.0 * prog[kind == "deteriorating"]
        traj[kind == "improving"] = 1.8 - 1.2 * prog[kind == "improving"]
        cell = np.ones(n)
        type_f = np.ones(n_types)
        for h in hotspots:
            if m not in h.months:
                continue
            if h.violation_type:
                type_f[VIOLATION_NAMES.index(h.violation_type)] *= h.factor
                continue
            mask = np.ones(n, dtype=bool)
            if h.township:
                mask &= town == h.township
            if h.division:
                mask &= div == h.division
            cell[mask] *= h.factor
        wt = tw_mat * type_f
        tmult = wt.sum(axis=1)
        lam = base * season * trend * traj * cell * tmult * (1.0 + excite) * active
        lam = np.minimum(lam, 0.8)
        w.lam[:, m] = lam
        for h in hotspots:
            if m in h.months:
                if h.violation_type:
                    t = VIOLATION_NAMES.index(h.violation_type)
                    e = float((lam * wt[:, t] / tmult).sum())
                else:
                    mask = np.ones(n, dtype=bool)
                    if h.township:
                        mask &= town == h.township
                    if h.division:
                        mask &= div == h.division
                    e = float(lam[mask].sum())
                h.expected[m] = (e, e / h.factor)
        counts = rng.poisson(lam)
        days = (me - ms).days + 1
        for b in np.flatnonzero(counts):
            p = wt[b] / wt[b].sum()
            for _ in range(int(counts[b])):
                t = int(rng.choice(n_types, p=p))
                d = ms.date() + timedelta(days=int(rng.integers(0, days)))
                w.violations.append(
                    {
                        "vid": len(w.violations),
                        "biz": int(b),
                        "date": d,
                        "type": t,
                        "month": m,
                        "found": False,
                        "complained": False,
                    }
                )
        excite = np.minimum(excite * EXCITE_DECAY + EXCITE_JUMP * counts, EXCITE_MAX)
    w.violations.sort(key=lambda v: (v["date"], v["biz"]))
    for i, v in enumerate(w.violations):
        v["vid"] = i


# --------------------------------------------------------------------------- complaints
def make_complaints(rng: np.random.Generator, w: World, unmatchable_share: float = 0.15) -> None:
    """Complaints about real violations, unfounded complaints, and unmatchable ones."""
    biz = w.biz
    fam = biz["family"].to_numpy()
    start, end = as_day(w.start), as_day(w.end)
    out = []
    for v in w.violations:
        f = fam[v["biz"]]
        if rng.random() >= COMPLAINT_P[f]:
            continue
        v["complained"] = True
        for extra in range(2):
            if extra and rng.random() >= 0.12:
                break
            d = v["date"] + timedelta(days=int(rng.integers(0, 4)) + 2 * extra)
            if d > end:
                break
            out.append(
                {
                    "biz": v["biz"],
                    "vid": v["vid"],
                    "type": v["type"],
                    "origin": "violation",
                    "received": _at(rng, d),
                }
            )
    n_months = len(w.months)
    opened = biz["open_date"].to_numpy()
    closed = biz["close_date"].fillna(pd.Timestamp("2262-01-01")).to_numpy()
    risky = biz["risk_kind"].to_numpy() == "risky"
    tw = type_weights(sorted(set(fam)))
    for m in range(n_months):
        ms = w.months[m]
        me = ms + pd.offsets.MonthEnd(0)
        active = (opened <= me.to_datetime64()) & (closed >= ms.to_datetime64())
        rate = np.array([COMPLAINT_P[f] for f in fam]) * 0.03 * (1 + risky) * active
        for b in np.flatnonzero(rng.random(len(fam)) < rate):
            d = ms.date() + timedelta(days=int(rng.integers(0, (me - ms).days + 1)))
            t = int(rng.choice(len(VIOLATIONS), p=tw[fam[b]]))
            out.append(
                {"biz": int(b), "vid": None, "type": t, "origin": "unfounded", "received": _at(rng, d)}
            )
    n_unmatch = int(round(len(out) * unmatchable_share / (1 - unmatchable_share)))
    span = (end - start).days + 1
    for _ in range(n_unmatch):
        d = start + timedelta(days=int(rng.integers(0, span)))
        out.append({"biz": None, "vid": None, "type": None, "origin": "unmatchable", "received": _at(rng, d)})
    out.sort(key=lambda c: (c["received"], -1 if c["biz"] is None else c["biz"]))
    w.complaints = out


def _at(rng, d: date) -> datetime:
    hour = int(rng.choice(np.arange(7, 23), p=_HOUR_P))
    return datetime(d.year, d.month, d.day, hour, int(rng.integers(0, 60)), int(rng.integers(0, 60)))


_HOUR_W = np.array([2, 6, 9, 10, 9, 6, 7, 9, 9, 8, 6, 5, 5, 4, 3, 2], dtype=float)
_HOUR_P = _HOUR_W / _HOUR_W.sum()
