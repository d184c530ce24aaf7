"""Follow-up of guidance in a workspace: did the guided businesses' violations fall?

Reads the register, the monthly outcome counts and the businesses from the workspace and hands
them to the comparison design (:mod:`.design`: staggered adoption, clean controls, matching on
what selection used, IPCW for controls guided later, cluster bootstrap, pre-trend test and
placebo) and to the verdicts (:mod:`.estimate`).

Outcomes (all from records dated on or before ``as_of``): ``violations`` (inspections of
severity ≥ 1 in the view ``inspection_severity`` of migration 003, plus penalties),
``penalties``, ``substantiated_complaints`` (属实/部分属实) and ``inspections`` (exposure:
violations are only found when someone inspects). Months are calendar months; an entry's post
window is the ``window_months`` months from the month of its 指导日期.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, rules, write_table
from ..targeting import risk_scores
from .design import NO_CONTROL, OFF_SUPPORT, Design, Panel, build_design, placebo_design, summarise
from .estimate import ALL_METHODS, COUNT_OUTCOMES, SUMMARY_COLUMNS, verdict_row
from .randomised import randomised_from_panel

log = logging.getLogger(__name__)

#: Status of an entry in the follow-up.
EVALUATED, PENDING, UNMATCHED = "已评估", "随访期未满", NO_CONTROL
GUIDED_BEFORE, SHORT_HISTORY, CLOSED = "前期已受指导", "指导前数据不足", "已注销"

CASE_COLUMNS = [
    "case_id",
    "year",
    "seq",
    "method",
    "business_id",
    "guided_on",
    "follow_up_ends",
    "status",
    "n_controls",
    "control_ids",
    "match_distance",
    "support",
] + [
    f"{group}_{when}_{o}"
    for o in COUNT_OUTCOMES
    for group in ("guided", "control")
    for when in ("pre", "post")
]

EVENT_COLUMNS = ["outcome", "bin", "months", "guided", "control", "diff", "ci_low", "ci_high"]


def resolve_as_of(ws: WorkspaceLike, as_of: Any = None) -> pd.Timestamp:
    """``as_of`` as a day; by default the newest outcome record in the workspace (else today)."""
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    end = ws.store.query("effects/data_end")["data_end"].iloc[0]
    return pd.Timestamp.today().normalize() if end is None or pd.isna(end) else pd.Timestamp(end)


def month_no(days: Any, start: pd.Timestamp) -> np.ndarray:
    """Calendar month numbers of ``days`` counted from the month of ``start`` (0)."""
    d = pd.DatetimeIndex(pd.to_datetime(pd.Series(days)))
    return np.asarray((d.year - start.year) * 12 + d.month - start.month, dtype=int)


def _start(ws: WorkspaceLike, as_of: pd.Timestamp) -> pd.Timestamp:
    first = ws.store.query("effects/data_end")["data_start"].iloc[0]
    day = as_of if first is None or pd.isna(first) else min(pd.Timestamp(first), as_of)
    return pd.Timestamp(day).to_period("M").to_timestamp()


def load_panel(
    ws: WorkspaceLike, as_of: pd.Timestamp, extra_ids: Any = ()
) -> tuple[Panel, pd.Timestamp, dict]:
    """The monthly panel of every business (and of ``extra_ids``), its first month and the id index."""
    cfg = rules(ws, "effects")["effects"]
    start = _start(ws, as_of)
    units = ws.store.query("effects/units")
    ids = pd.Index(units["business_id"].astype(str)).append(pd.Index([str(i) for i in extra_ids])).unique()
    units = units.set_index("business_id").reindex(ids)
    index = {b: k for k, b in enumerate(ids)}
    n_months = int(month_no([as_of], start)[0]) + 1
    counts = ws.store.query(
        "effects/monthly_panel",
        start=start.date(),
        as_of=as_of.date(),
        substantiated=list(cfg["substantiated"]),
    )
    kinds = (*COUNT_OUTCOMES, "referrals")
    arrays = {o: np.zeros((len(ids), n_months)) for o in kinds}
    if len(counts):
        rows = counts["business_id"].astype(str).map(index)
        keep = rows.notna().to_numpy() & (counts["month_no"].to_numpy() < n_months)
        r, m = rows[keep].astype(int).to_numpy(), counts.loc[keep, "month_no"].to_numpy(dtype=int)
        for o in kinds:
            np.add.at(arrays[o], (r, m), counts.loc[keep, o].to_numpy(dtype=float))
    big = 10**6
    first = units["first_seen"]
    first_month = np.where(first.isna(), -big, month_no(first.fillna(start), start))
    until = units["operating_until"]
    until_month = np.where(until.isna(), big, month_no(until.fillna(start), start))
    register = ws.store.query("effects/entries")
    guided: list[list[int]] = [[] for _ in ids]
    if len(register):
        gm = month_no(register["guided_on"], start)
        for b, mth, day in zip(register["business_id"].astype(str), gm, register["guided_on"], strict=True):
            if b in index and pd.Timestamp(day) <= as_of:
                guided[index[b]].append(int(mth))
    panel = Panel(
        business_ids=np.asarray(ids),
        counts=arrays,
        guided=[np.array(sorted(g), dtype=int) for g in guided],
        division=units["division"].fillna("").astype(str).to_numpy(),
        first_month=first_month.astype(int),
        operating_until=until_month.astype(int),
        n_months=n_months,
        closed=units["closed"].fillna(False).astype(bool).to_numpy(),
    )
    return panel, start, index


def _entries(ws: WorkspaceLike, cases: pd.DataFrame | None) -> pd.DataFrame:
    """Entries to evaluate: the register's (not voided) or the hypothetical ``cases``."""
    if cases is None:
        entries = ws.store.query("effects/entries")
        entries["case_id"] = [f"{y}-{s:03d}" for y, s in zip(entries["year"], entries["seq"], strict=True)]
    else:
        given = pd.DataFrame(cases).reset_index(drop=True)
        entries = given[["business_id", "guided_on"]].copy()
        entries["method"] = given["method"] if "method" in given else "假设指导"
        entries["year"] = given["year"] if "year" in given else pd.to_datetime(entries["guided_on"]).dt.year
        entries["seq"] = given["seq"] if "seq" in given else np.arange(1, len(given) + 1)
        entries["case_id"] = [f"假设-{i + 1:03d}" for i in range(len(entries))]
    entries["guided_on"] = pd.to_datetime(entries["guided_on"]).dt.normalize()
    entries["business_id"] = entries["business_id"].astype(str)
    return entries.reset_index(drop=True)


def _risk_scores(
    ws: WorkspaceLike, months: list[int], start: pd.Timestamp, index: dict
) -> dict[int, np.ndarray]:
    """The risk score of every business at each cohort month (as the ranking saw it), if it can be made."""
    out: dict[int, np.ndarray] = {}
    for g in months:
        day = (start + pd.DateOffset(months=int(g))).date()
        try:
            scores = risk_scores(ws, day, use_hotspots=False, explain=0)  # the score only
        except (ValueError, RuntimeError) as err:  # too little history to train the model
            log.info("risk score of %s not available: %s", day, err)
            continue
        arr = np.full(len(index), np.nan)  # not scored: NaN (0 in the matching, skipped by the support check)
        rows = scores["business_id"].astype(str).map(index)
        ok = rows.notna().to_numpy()
        arr[rows[ok].astype(int).to_numpy()] = scores.loc[ok, "score"].to_numpy(dtype=float)
        out[g] = arr
    if out and len(out) < len(months):  # the same features for every cohort
        for g in months:
            out.setdefault(g, np.zeros(len(index)))
    return out


@dataclass
class EffectStudy:
    """Everything the follow-up found: the summary and the tables behind it.

    Attributes
    ----------
    summary : one row per (method, outcome); see :func:`guidance_effects`.
    cases : one row per entry (:data:`CASE_COLUMNS`): status, controls, pre/post counts.
    event_study : ``outcome``, ``bin`` (−4 … −1 before, 0 … after), ``months`` (Chinese label),
        ``guided`` and ``control`` (mean counts per case and bin), ``diff``, ``ci_low``, ``ci_high``.
    balance : the matching features: ``feature``, ``label``, ``guided_mean``, ``matched_mean``,
        ``std_diff`` (standardised difference; |d| < 0.1 is good balance).
    randomised : the design-based estimate of the risk-weighted draws (see :func:`randomised_effects`).
    """

    summary: pd.DataFrame
    cases: pd.DataFrame
    event_study: pd.DataFrame
    balance: pd.DataFrame
    randomised: pd.DataFrame = field(default_factory=pd.DataFrame)


def _case_table(design: Design, entries: pd.DataFrame, panel: Panel, window: int, pre: int) -> pd.DataFrame:
    out = entries.copy()
    d = design.cases.set_index("case_id") if len(design.cases) else pd.DataFrame()
    bins = np.array(design.bins)
    for o in COUNT_OUTCOMES:
        for k in ("guided", "control"):
            for when in ("pre", "post"):
                out[f"{k}_{when}_{o}"] = np.nan
    if len(d):
        pos = {c: i for i, c in enumerate(design.cases["case_id"])}
        for col in ("n_controls", "match_distance", "support"):
            out[col] = out["case_id"].map(d[col])
        ids = {}
        for i in range(len(design.cases)):
            mine = design.pair_unit[design.pair_case == i]
            ids[design.cases.at[i, "case_id"]] = ";".join(str(panel.business_ids[u]) for u in mine)
        out["control_ids"] = out["case_id"].map(ids)
        rows = out["case_id"].map(pos)
        has = rows.notna().to_numpy()
        r = rows[has].astype(int).to_numpy()
        for o in COUNT_OUTCOMES:
            yc = design.case_y[o]
            num = np.zeros((len(design.cases), len(bins)))
            den = np.zeros((len(design.cases), len(bins)))
            np.add.at(num, design.pair_case, design.pair_w * design.pair_y[o])
            np.add.at(den, design.pair_case, design.pair_w)
            with np.errstate(invalid="ignore", divide="ignore"):
                ctrl = num / den
            scale = window / pre
            out.loc[has, f"guided_pre_{o}"] = yc[r][:, bins < 0].sum(axis=1) * scale
            out.loc[has, f"guided_post_{o}"] = yc[r][:, bins >= 0].sum(axis=1)
            out.loc[has, f"control_pre_{o}"] = np.nansum(ctrl[r][:, bins < 0], axis=1) * scale
            out.loc[has, f"control_post_{o}"] = np.nansum(ctrl[r][:, bins >= 0], axis=1)
    out["n_controls"] = out.get("n_controls", pd.Series(0, index=out.index)).fillna(0).astype(int)
    return out.reindex(columns=CASE_COLUMNS)


def effect_study(
    ws: WorkspaceLike,
    window_months: int = 6,
    *,
    as_of: Any = None,
    methods: Any = None,
    controls_per_case: int | None = None,
    n_boot: int = 500,
    seed: int = 0,
    cases: pd.DataFrame | None = None,
    caliper: float | None = None,
    censoring: str | None = None,
    use_risk_score: bool | None = None,
    outcome_model: str | None = None,
) -> EffectStudy:
    """The follow-up study: summary with verdicts, per-case table, event study, balance, draws.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    window_months : int
        W, the post window in months (the pre-period is ``pre_months`` of ``config/effects.toml``).
    as_of : date-like, optional
        Follow-up cut-off (records after it are never read); default the newest record.
    methods : str or list of str, optional
        Only entries with these 指导方式; default all.
    controls_per_case : int, optional
        Nearest controls per case (default ``controls_per_case`` of the config).
    n_boot : int
        Cluster-bootstrap resamples for the intervals and the pre-trend test.
    seed : int
        Seed of the matching tie-break and of the bootstrap.
    cases : pandas.DataFrame, optional
        Hypothetical cases instead of the register (``business_id``, ``guided_on``, optional
        ``method``): e.g. the businesses a rule *would* have picked, to show regression to the mean.
    caliper : float, optional
        Largest standardised distance of a control (default the config's; ``float("inf")``: none).
    censoring : str, optional
        Controls guided during the post window: ``ipcw`` (default), ``drop`` or ``keep``.
    use_risk_score : bool, optional
        Match on the risk score of each cohort month too (default the config's).
    outcome_model : str, optional
        Regression of the bias correction: ``poisson`` or ``linear`` (default the config's).

    Returns
    -------
    EffectStudy
        ``summary`` (see :func:`guidance_effects`), ``cases``, ``event_study``, ``balance``,
        ``randomised``.

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> study = effect_study(ws, as_of="2024-12-31")
    >>> int(study.summary.loc[0, "n_entries"]), study.summary.loc[0, "verdict"]
    (0, '数据不足以判断')
    """
    cfg = rules(ws, "effects")["effects"]
    as_of = resolve_as_of(ws, as_of)
    pre = int(cfg.get("pre_months", 12))
    act = int(cfg.get("act_months", 12))
    entries = _entries(ws, cases)
    if methods is not None:
        wanted = [methods] if isinstance(methods, str) else list(methods)
        entries = entries[entries["method"].isin(wanted)].reset_index(drop=True)
    panel, start, index = load_panel(ws, as_of, entries["business_id"])
    entries["follow_up_ends"] = (
        entries["guided_on"].dt.to_period("M").dt.to_timestamp()
        + pd.DateOffset(months=int(window_months))
        - pd.Timedelta(days=1)
    )
    g = month_no(entries["guided_on"], start) if len(entries) else np.zeros(0, dtype=int)
    entries["status"] = np.where(entries["follow_up_ends"] <= as_of, EVALUATED, PENDING)
    entries.loc[(entries["status"] == EVALUATED) & (g - pre < 0), "status"] = SHORT_HISTORY
    units = entries["business_id"].map(index).to_numpy(dtype=int) if len(entries) else np.zeros(0, int)
    if cases is None:
        for k in np.flatnonzero(entries["status"].to_numpy() == EVALUATED):
            earlier = panel.guided[units[k]]
            if ((earlier < g[k]) & (earlier >= g[k] - pre - act)).any():
                entries.at[k, "status"] = GUIDED_BEFORE
    closed = panel.closed[units] if len(units) else np.zeros(0, bool)
    entries.loc[(entries["status"] == EVALUATED).to_numpy() & closed, "status"] = CLOSED
    ready = entries["status"] == EVALUATED
    design_cases = pd.DataFrame(
        {
            "case_id": entries.loc[ready, "case_id"].to_numpy(),
            "method": entries.loc[ready, "method"].to_numpy(),
            "unit": units[ready.to_numpy()],
            "g": g[ready.to_numpy()],
        }
    )
    if cases is not None:  # hypothetical picks: pretend they were guided
        for u, mth in zip(design_cases["unit"], design_cases["g"], strict=True):
            panel.guided[u] = np.sort(np.append(panel.guided[u], mth))
    score_on = bool(cfg.get("use_risk_score", True) if use_risk_score is None else use_risk_score)
    scores = (
        _risk_scores(ws, sorted(set(design_cases["g"])), start, index)
        if score_on and len(design_cases)
        else None
    )
    cap = cfg.get("caliper", 1.0) if caliper is None else caliper
    design = build_design(
        panel,
        design_cases,
        window_months=int(window_months),
        pre_months=pre,
        act_months=act,
        controls_per_case=int(
            cfg.get("controls_per_case", 5) if controls_per_case is None else controls_per_case
        ),
        caliper=None if cap is None or not np.isfinite(float(cap)) else float(cap),
        exact_division=bool(cfg.get("exact_division", True)),
        scores=scores or None,
        censoring=str(cfg.get("censoring", "ipcw") if censoring is None else censoring),
        fit_controls=int(cfg.get("fit_controls", 50)),
        outcome_model=str(cfg.get("outcome_model", "linear") if outcome_model is None else outcome_model),
        support=tuple(cfg.get("support", ("score", "v12"))),
        min_support=int(cfg.get("min_support", 3)),
        seed=seed,
    )
    status = design.cases.set_index("case_id")["status"] if len(design.cases) else pd.Series(dtype=str)
    entries.loc[ready, "status"] = entries.loc[ready, "case_id"].map(status).fillna(UNMATCHED)
    table = _case_table(design, entries, panel, int(window_months), pre)
    placebo = placebo_design(design)
    summary = _summary(
        design,
        placebo,
        table,
        cfg,
        int(window_months),
        pre,
        as_of,
        n_boot,
        seed,
        hypothetical=cases is not None,
    )
    events = _event_table(design, cfg, n_boot, seed)
    study = EffectStudy(summary=summary, cases=table, event_study=events, balance=design.balance)
    if cases is None:
        study.randomised = randomised_from_panel(
            ws, panel, start, index, int(window_months), as_of, n_boot, seed
        )
    table.attrs.update(as_of=as_of, window_months=int(window_months), hypothetical=cases is not None)
    return study


def randomised_effects(ws: WorkspaceLike, window_months: int = 6, *, as_of: Any = None) -> pd.DataFrame:
    """The randomised route's estimate: drawn vs not drawn in the recorded risk-weighted draws.

    See :mod:`guidance_analytics.effects.randomised`. Returns one row per action drawn and 全部:
    ``method``, ``n_draws``, ``n_pool``, ``n_drawn``, ``n_adopted``, ``n_declined``,
    ``mean_drawn``, ``mean_not_drawn`` (weighted post-window violations), ``estimate`` (ITT,
    violations per pool row and window), ``se`` (linearised, for reference), ``ci_low``,
    ``ci_high`` (randomisation-test inversion), ``p_value`` (re-drawing the recorded design, no
    effect), ``relative_change``,
    ``pre_difference`` (the same contrast before the draw: ≈ 0 by design), ``verdict``,
    ``reason``, ``interpretation``; empty without a recorded draw.

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> randomised_effects(ws, as_of="2024-12-31").empty
    True
    """
    day = resolve_as_of(ws, as_of)
    panel, start, index = load_panel(ws, day)
    return randomised_from_panel(ws, panel, start, index, int(window_months), day)


def _groups(frame: pd.DataFrame, cfg: dict[str, Any]) -> list[str]:
    order = [m for m in cfg.get("methods", []) if m in set(frame["method"])]
    return order + sorted(set(frame["method"].dropna()) - set(order))


def _summary(
    design: Design,
    placebo: Design,
    table: pd.DataFrame,
    cfg: dict[str, Any],
    window: int,
    pre: int,
    as_of: pd.Timestamp,
    n_boot: int,
    seed: int,
    *,
    hypothetical: bool,
) -> pd.DataFrame:
    level = float(cfg.get("ci_level", 0.95))
    subject = "假设挑选的未指导主体" if hypothetical else "被指导主体"
    rows = []
    methods = design.cases["method"].to_numpy() if len(design.cases) else np.array([])
    evaluated = design.cases["status"].to_numpy() == EVALUATED if len(design.cases) else np.array([], bool)
    p_methods = placebo.cases["method"].to_numpy() if len(placebo.cases) else np.array([])
    for method in [ALL_METHODS, *_groups(table, cfg)]:
        part = table if method == ALL_METHODS else table[table["method"] == method]
        mask = evaluated & ((methods == method) | (method == ALL_METHODS))
        p_mask = np.ones(len(p_methods), bool) if method == ALL_METHODS else p_methods == method
        n_controls = len(np.unique(design.pair_unit[mask[design.pair_case]])) if len(design.pair_case) else 0
        for outcome, (label, unit) in cfg["outcomes"].items():
            row: dict[str, Any] = {
                "method": method,
                "outcome": outcome,
                "outcome_label": label,
                "window_months": window,
                "as_of": as_of,
                "n_entries": len(part),
                "n_pending": int((part["status"] == PENDING).sum()),
                "n_unmatched": int((part["status"] == UNMATCHED).sum()),
                "n_off_support": int((part["status"] == OFF_SUPPORT).sum()),
                "_off_milder": int(
                    (
                        (part["status"] == OFF_SUPPORT)
                        & part["support"].fillna("").astype(str).str.endswith("-")
                    ).sum()
                ),
                "n_excluded": int(part["status"].isin([GUIDED_BEFORE, SHORT_HISTORY, CLOSED]).sum()),
                "n_cases": int(mask.sum()),
                "n_controls": int(n_controls),
            }
            for key in SUMMARY_COLUMNS:
                row.setdefault(key, np.nan)
            if mask.any():
                s = summarise(
                    design,
                    outcome,
                    mask,
                    window_months=window,
                    pre_months=pre,
                    n_boot=n_boot,
                    seed=seed,
                    level=level,
                )
                row.update({k: v for k, v in s.items() if k in SUMMARY_COLUMNS})
                if p_mask.sum() >= 2:
                    ps = summarise(
                        placebo,
                        outcome,
                        p_mask,
                        window_months=window,
                        pre_months=pre,
                        n_boot=n_boot,
                        seed=seed + 1,
                    )
                    row["placebo"], row["placebo_ci_low"], row["placebo_ci_high"] = (
                        ps["estimate"],
                        ps["ci_low"],
                        ps["ci_high"],
                    )
            rows.append(verdict_row(row, rules=cfg, label=label, unit=unit, subject=subject))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _event_table(design: Design, cfg: dict[str, Any], n_boot: int, seed: int) -> pd.DataFrame:
    """The event study of every outcome over all evaluated cases."""
    mask = design.cases["status"].to_numpy() == EVALUATED if len(design.cases) else np.array([], bool)
    if not mask.any():
        return pd.DataFrame(columns=EVENT_COLUMNS)
    rows = []
    level = float(cfg.get("ci_level", 0.95))
    tail = (1 - level) / 2 * 100
    bm = design.bin_months
    for outcome in cfg["outcomes"]:
        s = summarise(
            design, outcome, mask, window_months=bm, pre_months=bm, n_boot=n_boot, seed=seed, level=level
        )
        point, boot = s["bins"], s["boot"]
        for b, e in enumerate(design.bins):
            lo, hi = (np.nan, np.nan)
            if boot is not None:
                x = boot["diff"][:, b]
                x = x[np.isfinite(x)]
                if len(x):
                    lo, hi = np.percentile(x, [tail, 100 - tail])
            a, z = e * bm, (e + 1) * bm
            label = f"指导前{-a}至{-z}个月" if e < 0 else f"指导后{a}至{z}个月"
            rows.append(
                {
                    "outcome": outcome,
                    "bin": e,
                    "months": label,
                    "guided": point["case"][0, b],
                    "control": point["control"][0, b],
                    "diff": point["diff"][0, b],
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
    return pd.DataFrame(rows, columns=EVENT_COLUMNS)


def follow_up_cases(
    ws: WorkspaceLike,
    window_months: int = 6,
    *,
    as_of: Any = None,
    methods: Any = None,
    controls_per_case: int | None = None,
    seed: int = 0,
    cases: pd.DataFrame | None = None,
    caliper: float | None = None,
) -> pd.DataFrame:
    """One row per guidance entry: follow-up status, matched controls and pre/post outcomes.

    Parameters are those of :func:`effect_study` (no bootstrap is run).

    Returns
    -------
    pandas.DataFrame
        ``case_id`` (``YYYY-NNN``), ``year``, ``seq``, ``method``, ``business_id``,
        ``guided_on``, ``follow_up_ends`` (last day of the post window), ``status`` (已评估 /
        随访期未满 / 超出可比范围 / 无可比对照 / 前期已受指导 / 指导前数据不足 / 已注销), ``n_controls``, ``control_ids``
        (``;``-joined), ``match_distance`` (mean standardised distance), ``support`` (for
        超出可比范围: the feature and side, ``score+`` riskier than nearly every eligible control,
        ``v12-`` a record below nearly all of them) and for each outcome in
        ``violations``, ``penalties``, ``substantiated_complaints``, ``inspections``:
        ``guided_pre_<o>``, ``guided_post_<o>``, ``control_pre_<o>``, ``control_post_<o>`` (pre
        scaled to the post window's length; control values are the matched controls' weighted
        means, unadjusted). ``attrs``: ``as_of``, ``window_months``, ``hypothetical``.
    """
    return effect_study(
        ws,
        window_months,
        as_of=as_of,
        methods=methods,
        controls_per_case=controls_per_case,
        n_boot=0,
        seed=seed,
        cases=cases,
        caliper=caliper,
    ).cases


def guidance_effects(
    ws: WorkspaceLike,
    window_months: int = 6,
    *,
    as_of: Any = None,
    methods: Any = None,
    controls_per_case: int | None = None,
    n_boot: int = 500,
    seed: int = 0,
    cases: pd.DataFrame | None = None,
    caliper: float | None = None,
) -> pd.DataFrame:
    """Did guidance reduce violations? Guided vs matched clean controls, with a verdict.

    The design is described in :mod:`guidance_analytics.effects.design`; :func:`effect_study`
    returns the tables behind this summary (event study, balance, per case, the draws).

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    window_months : int
        W, the post window in months.
    as_of : date-like, optional
        Follow-up cut-off (records after it are never read); default the newest record.
    methods : str or list of str, optional
        Only entries with these 指导方式; default all.
    controls_per_case : int, optional
        Nearest controls per case (default the config's).
    n_boot : int
        Cluster-bootstrap resamples.
    seed : int
        Seed of the matching tie-break and of the bootstrap.
    cases : pandas.DataFrame, optional
        Hypothetical cases instead of the register (``business_id``, ``guided_on``, optional
        ``method``).
    caliper : float, optional
        Largest standardised distance of a control (default the config's).

    Returns
    -------
    pandas.DataFrame
        One row per (method, outcome); ``method`` 全部 first, then each method present.
        Columns: ``method``, ``outcome``, ``outcome_label``, ``window_months``, ``as_of``,
        ``n_entries`` (not voided), ``n_pending`` (随访期未满), ``n_unmatched`` (无可比对照),
        ``n_off_support`` (超出可比范围: riskier — or milder — at t0 than all but fewer than
        ``min_support`` of the eligible controls on the risk score or the 12-month record, see
        :func:`~guidance_analytics.effects.design.off_support`; not estimated, and when they are
        more than ``max_off_support_share`` of the comparable entries the verdict is 数据不足以判断),
        ``n_excluded`` (前期已受指导 / 指导前数据不足), ``n_cases`` (evaluated), ``n_controls``
        (distinct control businesses), ``guided_pre``, ``guided_post``, ``control_pre``,
        ``control_post`` (mean counts per case over W months; pre scaled from the pre-period;
        control values regression-adjusted), ``naive_change`` (guided post − pre) with
        ``naive_ci_low``/``naive_ci_high``, ``control_change``, ``did`` (naive_change −
        control_change), ``estimate`` (the effect: guided post − adjusted control post),
        ``ci_low``, ``ci_high`` (cluster bootstrap), ``relative_change`` (estimate / control
        post) with ``rel_ci_low``/``rel_ci_high``, ``pretrend_p`` (joint test of the pre bins),
        ``placebo``, ``placebo_ci_low``, ``placebo_ci_high`` (pseudo-cases), ``significant``
        (the verdict claims an effect), ``verdict`` (有效 / 无显著变化 / 未见减少 /
        数据不足以判断; — for inspections), ``reason`` and ``interpretation`` (Chinese).

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> int(guidance_effects(ws, as_of="2024-12-31")["n_entries"].sum())
    0
    """
    return effect_study(
        ws,
        window_months,
        as_of=as_of,
        methods=methods,
        controls_per_case=controls_per_case,
        n_boot=n_boot,
        seed=seed,
        cases=cases,
        caliper=caliper,
    ).summary


def top_offenders(
    ws: WorkspaceLike, on: Any, window_months: int = 6, *, top: int = 30, min_violations: int = 2
) -> pd.DataFrame:
    """Hypothetical cases: the businesses a "worst recent record" rule would have picked on ``on``.

    Feed them to ``guidance_effects(ws, cases=...)`` to see how much a naive before/after
    comparison "improves" with no guidance at all (regression to the mean).

    Returns
    -------
    DataFrame with ``business_id``, ``guided_on`` (= ``on``), ``pre_violations`` (violations in the
    ``window_months`` before ``on``, at least ``min_violations``), ``method`` (假设指导), worst first.
    """
    picks = ws.store.query(
        "effects/top_offenders",
        on=pd.Timestamp(on).date(),
        window_months=int(window_months),
        top=int(top),
        min_violations=int(min_violations),
    )
    picks["guided_on"] = pd.to_datetime(picks["guided_on"])
    return picks.assign(method="假设指导")


#: Chinese headers of the summary for people (``write_effects``).
EFFECT_HEADERS = {
    "method": "指导方式",
    "outcome_label": "指标",
    "window_months": "指导后窗口（月）",
    "as_of": "评估截止日",
    "n_entries": "指导记录数",
    "n_pending": "随访期未满",
    "n_unmatched": "无可比对照",
    "n_off_support": "超出可比范围",
    "n_excluded": "未评估（前期已受指导等）",
    "n_cases": "已评估户次",
    "n_controls": "对照主体数",
    "guided_pre": "被指导组指导前",
    "guided_post": "被指导组指导后",
    "control_pre": "对照组指导前",
    "control_post": "对照组指导后（校正）",
    "naive_change": "简单前后对比",
    "did": "简单双重差分",
    "estimate": "效果估计",
    "ci_low": "置信区间下限",
    "ci_high": "置信区间上限",
    "relative_change": "相对变化",
    "pretrend_p": "前趋势检验p值",
    "placebo": "安慰剂检验估计",
    "verdict": "结论",
    "reason": "理由",
    "interpretation": "解读",
}


def write_effects(effects: pd.DataFrame, path: Any) -> Any:
    """Write a :func:`guidance_effects` table for people (.xlsx/.csv, Chinese headers); return the path."""
    table = effects[list(EFFECT_HEADERS)].copy()
    table["as_of"] = pd.to_datetime(table["as_of"]).dt.strftime("%Y-%m-%d")
    numbers = [c for c in table.columns if table[c].dtype.kind == "f"]
    table[numbers] = table[numbers].round(3)
    window = int(effects["window_months"].iloc[0]) if len(effects) else ""
    return write_table(
        table,
        path,
        headers=EFFECT_HEADERS,
        title="行政指导效果评估",
        subtitle=f"被指导主体与按指导前记录和风险匹配的未受指导主体对比，指导后{window}个月",
        sheet_name="效果评估",
        column_widths={"解读": 80},
    )
