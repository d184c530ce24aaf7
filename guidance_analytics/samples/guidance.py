"""Planted guidance: sample businesses given 约谈 or 提示提醒, with a known effect on later violations.

Part of the sample generator (:mod:`guidance_analytics.samples`). At each round of
:data:`ROUNDS` (quarter starts), ``PER_ROUND`` businesses are drawn without replacement with
probability proportional to their latent risk multiplier (``risk_mult``: the bureau picks the
worse businesses more often, from what it knows of them) among those operating from a year
before the round through the six months after it, with a valid credit code as written (the
register matches it), not guided in the previous ``EFFECT_MONTHS`` and outside the planted
township / division hotspot cells the effect would overlap — the recurrent summer cell of food
service (``R1``, every July–August) included, so food service (division 62) is never guided: a
12-month effect always covers a summer, and thinning its businesses' summer violations moved the
seasonal signal the hotspot tests look for (the violations found in 餐饮业 in August fell from
q 0.044 to 0.068 when 34 food-service businesses were guided). Risky businesses
(``risk_kind`` = ``risky``) get 约谈, the others 提示提醒; interviews are spread over workdays,
four a day (the register's slots).

The planted effect multiplies the business's latent violation rate by ``1 + EFFECTS[method]``
for ``EFFECT_MONTHS`` months from the guidance month (:func:`guidance_multipliers`). It is
realised by thinning, after every record has been generated (:func:`prevent_guided`): each
latent violation of a guided business in its effect window is prevented with probability
``−effect`` — a thinned Poisson process is the Poisson process of the multiplied rate — and
what it would have caused goes with it: its complaints and the 投诉核查 they prompted (unless
that check found other violations too), the finding of any inspection that found only prevented violations (the inspection stays, as
未发现问题), and the penalty that followed such a finding or was written for a prevented
violation's type. Thinning after the fact leaves every
other business's records exactly as without guidance (the other random streams are not moved:
a prevented complaint stays in the world's list, marked, so the complaint table still draws its
random text — substantiation, order number, wording — and only leaves its row out; removing it
outright shifted every later complaint's draws and moved the township hotspot H8's substantiated
complaints, 24 → 22 in its months);
the recency feedback of a prevented violation (it raised the business's rate for the next
months) is not undone, so the realised effect is slightly smaller than planted. The guidance itself reaches the
analytics only as the reviewed lists ``guidance/指导记录_<day>.csv`` (one per round, 是否采纳 = 是,
计划时间 = the day), which notebook 05 registers into a copy of the workspace; ``truth/guidance.csv`` records it with
the expected latent violations in the 6 months from the guidance month with and without the
effect.

Draws come from a random stream of their own (child 5 of the seed's ``SeedSequence``), so the
choice of businesses does not depend on the other streams.

>>> ROUNDS[0], EFFECTS["约谈"], EFFECTS["提示提醒"]
('2022-04-01', -0.5, -0.3)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Guidance rounds (first day of the round's month).
ROUNDS = (
    "2022-04-01",
    "2022-07-01",
    "2022-10-01",
    "2023-01-01",
    "2023-04-01",
    "2023-07-01",
    "2023-10-01",
    "2024-01-01",
    "2024-04-01",
)
PER_ROUND = 14
#: Planted multiplicative effect on the latent violation rate, per method.
EFFECTS = {"约谈": -0.5, "提示提醒": -0.3}
EFFECT_MONTHS = 12
WINDOW_MONTHS = 6
OFFICERS = ("王某、李某", "张某、刘某", "陈某、杨某")
#: Child of the seed's SeedSequence that draws the guided businesses.
STREAM = 5

GUIDANCE_HEADERS = ("序号", "统一社会信用代码", "行政相对人名称", "所属乡镇", "行业", "建议方式", "理由")
GUIDANCE_HEADERS += ("是否采纳", "指导人员", "计划时间")


def guidance_rng(seed: int) -> np.random.Generator:
    """The random stream of the planted guidance (independent of the generator's other streams)."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(STREAM + 1)[STREAM])


def _workdays(first: pd.Timestamp, n: int, per_day: int = 4) -> list[pd.Timestamp]:
    day = pd.offsets.BDay()
    start = first if first.day_of_week < 5 else first + day
    return [start + (i // per_day) * day for i in range(n)]


def plan_guidance(
    rng: np.random.Generator, biz: pd.DataFrame, months: pd.DatetimeIndex, hotspots: list | None = None
) -> pd.DataFrame:
    """The guided businesses: ``truth_id`` (row position in ``biz``), ``month`` (index),
    ``guided_on``, ``method``.

    A business inside a planted township or division hotspot cell (the recurrent summer cell
    included) is not guided at a round whose effect window overlaps the cell's months, so the
    hotspot's planted factor stays the only thing that moves its cell. Violation-type cells span
    every business and are not excluded."""
    opened = pd.to_datetime(biz["open_date"])
    closed = pd.to_datetime(biz["close_date"]).fillna(pd.Timestamp("2262-01-01"))
    valid = ~biz["placeholder"].to_numpy(bool) & ~biz["wrong_check"].to_numpy(bool)
    risk = biz["risk_mult"].to_numpy(dtype=float)
    last: dict[int, int] = {}
    rows = []
    for day in ROUNDS:
        t0 = pd.Timestamp(day)
        hit = np.flatnonzero(months == t0)
        if not len(hit) or t0 + pd.DateOffset(months=WINDOW_MONTHS) > months[-1] + pd.offsets.MonthEnd(0):
            continue
        m = int(hit[0])
        ok = (
            valid
            & (opened <= t0 - pd.DateOffset(months=12)).to_numpy()
            & (closed > t0 + pd.DateOffset(months=WINDOW_MONTHS)).to_numpy()
        )
        for b, mm in last.items():
            if m - mm < EFFECT_MONTHS:
                ok[b] = False
        for h in hotspots or []:
            if h.violation_type or not set(h.months) & set(range(m, m + EFFECT_MONTHS)):
                continue
            cell = np.ones(len(biz), dtype=bool)
            if h.township:
                cell &= biz["township"].to_numpy() == h.township
            if h.division:
                cell &= biz["division"].to_numpy() == h.division
            ok &= ~cell
        idx = np.flatnonzero(ok)
        k = min(PER_ROUND, len(idx))
        if k == 0:
            continue
        pick = np.sort(rng.choice(idx, k, replace=False, p=risk[idx] / risk[idx].sum()))
        method = np.where(biz["risk_kind"].to_numpy()[pick] == "risky", "约谈", "提示提醒")
        interviews = iter(_workdays(t0, int((method == "约谈").sum())))
        first = _workdays(t0, 1)[0]
        for b, mth in zip(pick, method, strict=True):
            last[int(b)] = m
            rows.append(
                {
                    "truth_id": int(b),
                    "month": m,
                    "guided_on": next(interviews) if mth == "约谈" else first,
                    "method": str(mth),
                }
            )
    return pd.DataFrame(rows, columns=["truth_id", "month", "guided_on", "method"])


def guidance_multipliers(plan: pd.DataFrame, n: int, n_months: int) -> np.ndarray:
    """(businesses × months) multipliers of the latent rate: ``1 + EFFECTS[method]`` for
    ``EFFECT_MONTHS`` months from each guidance month.

    >>> plan = pd.DataFrame({"truth_id": [1], "month": [2], "method": ["约谈"]})
    >>> guidance_multipliers(plan, 2, 5)[1].tolist()
    [1.0, 1.0, 0.5, 0.5, 0.5]
    """
    mult = np.ones((n, n_months))
    for b, m, method in zip(plan["truth_id"], plan["month"], plan["method"], strict=True):
        mult[int(b), int(m) : int(m) + EFFECT_MONTHS] *= 1.0 + EFFECTS[method]
    return mult


def prevent_guided(rng: np.random.Generator, w: Any, plan: pd.DataFrame) -> set[int]:
    """Thin the guided businesses' violations in their effect windows (see the module docstring);
    returns the prevented violation ids. ``w`` is the generator's world (lists of dicts)."""
    mult = guidance_multipliers(plan, len(w.biz), len(w.months))
    prevented = {
        v["vid"]
        for v in w.violations
        if mult[v["biz"], v["month"]] < 1 and rng.random() >= mult[v["biz"], v["month"]]
    }
    if not prevented:
        return prevented
    kept = {v["vid"]: v for v in w.violations if v["vid"] not in prevented}
    w.violations = list(kept.values())
    # prevented complaints stay in the list, marked: the complaint table draws their random text
    # as before and leaves their rows out, so every other complaint is written as without guidance
    # (its substantiation, order number and wording come from the same draws)
    for c in w.complaints:
        if c.get("vid") in prevented:
            c["prevented"] = True
    inspections = []
    for rec in w.inspections:
        unprompted = rec["itype"] == "投诉核查" and rec.get("vid") in prevented
        if unprompted and not [x for x in rec["vids"] if x not in prevented]:
            continue  # its complaint was never made, and it found nothing else
        if any(x in prevented for x in rec["vids"]):
            rec["vids"] = [x for x in rec["vids"] if x not in prevented]
            if rec["vids"]:
                rec["types"] = [kept[x]["type"] for x in rec["vids"]]
            else:
                rec["sev"], rec["types"], rec["problem_count"] = 0, [], 0
        inspections.append(rec)
    alive = {id(r) for r in inspections}
    w.inspections = inspections
    w.penalties = [
        p
        for p in w.penalties
        if id(p["inspection"]) in alive
        and p["inspection"]["sev"] > 0
        and p["types"][0] in p["inspection"]["types"]
    ]
    return prevented


def write_guidance(
    out: Path, truth: Path, plan: pd.DataFrame, biz: pd.DataFrame, lam: np.ndarray, mult: np.ndarray
) -> list[Path]:
    """The reviewed lists of the planted guidance, one per round (``out/guidance/指导记录_<day>.csv``,
    UTF-8 with BOM, register with ``ws.add_to_register(path, today=<day>)``) and
    ``truth/guidance.csv`` (``lam``: the latent rates without guidance); returns the lists' paths."""
    b = plan["truth_id"].to_numpy(dtype=int)
    info = biz.iloc[b].reset_index(drop=True)
    sheet = pd.DataFrame(
        {
            "统一社会信用代码": info["uscc"],
            "行政相对人名称": info["name"],
            "所属乡镇": info["township"],
            "行业": info["industry_code"],
            "建议方式": plan["method"].to_numpy(),
            "理由": ["按日常监管掌握的情况列入指导（样例数据）"] * len(plan),
            "是否采纳": "是",
            "指导人员": [OFFICERS[i % len(OFFICERS)] for i in range(len(plan))],
            "计划时间": [pd.Timestamp(d).strftime("%Y-%m-%d") for d in plan["guided_on"]],
        }
    )
    folder = out / "guidance"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("指导记录_*.csv"):
        old.unlink()
    paths = []
    for month, part in sheet.groupby(plan["month"].to_numpy(), sort=True):
        day = pd.Timestamp(plan.loc[plan["month"] == month, "guided_on"].min())
        rows = part.reset_index(drop=True)
        rows.insert(0, "序号", np.arange(1, len(rows) + 1))
        path = folder / f"指导记录_{day:%Y-%m-%d}.csv"
        rows.reindex(columns=list(GUIDANCE_HEADERS)).to_csv(
            path, index=False, encoding="utf-8-sig", lineterminator="\n"
        )
        paths.append(path)
    post_with, post_without = [], []
    for row, m in zip(b, plan["month"].to_numpy(dtype=int), strict=True):
        window = slice(m, m + WINDOW_MONTHS)
        post_with.append(float((lam[row, window] * mult[row, window]).sum()))
        post_without.append(float(lam[row, window].sum()))
    pd.DataFrame(
        {
            "truth_id": info["truth_id"],
            "uscc": info["uscc"],
            "guided_on": [pd.Timestamp(d).strftime("%Y-%m-%d") for d in plan["guided_on"]],
            "method": plan["method"].to_numpy(),
            "effect": [EFFECTS[x] for x in plan["method"]],
            "effect_months": EFFECT_MONTHS,
            "risk_kind": info["risk_kind"],
            "risk_mult": info["risk_mult"].round(4),
            "latent_post_6m": np.round(post_with, 4),
            "latent_post_6m_without": np.round(post_without, 4),
        }
    ).to_csv(truth / "guidance.csv", index=False, lineterminator="\n")
    return paths
