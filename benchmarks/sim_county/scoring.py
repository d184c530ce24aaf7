"""Scoring flags against the planted truth.

Definitions (exact)
-------------------
* A **flag** is a row with ``flagged`` true (every row if there is no such column) whose month lies in
  the evaluation window ``[eval_start, eval_end]``; flags outside it are ignored. Its ``field`` is a
  GB/T 4754 key as the package writes it: section ``F``, division ``F52`` or class ``F5212``.
* A flag **covers** an item (event or decoy) when its field contains one of the item's classes (the
  class key starts with the field key: ``F52`` contains ``F5212``) and its month lies in the item's
  window ``[start, end]``.
* An **event is detected** when a flag covers it in ``[start, detect_end]``: every month of a spike or
  a cluster; for a rise its first three months (the start month and the two after it, "within two
  months of its start"). A cluster counts once, detected through either of its classes.
  **Delay** (rises) = months from the start to the first covering flag anywhere in ``[start, end]``
  (0 = flagged in its first month); ``detected_late`` = any covering flag in ``[start, end]``.
* Each flag gets one **category**: ``event`` if it covers an event, else the decoy kind it covers
  (``exposure_shock``, ``campaign``, ``season``), else ``false``. **False flags per month** = number of
  ``false`` flags / number of evaluated months (every flagged row counts, at whatever level).
  **Decoy flags** = flags of a decoy category; a decoy is **hit** when at least one flag covers it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def _months(a: pd.Series | pd.Timestamp, b: pd.Series | pd.Timestamp):
    """Whole months from ``b`` to ``a``."""
    a, b = pd.to_datetime(a), pd.to_datetime(b)
    if isinstance(a, pd.Series):
        return (a.dt.year - b.year) * 12 + a.dt.month - b.month
    return (a.year - b.year) * 12 + a.month - b.month


def score(
    flags: pd.DataFrame, truth: pd.DataFrame, eval_start=None, eval_end=None
) -> dict[str, pd.DataFrame]:
    """Score ``flags`` (columns ``field``, ``period_start`` and optionally ``flagged``) against ``truth``.

    ``eval_start``/``eval_end`` default to ``truth.attrs``. Returns ``{"events", "flags", "summary"}``:
    per-item results (``detected``, ``detected_late``, ``delay``, ``n_flags`` for events; ``n_flags``,
    ``hit`` for decoys), the in-window flags with their ``category`` and ``item``, and a one-row
    summary (``pod``, ``pod_<kind>``, ``n_events``, ``n_detected``, ``rise_delay_mean``,
    ``false_flags``, ``false_per_month``, ``<decoy>_flags``, ``<decoy>_hit``, ``months``).
    """
    eval_start = pd.Timestamp(eval_start if eval_start is not None else truth.attrs["eval_start"])
    eval_end = pd.Timestamp(eval_end if eval_end is not None else truth.attrs["eval_end"])
    n_months = _months(eval_end, eval_start) + 1
    f = flags
    if "flagged" in f.columns:
        f = f[f["flagged"].astype(bool)]
    f = f[["field", "period_start"]].copy()
    f["period_start"] = pd.to_datetime(f["period_start"])
    f = f[(f["period_start"] >= eval_start) & (f["period_start"] <= eval_end)].reset_index(drop=True)
    f["field"] = f["field"].astype(str)

    items = truth.reset_index(drop=True)
    cover = np.zeros((len(f), len(items)), dtype=bool)  # flag i covers item j (in its window)
    for j, it in enumerate(items.itertuples(index=False)):
        classes = it.classes.split(";")
        contains = f["field"].map(lambda k, cl=classes: any(c.startswith(k) for c in cl)).to_numpy(bool)
        in_win = ((f["period_start"] >= it.start) & (f["period_start"] <= it.end)).to_numpy()
        cover[:, j] = contains & in_win

    is_event = (items["role"] == "event").to_numpy()
    category = np.full(len(f), "false", dtype=object)
    item_of = np.full(len(f), "", dtype=object)
    for i in range(len(f)):
        hits = np.flatnonzero(cover[i])
        if not len(hits):
            continue
        ev = [j for j in hits if is_event[j]]
        j = ev[0] if ev else hits[0]
        category[i] = "event" if ev else items.loc[j, "kind"]
        item_of[i] = items.loc[j, "event_id"]
    f["category"], f["item"] = category, item_of

    res = items.copy()
    res["n_flags"] = cover.sum(axis=0)
    detected, late, delay = [], [], []
    for j, it in enumerate(items.itertuples(index=False)):
        when = f.loc[cover[:, j], "period_start"]
        detected.append(bool((when <= it.detect_end).any()))
        late.append(bool(len(when)))
        delay.append(float(_months(when.min(), it.start)) if len(when) else np.nan)
    res["detected"], res["detected_late"], res["delay"] = detected, late, delay
    res["hit"] = res["n_flags"] > 0
    ev = res[res["role"] == "event"]
    summary: dict[str, float] = {
        "months": n_months,
        "n_events": len(ev),
        "n_detected": int(ev["detected"].sum()),
        "pod": float(ev["detected"].mean()) if len(ev) else np.nan,
        "rise_delay_mean": float(ev.loc[ev["kind"] == "rise", "delay"].mean()),
        "false_flags": int((f["category"] == "false").sum()),
        "event_flags": int((f["category"] == "event").sum()),
    }
    summary["false_per_month"] = summary["false_flags"] / n_months
    for kind, grp in ev.groupby("kind"):
        summary[f"pod_{kind}"] = float(grp["detected"].mean())
        summary[f"n_{kind}"] = len(grp)
    for size, grp in ev[ev["kind"] == "spike"].groupby("size"):
        summary[f"pod_spike_{size}"] = float(grp["detected"].mean())
    rises = ev[ev["kind"] == "rise"]
    summary["pod_rise_late"] = float(rises["detected_late"].mean()) if len(rises) else np.nan
    for kind in ("exposure_shock", "campaign", "season"):
        summary[f"{kind}_flags"] = int((f["category"] == kind).sum())
        summary[f"{kind}_hit"] = int(res.loc[res["kind"] == kind, "hit"].sum())
        summary[f"{kind}_n"] = int((res["kind"] == kind).sum())
    return {"events": res, "flags": f, "summary": pd.DataFrame([summary])}


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes out of ``n``."""
    if n == 0:
        return (np.nan, np.nan)
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, mid - half), min(1.0, mid + half))


def summarize(results: list[dict[str, pd.DataFrame]]) -> dict[str, str]:
    """Pool the scores of several seeds of one method into printable cells.

    POD: detected / events over all seeds, with a 95 % Wilson interval (events treated as
    independent). False flags a month and decoy flags: mean ± sd across seeds (decoy flags also as
    the number of decoys hit / decoys). Rise delay: mean (range) over the detected rises of all seeds.
    """
    ev = pd.concat([r["events"].assign(seed=i) for i, r in enumerate(results)], ignore_index=True)
    sm = pd.concat([r["summary"] for r in results], ignore_index=True)
    events = ev[ev["role"] == "event"]
    out: dict[str, str] = {}

    def pod(mask: pd.Series, col: str = "detected") -> str:
        k, n = int(events.loc[mask, col].sum()), int(mask.sum())
        lo, hi = wilson(k, n)
        return f"{k / n:.2f} [{lo:.2f}, {hi:.2f}] ({k}/{n})" if n else "–"

    out["POD (all events)"] = pod(events["kind"].notna())
    for size in ("small", "medium", "large"):
        out[f"  spikes, {size} classes"] = pod((events["kind"] == "spike") & (events["size"] == size))
    out["  rises, within 2 months"] = pod(events["kind"] == "rise")
    out["  rises, any time in the rise"] = pod(events["kind"] == "rise", "detected_late")
    out["  two-class cluster"] = pod(events["kind"] == "cluster")
    rd = events.loc[(events["kind"] == "rise") & events["detected_late"], "delay"]
    out["rise delay, months (detected)"] = (
        f"{rd.mean():.1f} (range {rd.min():.0f}–{rd.max():.0f}, n={len(rd)})"
        if len(rd)
        else "– (none detected)"
    )

    def msd(col: str, fmt: str = "{:.2f}") -> str:
        v = sm[col].astype(float)
        sd = v.std(ddof=1) if len(v) > 1 else float("nan")
        return (fmt.format(v.mean()) + " ± " + fmt.format(sd)) if len(v) > 1 else fmt.format(v.mean())

    out["false flags / month"] = msd("false_per_month")
    for kind, label in (
        ("exposure_shock", "exposure shocks"),
        ("campaign", "inspection campaign"),
        ("season", "regular season"),
    ):
        hit, n = int(sm[f"{kind}_hit"].sum()), int(sm[f"{kind}_n"].sum())
        out[f"decoy flags: {label}"] = f"{msd(f'{kind}_flags', '{:.1f}')} flags/seed; {hit}/{n} hit"
    return out
