"""One simulated run: the county's exports imported period by period, guidance chosen and
registered at each round through the package's public API, and the truth of what guidance did.

>>> files, truth = simulate(1, "record", 0.0, "small", workdir=tmp)   # doctest: +SKIP
>>> result = evaluate(ga.Workspace(truth["workspace"]), truth)        # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import files as F
from .records import multipliers, realise
from .selection import SELECTIONS, choose, violation_record
from .world import N_MONTHS, Params, World, expected_violations, make_world

OFFICERS = ("王某、李某", "张某、刘某", "陈某、杨某")


def _import(ws: Any, steps: list[dict], path: Path, kind: str) -> None:
    result = ws.import_file(path, kind)
    steps.append(
        {
            "step": "import",
            "kind": kind,
            "path": str(path),
            "accepted": result.accepted,
            "updated": result.updated,
            "rejected": result.rejected,
        }
    )
    if result.rejected:
        raise RuntimeError(
            f"{path.name}: {result.rejected} rows rejected: {result.rejects.head(3).to_dict()}"
        )


def _write_period(
    ws: Any,
    world: World,
    out: Path,
    steps: list[dict],
    lic: pd.DataFrame,
    recs: dict[str, pd.DataFrame],
    penalties: pd.DataFrame,
    a: int,
    b: int,
) -> None:
    start = world.months[a]
    stop = world.months[b] if b < N_MONTHS else world.months[-1] + pd.offsets.MonthBegin(1)
    tag = f"{start:%Y%m%d}-{(stop - pd.Timedelta(days=1)):%Y%m%d}"
    parts = (
        ("permits", F.permits_frame(world, lic, start, stop, first=a == 0), "utf-8-sig"),
        ("inspections", F.inspections_frame(world, recs["inspections"]), "gb18030"),
        ("penalties", F.penalties_frame(world, penalties), "utf-8-sig"),
        ("complaints", F.complaints_frame(world, recs["complaints"]), "gb18030"),
    )
    for kind, frame, enc in parts:
        if frame.empty:
            continue
        _import(ws, steps, F.write_csv(frame, out / f"{kind}_{tag}.csv", enc), kind)


def _eligible(
    world: World,
    ws: Any,
    month: int,
    t0: pd.Timestamp,
    guided: pd.DataFrame,
    pools: pd.DataFrame,
    selection: str,
    p: Params,
) -> pd.DataFrame:
    """Businesses operating at t0 (and before), not guided within the cooldown, and — for the
    draw — not in a draw's pool within the follow-up window (the pool's not-drawn rows are the
    comparison group until their follow-up ends)."""
    biz = world.biz
    ok = world.open_[:, month] & (biz["first_month"].to_numpy() < month)
    recent = guided[guided["month"] > month - p.cooldown_months]["row"]
    ok[recent.to_numpy(dtype=int)] = False
    if selection == "draw" and not pools.empty:
        held = pools[pools["month"] > month - p.window_months]["row"]
        ok[held.to_numpy(dtype=int)] = False
    rows = np.flatnonzero(ok)
    out = pd.DataFrame({"row": rows, "business_id": biz["business_id"].to_numpy()[rows]})
    record = violation_record(ws, t0, p.record_months)
    out["record"] = out["business_id"].map(record).fillna(0).astype(int)
    if selection in ("score", "draw"):
        scores = ws.risk_scores(t0.date(), use_hotspots=False)
        by_id = scores.set_index("business_id")
        out["score"] = out["business_id"].map(by_id["score"])
        out["rank"] = out["business_id"].map(by_id["rank"].astype(float))
        out = out[out["score"].notna()]
    else:
        out["score"], out["rank"] = np.nan, np.nan
    return out.reset_index(drop=True)


def _planned_dates(action: np.ndarray, t0: pd.Timestamp, per_day: int = 4) -> list[pd.Timestamp]:
    """计划时间 of each row: the first workday on or after the round; interviews (约谈) fill the
    register's four daily slots, so the n-th interview of a round goes to workday ``n // 4``
    (the register refuses interviews on weekends or in a taken slot since main's interview rule).
    Guidance therefore starts 0–4 days after the round's month start, which the truth ignores."""
    day = pd.offsets.BDay()
    first = t0 if t0.day_of_week < 5 else t0 + day
    out, n = [], 0
    for a in action:
        if a == "约谈":
            out.append(first + n // per_day * day)
            n += 1
        else:
            out.append(first)
    return out


def _register(
    ws: Any,
    world: World,
    out: Path,
    steps: list[dict],
    chosen: pd.DataFrame,
    t0: pd.Timestamp,
    rng: np.random.Generator,
    selection: str,
    seed: int,
    r: int,
) -> pd.DataFrame:
    p = world.params
    biz = world.biz.iloc[chosen["row"].to_numpy()].reset_index(drop=True)
    c = chosen.reset_index(drop=True)
    adopted = rng.random(len(c)) >= p.decline_share
    action = np.where(c["record"] >= p.interview_min_record, "约谈", "提示提醒")
    why = {
        "record": lambda x: f"近{p.record_months}个月发现问题及处罚{x.record}次（排名靠前）",
        "score": lambda x: f"风险分{x.score:.3f}（排名靠前）",
        "draw": lambda x: f"风险加权随机抽取（入选概率{x.inclusion_prob:.3f}）",
    }[selection]
    rows = pd.DataFrame(
        {
            "uscc": biz["uscc"],
            "name": biz["name"],
            "township": biz["township"],
            "industry": biz["industry"],
            "action": action,
            "score": c["score"],
            "reasons": [why(x) for x in c.itertuples(index=False)],
            "evidence": [f"近{p.record_months}个月问题{x}次" for x in c["record"]],
            "adopted": adopted,
            "officers": [OFFICERS[i % len(OFFICERS)] for i in range(len(c))],
            "planned_on": _planned_dates(action, t0),
            "business_id": biz["business_id"],
            "inclusion_prob": c["inclusion_prob"],
            "design": "风险加权随机抽取（系统PPS，权重=0.02+风险分）" if selection == "draw" else "",
            "seed": seed * 1000 + r,
        }
    )
    path = F.write_reviewed_list(rows, out / f"复核名单_{t0:%Y%m%d}.xlsx", t0, drawn=selection == "draw")
    new = ws.add_to_register(path, today=t0.date(), by="模拟复核")
    steps.append(
        {
            "step": "register",
            "kind": "register",
            "path": str(path),
            "today": t0.date().isoformat(),
            "created": len(new),
        }
    )
    if new.attrs.get("refused") or len(new) != int(adopted.sum()):
        raise RuntimeError(f"register {path.name}: {new.attrs.get('summary')} {new.attrs.get('refused')}")
    return c.assign(adopted=adopted, method=action)


def simulate(
    seed: int,
    selection: str,
    effect: float,
    size: str = "small",
    workdir: Any = None,
    params: Params | None = None,
    **overrides: Any,
) -> tuple[list[dict], dict[str, Any]]:
    """Simulate one county and its guidance into a workspace; return (files, truth).

    Parameters
    ----------
    seed : the world's seed (the same seed gives the same businesses, latent rates and potential
        events whatever the selection or effect: common random numbers).
    selection : ``record`` (top-k on the 12-month violation record), ``score`` (top-k on
        ``ws.risk_scores`` as of the round) or ``draw`` (risk-weighted PPS draw from the top
        ``pool_factor * k`` by risk score, inclusion probabilities recorded).
    effect : true effect of guidance, multiplicative on the violation rate (0, -0.4 …) for
        ``effect_months`` from the guidance month.
    size : ``county``, ``sample`` or ``small`` (see :data:`world.SIZES`).
    workdir : the workspace directory (default: a new temporary directory).
    params, overrides : simulation parameters (:class:`world.Params`).

    Returns
    -------
    files : the steps in order — ``{"step": "import", "kind", "path"}`` for each export file and
        ``{"step": "register", "path", "today"}`` for each reviewed list (see :func:`replay`).
    truth : dict with ``workspace``, ``seed``, ``selection``, ``effect``, ``size``, ``params``,
        ``data_end``, ``window_months``, ``entries`` (one row per registered entry: business_id,
        guided_on, method, ``tau`` = expected change of its post-window violations caused by
        guidance, ``cf_post`` = expected post-window violations without it), ``att`` (mean tau),
        ``cf_post`` (mean), ``pool`` (draw only: every pool row with inclusion_prob, drawn,
        adopted, ``tau_if_guided``), ``itt`` (draw only: the intention-to-treat effect of being
        drawn, averaged over the pool rows) and counts.
    """
    if selection not in SELECTIONS:
        raise ValueError(f"unknown selection {selection!r}: one of {SELECTIONS}")
    import guidance_analytics as ga

    p = (params or Params()).with_overrides(**overrides)
    world = make_world(seed, size, p, effect_bound=effect)
    root = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="effects_sim_"))
    out = root / "exports_in"
    out.mkdir(parents=True, exist_ok=True)
    ws = ga.Workspace(root)
    rng = np.random.default_rng([7, int(seed), SELECTIONS.index(selection)])
    round_days = [pd.Timestamp(d) for d in p.rounds]
    round_months = [
        int((d.year - world.months[0].year) * 12 + d.month - world.months[0].month) for d in round_days
    ]
    bounds = [0, *round_months, N_MONTHS]
    lic = F.licences(world)
    guided = pd.DataFrame({"row": pd.Series(dtype=int), "month": pd.Series(dtype=int)})
    pools = pd.DataFrame({"row": pd.Series(dtype=int), "month": pd.Series(dtype=int)})
    selected: list[pd.DataFrame] = []
    pool_rows: list[pd.DataFrame] = []
    pending = pd.DataFrame(columns=["event_id", "row", "decided_on", "u_label"])
    steps: list[dict] = []
    for i in range(len(bounds) - 1):
        a, b = bounds[i], bounds[i + 1]
        recs = realise(world, multipliers(world, guided, effect), a, b)
        pens = (
            pd.concat([pending, recs["penalties"]], ignore_index=True) if len(pending) else recs["penalties"]
        )
        stop = world.months[b] if b < N_MONTHS else world.months[-1] + pd.offsets.MonthBegin(1)
        due = pd.to_datetime(pens["decided_on"]) < stop
        pending = pens[~due]
        _write_period(ws, world, out, steps, lic, recs, pens[due].reset_index(drop=True), a, b)
        if b >= N_MONTHS:
            break
        t0, k = world.months[b], world.size.per_round
        eligible = _eligible(world, ws, b, t0, guided, pools, selection, p)
        chosen, pool = choose(selection, eligible, k, rng, p.pool_factor, p.draw_floor)
        made = _register(ws, world, out, steps, chosen, t0, rng, selection, seed, i)
        made["month"], made["round"] = b, i
        selected.append(made)
        guided = pd.concat([guided, made.loc[made["adopted"], ["row", "month"]]], ignore_index=True)
        if pool is not None:
            pool = pool.merge(made[["row", "adopted"]], on="row", how="left")
            pool["adopted"] = pool["adopted"].fillna(False).astype(bool)
            pool["month"], pool["round"] = b, i
            pool_rows.append(pool)
            pools = pd.concat([pools, pool[["row", "month"]]], ignore_index=True)
    truth = _truth(
        world,
        guided,
        pd.concat(selected, ignore_index=True),
        pd.concat(pool_rows, ignore_index=True) if pool_rows else None,
        effect,
    )
    truth.update(
        workspace=str(root),
        seed=int(seed),
        selection=selection,
        effect=float(effect),
        size=size if isinstance(size, str) else "custom",
        params=dataclasses.asdict(p),
    )
    _save_truth(root, truth)
    return steps, truth


def _window_sums(
    world: World, rows: np.ndarray, months: np.ndarray, mult: np.ndarray, w: int, before: bool = False
) -> np.ndarray:
    ev = expected_violations(world, rows, mult)
    t = np.arange(N_MONTHS)[None, :]
    m = months[:, None]
    mask = (t >= m - w) & (t < m) if before else (t >= m) & (t < m + w)
    return (ev * mask).sum(axis=1)


def _truth(
    world: World, guided: pd.DataFrame, selected: pd.DataFrame, pool: pd.DataFrame | None, effect: float
) -> dict[str, Any]:
    p = world.params
    w, n_m = p.window_months, p.effect_months
    mult = multipliers(world, guided, effect)

    def effect_of(rows: np.ndarray, months: np.ndarray, treated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(tau, counterfactual post sum): with vs without this guidance of each row."""
        with_, without = mult[rows].copy(), mult[rows].copy()
        for j, (m, tr) in enumerate(zip(months, treated, strict=True)):
            if tr:
                without[j, m : m + n_m] /= 1.0 + effect
            else:
                with_[j, m : m + n_m] *= 1.0 + effect
        y1 = _window_sums(world, rows, months, with_, w)
        y0 = _window_sums(world, rows, months, without, w)
        return y1 - y0, y0

    biz = world.biz
    adopted = selected[selected["adopted"]].reset_index(drop=True)
    rows, months = adopted["row"].to_numpy(dtype=int), adopted["month"].to_numpy(dtype=int)
    tau, cf = effect_of(rows, months, np.ones(len(rows), dtype=bool))
    entries = pd.DataFrame(
        {
            "business_id": biz["business_id"].to_numpy()[rows],
            "guided_on": world.months[months],
            "round": adopted["round"].to_numpy(),
            "method": adopted["method"].to_numpy(),
            "record": adopted["record"].to_numpy(),
            "score": adopted["score"].to_numpy(),
            "inclusion_prob": adopted["inclusion_prob"].to_numpy(),
            "tau": tau,
            "cf_post": cf,
            "exp_pre": _window_sums(world, rows, months, mult[rows], w, before=True),
            "operating_post": [
                bool(world.open_[r, min(m + w, N_MONTHS) - 1]) for r, m in zip(rows, months, strict=True)
            ],
        }
    )
    data_end = world.months[-1] + pd.offsets.MonthEnd(0)
    out: dict[str, Any] = {
        "data_end": data_end.date().isoformat(),
        "window_months": w,
        "entries": entries,
        "att": float(tau.mean()) if len(tau) else float("nan"),
        "cf_post": float(cf.mean()) if len(cf) else float("nan"),
        "n_selected": int(len(selected)),
        "n_registered": int(len(adopted)),
        "n_businesses": int(world.n),
        "pool": None,
        "itt": None,
    }
    if pool is not None:
        prow, pm = pool["row"].to_numpy(dtype=int), pool["month"].to_numpy(dtype=int)
        ptau, pcf = effect_of(prow, pm, pool["adopted"].to_numpy(dtype=bool))
        pool = pool.assign(
            business_id=biz["business_id"].to_numpy()[prow],
            guided_on=world.months[pm],
            tau_if_guided=ptau,
            cf_post=pcf,
        )
        out["pool"] = pool[
            [
                "round",
                "guided_on",
                "business_id",
                "score",
                "record",
                "inclusion_prob",
                "drawn",
                "adopted",
                "tau_if_guided",
                "cf_post",
            ]
        ].reset_index(drop=True)
        out["itt"] = float((1.0 - p.decline_share) * ptau.mean())
        out["itt_cf_post"] = float(pcf.mean())
    return out


def _save_truth(root: Path, truth: dict[str, Any]) -> None:
    """The truth next to the workspace (never read by the package): entries.csv, pool.csv."""
    folder = root / "truth"
    folder.mkdir(exist_ok=True)
    truth["entries"].to_csv(folder / "entries.csv", index=False)
    if truth["pool"] is not None:
        truth["pool"].to_csv(folder / "pool.csv", index=False)


def replay(steps: list[dict], workdir: Any) -> Any:
    """Rebuild a workspace from the files of :func:`simulate` (imports and registrations in order)."""
    import guidance_analytics as ga

    ws = ga.Workspace(workdir)
    for s in steps:
        if s["step"] == "import":
            ws.import_file(s["path"], s["kind"])
        else:
            ws.add_to_register(s["path"], today=pd.Timestamp(s["today"]).date(), by="模拟复核")
    return ws
