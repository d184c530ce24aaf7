"""Planted events and decoys: what they are, where they go, and the truth table.

Events (to be flagged)
    ``spike``    rate × 3–4 for 1–2 months in one class (3 small, 3 medium, 3 large classes);
    ``rise``     rate × 1.5–2 sustained for 4–6 months (a step) in one medium or large class (6);
    ``cluster``  rate × 2.5 for 2 months in two small/medium classes of the same division (1).
Decoys (must not be flagged)
    ``exposure_shock``  licences double within two months (new businesses), violations per licence
                        unchanged; the decoy window is the 12 months from the shock (2: one
                        medium/large class, one small class);
    ``campaign``        a 专项检查 campaign doubles the inspections of a clean class (no event ever) for
                        2–3 months, the share of inspections finding a problem unchanged (1);
    ``season``          the seasonal class's regular season, May–September of every evaluated year.

Placement: every item draws its class from its size pool and its start month uniformly inside the
evaluation window (events and the whole window of a decoy lie inside it, a shock's window is cut at
its end). Two items in the same division never come within ``buffer`` months of each other (so a
division-level flag is attributed to one item), the seasonal class hosts nothing else, and the
campaign class hosts no event (and no exposure shock) at any time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .classes import SEASONAL_CLASS

EVENT_KINDS = ("spike", "rise", "cluster")
DECOY_KINDS = ("exposure_shock", "campaign", "season")


@dataclass(frozen=True)
class ItemSpec:
    """``n`` items of ``kind`` in classes of the ``pools`` sizes, lasting ``months`` (min, max)
    with a multiplier uniform in ``mult``; ``n_classes`` > 1 for a cluster."""

    kind: str
    pools: tuple[str, ...]
    n: int
    months: tuple[int, int]
    mult: tuple[float, float]
    n_classes: int = 1


#: the default design: 16 events and 3 decoys placed at random (+ the season of every evaluated year)
DEFAULT_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec("exposure_shock", ("medium", "large"), 1, (12, 12), (2.0, 2.0)),
    ItemSpec("exposure_shock", ("small",), 1, (12, 12), (2.0, 2.0)),
    ItemSpec("rise", ("medium", "large"), 6, (4, 6), (1.5, 2.0)),
    ItemSpec("cluster", ("small", "medium"), 1, (2, 2), (2.5, 2.5), n_classes=2),
    ItemSpec("spike", ("large",), 3, (1, 2), (3.0, 4.0)),
    ItemSpec("spike", ("medium",), 3, (1, 2), (3.0, 4.0)),
    ItemSpec("spike", ("small",), 3, (1, 2), (3.0, 4.0)),
    ItemSpec("campaign", ("small", "medium"), 1, (2, 3), (2.0, 2.0)),
)

TRUTH_COLUMNS = [
    "event_id",
    "kind",
    "role",
    "classes",
    "divisions",
    "size",
    "baseline",
    "start",
    "end",
    "months",
    "multiplier",
    "detect_end",
]


def place_items(
    rng: np.random.Generator,
    classes: pd.DataFrame,
    periods: pd.DatetimeIndex,
    eval_start: pd.Timestamp,
    items: tuple[ItemSpec, ...] = DEFAULT_ITEMS,
    buffer: int = 2,
    season_months: tuple[int, ...] = (5, 6, 7, 8, 9),
    tries: int = 200,
) -> pd.DataFrame:
    """Place the items at random under the constraints of the module docstring; the truth table.

    ``periods`` are the month starts of the simulation; returns one row per item (``TRUTH_COLUMNS``):
    ``classes``/``divisions`` are ``;``-joined keys, ``start``/``end`` month starts (inclusive),
    ``detect_end`` the last month in which a flag counts as a detection (``end``, or for a rise its
    start + 2 months), ``baseline`` the class's nominal base violations a month (sum for a cluster;
    ``simulate`` replaces it by the mean expected without the event over the item's window).
    """
    e0 = int(np.searchsorted(periods, eval_start))
    last = len(periods) - 1
    by_key = classes.set_index("key")
    for _ in range(tries):
        rows = _season_rows(classes, periods, e0, season_months)
        busy: dict[str, list[tuple[int, int]]] = {}
        for r in rows:
            busy.setdefault(by_key.loc[SEASONAL_CLASS, "division"], []).append((r["_s"], r["_e"]))
        event_classes: set[str] = set()
        ok = True
        for spec in items:
            for _ in range(spec.n):
                row = _place_one(rng, spec, classes, by_key, e0, last, busy, event_classes, buffer)
                if row is None:
                    ok = False
                    break
                rows.append(row)
            if not ok:
                break
        if ok:
            return _truth_frame(rows, periods, by_key)
    raise RuntimeError("could not place the planted items; fewer items or a longer evaluation window")


def _season_rows(classes: pd.DataFrame, periods: pd.DatetimeIndex, e0: int, months: tuple[int, ...]) -> list:
    if SEASONAL_CLASS not in set(classes["key"]):
        return []
    rows = []
    for year in sorted({p.year for p in periods[e0:]}):
        idx = [i for i, p in enumerate(periods) if i >= e0 and p.year == year and p.month in months]
        if idx:
            rows.append(
                {
                    "kind": "season",
                    "classes": [SEASONAL_CLASS],
                    "_s": idx[0],
                    "_e": idx[-1],
                    "multiplier": np.nan,
                }
            )
    return rows


def _place_one(rng, spec, classes, by_key, e0, last, busy, event_classes, buffer):
    pool = classes[classes["size"].isin(spec.pools) & (classes["key"] != SEASONAL_CLASS)]
    if spec.kind == "campaign":
        pool = pool[~pool["key"].isin(event_classes)]
    for _ in range(500):
        dur = int(rng.integers(spec.months[0], spec.months[1] + 1))
        if spec.kind == "exposure_shock":  # the window may run past the end: cut there
            s = int(rng.integers(e0 + 1, last - 5 + 1))
        else:
            s = int(rng.integers(e0 + 1, last - dur + 2))
        e = min(s + dur - 1, last)
        if spec.n_classes > 1:
            div = rng.choice(pool["division"].unique())
            members = pool[pool["division"] == div]
            if len(members) < spec.n_classes:
                continue
            keys = list(rng.choice(members["key"].to_numpy(), spec.n_classes, replace=False))
        else:
            keys = [str(rng.choice(pool["key"].to_numpy()))]
        divs = {by_key.loc[k, "division"] for k in keys}
        clash = any(not (e + buffer < bs or s > be + buffer) for d in divs for bs, be in busy.get(d, []))
        if clash:
            continue
        for d in divs:
            busy.setdefault(d, []).append((s, e))
        event_classes.update(keys)  # the campaign class must be clean: no event, no shock
        lo, hi = spec.mult
        mult = float(lo if lo == hi else rng.uniform(lo, hi))
        return {"kind": spec.kind, "classes": sorted(keys), "_s": s, "_e": e, "multiplier": round(mult, 2)}
    return None


def _truth_frame(rows: list, periods: pd.DatetimeIndex, by_key: pd.DataFrame) -> pd.DataFrame:
    out = []
    order = {k: i for i, k in enumerate(EVENT_KINDS + DECOY_KINDS)}
    rows = sorted(rows, key=lambda r: (order[r["kind"]], r["_s"], r["classes"]))
    counters: dict[str, int] = {}
    for r in rows:
        counters[r["kind"]] = counters.get(r["kind"], 0) + 1
        keys = r["classes"]
        base = float(by_key.loc[keys, "base"].sum())
        sizes = sorted({by_key.loc[k, "size"] for k in keys})
        detect_end = min(r["_s"] + 2, r["_e"]) if r["kind"] == "rise" else r["_e"]
        out.append(
            {
                "event_id": f"{r['kind']}{counters[r['kind']]:02d}",
                "kind": r["kind"],
                "role": "event" if r["kind"] in EVENT_KINDS else "decoy",
                "classes": ";".join(keys),
                "divisions": ";".join(sorted({by_key.loc[k, "division"] for k in keys})),
                "size": "+".join(sizes),
                "baseline": base,
                "start": periods[r["_s"]],
                "end": periods[r["_e"]],
                "months": r["_e"] - r["_s"] + 1,
                "multiplier": r["multiplier"],
                "detect_end": periods[detect_end],
            }
        )
    return pd.DataFrame(out, columns=TRUTH_COLUMNS)
