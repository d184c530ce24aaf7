"""Enforcement side of the sample generator: inspections (random draws, campaigns, complaint
checks, post-licence checks, follow-ups) that find latent violations, and the penalties that follow
referrals. Part of :mod:`guidance_analytics.samples`.
"""

from __future__ import annotations

import heapq
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .catalog import AUTHORITIES, FAMILY_AUTHORITY, FINES, VIOLATIONS
from .events import CAMPAIGNS, FINDABLE_DAYS, RANDOM_DRAW_RATE, World, as_day, type_weights


# --------------------------------------------------------------------------- inspections
def make_inspections(rng: np.random.Generator, w: World) -> None:
    """Schedule inspections, resolve their findings in date order, and derive penalties."""
    biz = w.biz
    fam = biz["family"].to_numpy()
    kind = biz["risk_kind"].to_numpy()
    opened = biz["open_date"].to_numpy()
    closed = biz["close_date"].fillna(pd.Timestamp("2262-01-01")).to_numpy()
    start, end = as_day(w.start), as_day(w.end)
    heap: list = []
    seq = 0

    def push(d: date, b: int, itype: str, vid=None, parent=None):
        nonlocal seq
        if start <= d <= end:
            heapq.heappush(heap, (d, seq, b, itype, vid, parent))
            seq += 1

    for ms in w.months:
        me = ms + pd.offsets.MonthEnd(0)
        active = np.flatnonzero((opened <= me.to_datetime64()) & (closed >= ms.to_datetime64()))
        days = (me - ms).days + 1
        k = int(rng.binomial(len(active), RANDOM_DRAW_RATE))
        for b in rng.choice(active, size=k, replace=False):
            push(_workday(rng, ms.date(), days), int(b), "双随机抽查")
        for _name, fams, months, share in CAMPAIGNS:
            if ms.month not in months:
                continue
            pool = active[np.isin(fam[active], list(fams))]
            for b in pool[rng.random(len(pool)) < share]:
                push(_workday(rng, ms.date(), days), int(b), "专项检查")
    for p in w.permits:
        if p["key"] == "construction":
            continue
        if rng.random() < (0.7 if p["first"] else 0.15):
            push(p["decision_date"] + timedelta(days=int(rng.integers(1, 21))), p["biz"], "许可勘验")
    for c in w.complaints:
        if c["biz"] is not None and rng.random() < 0.75:
            push(
                c["received"].date() + timedelta(days=int(rng.integers(1, 5))),
                c["biz"],
                "投诉核查",
                vid=c["vid"],
            )

    by_biz: dict[int, list[dict]] = {}
    for v in w.violations:
        by_biz.setdefault(v["biz"], []).append(v)
    last_found: dict[int, date] = {}
    tw = type_weights(sorted(set(fam)))
    out = []
    while heap:
        d, _s, b, itype, vid, parent = heapq.heappop(heap)
        open_v = [
            v
            for v in by_biz.get(b, ())
            if not v["found"] and v["date"] <= d and (d - v["date"]).days <= FINDABLE_DAYS
        ]
        found = []
        for v in open_v:
            p = 0.92 if (vid is not None and v["vid"] == vid) else 0.8
            if rng.random() < p:
                v["found"] = True
                found.append(v)
        types = [v["type"] for v in found]
        if parent is not None:  # follow-up of an order to correct
            if kind[b] == "risky" and rng.random() < 0.3 or rng.random() < 0.05:
                types = types or [parent["types"][0]]
                sev = 3
            else:
                sev = 0 if not types else _severity(rng, kind[b], len(types), b in last_found)
        elif not types and rng.random() < 0.02:
            types = [int(rng.choice(len(VIOLATIONS), p=tw[fam[b]]))]
            sev = 1
        else:
            sev = 0 if not types else _severity(rng, kind[b], len(types), _recent(last_found, b, d))
        rec = {
            "biz": b,
            "date": d,
            "itype": "日常检查" if parent is not None else itype,
            "sev": sev,
            "types": types,
            "vids": [v["vid"] for v in found],
            "vid": vid,  # the violation a 投诉核查 checks (None otherwise)
            "problem_count": 0 if sev == 0 else len(types) + int(rng.poisson(0.3)),
        }
        out.append(rec)
        if sev:
            last_found[b] = d
        if sev == 2:
            push(d + timedelta(days=int(rng.integers(15, 31))), b, "日常检查", parent=rec)
        if sev >= 1:
            p_pen = {1: 0.02, 2: 0.10, 3: 0.85}[sev]
            if rng.random() < p_pen:
                pd_ = d + timedelta(days=int(rng.integers(15, 80)))
                if pd_ <= end:
                    w.penalties.append({"biz": b, "date": pd_, "sev": sev, "types": types, "inspection": rec})
    w.inspections = out


def _recent(last_found: dict, b: int, d: date) -> bool:
    return b in last_found and (d - last_found[b]).days <= 365


def _severity(rng, kind: str, count: int, repeat: bool) -> int:
    if kind == "risky":
        p = [0.25, 0.45, 0.30]
    elif repeat:
        p = [0.45, 0.42, 0.13]
    else:
        p = [0.62, 0.33, 0.05]
    sev = 1 + int(rng.choice(3, p=p))
    return min(3, sev + (1 if count >= 3 and sev < 3 else 0))


def _workday(rng, first: date, days: int) -> date:
    for _ in range(10):
        d = first + timedelta(days=int(rng.integers(0, days)))
        if d.weekday() < 5:
            return d
    return d


# --------------------------------------------------------------------------- penalties
def finish_penalties(rng: np.random.Generator, w: World) -> None:
    """Authority, decision number, kinds, amounts."""
    fam = w.biz["family"].to_numpy()
    kind = w.biz["risk_kind"].to_numpy()
    w.penalties.sort(key=lambda p: (p["date"], p["biz"]))
    counters: dict = {}
    for p in w.penalties:
        t = VIOLATIONS[p["types"][0]]
        if t.authority in ("fire", "law", "transport", "culture"):
            akey = t.authority
        else:
            akey = FAMILY_AUTHORITY.get(fam[p["biz"]], t.authority)
        name, prefix = AUTHORITIES[akey]
        ckey = (akey, p["date"].year)
        counters[ckey] = counters.get(ckey, int(rng.integers(1, 30))) + int(rng.integers(1, 4))
        p["authority"] = name
        p["decision_no"] = f"{prefix}〔{p['date'].year}〕{counters[ckey]}号"
        sev = p["sev"]
        kinds: list[str]
        fine = float(FINES[sev][int(rng.integers(len(FINES[sev])))])
        conf = 0.0
        if sev == 1:
            kinds = ["警告"] if fine == 0 else ["警告", "罚款"]
        elif sev == 2:
            kinds = ["警告", "罚款"] if rng.random() < 0.5 else ["罚款"]
        else:
            u = rng.random()
            if kind[p["biz"]] == "risky" and u < 0.06:
                kinds = ["吊销许可证件", "罚款"]
            elif u < 0.12:
                kinds = ["责令停产停业", "罚款"]
            elif u < 0.45:
                kinds = ["罚款", "没收违法所得"]
                conf = float(rng.integers(2, 200)) * 100.0
            else:
                kinds = ["罚款"]
        if "罚款" not in kinds:
            fine = 0.0
        p["kinds"], p["fine"], p["conf"] = kinds, fine, conf
