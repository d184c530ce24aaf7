"""Follow-up of guidance: did the guided businesses' violations fall more than comparable ones'?

For every register entry that is not voided (business ``b`` guided on ``t0``) the outcomes of ``b``
are counted in the pre window ``[t0 - W, t0)`` and the post window ``[t0, t0 + W)``; only entries
whose post window has ended by ``as_of`` are evaluated, the others are reported as 随访期未满.

Controls are businesses of the same industry division (exact), first seen before ``t0``, not
guided in ``[t0 − W, t0]`` (nor in ``(t0, t0 + W)`` when the rule ``exclude_guided_after`` is
set), within the caliper on the pre-window record (|Δ violations| + |Δ substantiated complaints|;
0 by default = exact, see ``config/effects.toml``) and nearest on it; among equally near ones the
same subject type (企业/个体工商户…), then the same township, then the nearest pre-window
inspection count, then chance (``seed``). Matching is nearest-neighbour with replacement across
cases. A case without any control is reported as 无可比对照 and not estimated: comparing the
worst businesses with milder ones would let their regression to the mean pass for an effect.

Businesses guided *after* ``t0`` stay eligible as controls by default: guidance is aimed at
businesses whose violations rise, so dropping them selects controls on their post-window outcome
(on the synthetic sample this made "guiding" nobody look significantly harmful); the price is a
DiD biased towards 0 when the controls' own later guidance works.

The estimate is the difference-in-differences ``(post − pre)_guided − (post − pre)_controls``
with a bootstrap interval over cases (:mod:`guidance_analytics.effects.estimate`). The naive
before/after change of the guided businesses is reported next to it: guided businesses were
chosen because their recent record was bad, so part of their improvement is regression to the
mean, which the controls absorb.

Outcomes (all from records dated on or before ``as_of``): ``violations`` (inspections of severity
≥ 1 in the view ``inspection_severity`` of migration 003, plus penalties), ``penalties``,
``substantiated_complaints`` (属实/部分属实), ``inspections`` (exposure: violations are only found
when someone inspects) and ``violations_per_inspection`` (ratio of sums).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, rules, sql, write_table
from .estimate import COUNT_OUTCOMES, summarise_effects

#: Status of an entry in the follow-up.
EVALUATED, PENDING, UNMATCHED = "已评估", "随访期未满", "无可比对照"

CASE_COLUMNS = [
    "case_id",
    "year",
    "seq",
    "method",
    "business_id",
    "guided_on",
    "follow_up_ends",
    "status",
    "matched_on",
    "n_controls",
    "control_ids",
    "match_distance",
] + [
    f"{group}_{when}_{outcome}"
    for outcome in COUNT_OUTCOMES
    for group in ("guided", "control")
    for when in ("pre", "post")
]


def resolve_as_of(ws: WorkspaceLike, as_of: Any = None) -> pd.Timestamp:
    """``as_of`` as a day; by default the newest outcome record in the workspace (else today)."""
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    end = ws.store.query("effects/data_end").iloc[0, 0]
    return pd.Timestamp.today().normalize() if end is None or pd.isna(end) else pd.Timestamp(end)


def _entries(ws: WorkspaceLike, cases: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(entries to evaluate, every known guidance) — from the register or from ``cases``."""
    register = ws.store.query("effects/entries")
    register["guided_on"] = pd.to_datetime(register["guided_on"])
    if cases is None:
        entries = register.copy()
        entries["case_id"] = [f"{y}-{s:03d}" for y, s in zip(entries["year"], entries["seq"], strict=True)]
        return entries, register
    given = pd.DataFrame(cases).reset_index(drop=True)
    units = ws.store.query("effects/units")
    entries = given[["business_id", "guided_on"]].merge(units, on="business_id", how="left")
    entries["division"] = entries["division"].fillna("")
    entries["guided_on"] = pd.to_datetime(entries["guided_on"]).dt.normalize()
    entries["method"] = given["method"] if "method" in given else "假设指导"
    entries["year"] = given["year"] if "year" in given else entries["guided_on"].dt.year
    entries["seq"] = given["seq"] if "seq" in given else np.arange(1, len(given) + 1)
    entries["case_id"] = [f"假设-{i + 1:03d}" for i in range(len(entries))]
    known = pd.concat([register[["business_id", "guided_on"]], entries[["business_id", "guided_on"]]])
    return entries, known


def _pool(
    ws: WorkspaceLike,
    cases: pd.DataFrame,
    guided: pd.DataFrame,
    window_months: int,
    as_of: pd.Timestamp,
    rules: dict[str, Any],
) -> pd.DataFrame:
    """Pre/post counts of each case's business and of its eligible controls (``effects_pool.sql``)."""
    case_rel = cases[["case_id", "business_id", "guided_on", "division", "township"]].astype(
        {"case_id": "str", "business_id": "str", "division": "str", "township": "str"}
    )
    guided_rel = guided[["business_id", "guided_on"]].astype({"business_id": "str"})
    guided_rel = guided_rel[guided_rel["guided_on"] <= as_of]
    params = {
        "window_months": int(window_months),
        "as_of": as_of.date(),
        "substantiated": list(rules["substantiated"]),
        "exclude_guided_after": bool(rules.get("exclude_guided_after", False)),
    }
    with ws.store.connect(read_only=True) as con:
        con.register("effects_cases", case_rel)
        con.register("effects_guided", guided_rel)
        try:
            return con.execute(sql.load("effects/pool"), params).df()
        finally:
            con.unregister("effects_cases")
            con.unregister("effects_guided")


def _match(pool: pd.DataFrame, k: int, seed: int, caliper: float | None) -> pd.DataFrame:
    """Pick ``k`` controls per case: nearest on the pre-window record, same township preferred.

    Order: L1 distance on pre-window violations + substantiated complaints, then same subject type,
    then same township, then nearest on pre-window inspections (exposure), then at random.
    Balance on the record comes first because it is what regression to the mean depends on.
    """
    guided = pool[pool["is_case"]].set_index("case_id")
    ctrl = pool[~pool["is_case"]].copy()
    if ctrl.empty:
        return ctrl.assign(distance=[], matched_on=[])
    base = guided.loc[ctrl["case_id"]]

    def gap(column: str) -> np.ndarray:
        return np.abs(ctrl[column].to_numpy() - base[column].to_numpy())

    ctrl["distance"] = gap("pre_violations") + gap("pre_substantiated_complaints")
    ctrl["other_subject_type"] = ~ctrl["same_subject_type"].astype(bool)
    ctrl["other_township"] = ~ctrl["same_township"].astype(bool)
    ctrl["exposure_gap"] = gap("pre_inspections")
    ctrl["tie"] = np.random.default_rng(seed).random(len(ctrl))
    ctrl = ctrl.sort_values(
        ["case_id", "distance", "other_subject_type", "other_township", "exposure_gap", "tie"], kind="stable"
    )
    if caliper is not None:
        ctrl = ctrl[ctrl["distance"] <= caliper]
    picked = ctrl.groupby("case_id", sort=False).head(k).copy()
    local = picked.groupby("case_id")["same_township"].transform("all")
    picked["matched_on"] = np.where(local, "行业+乡镇", "行业")
    return picked


def follow_up_cases(
    ws: WorkspaceLike,
    window_months: int = 6,
    *,
    as_of: Any = None,
    methods: Any = None,
    controls_per_case: int = 3,
    seed: int = 0,
    cases: pd.DataFrame | None = None,
    caliper: float | None = None,
) -> pd.DataFrame:
    """One row per guidance entry: follow-up status, matched controls and pre/post outcomes.

    Parameters
    ----------
    ws : the workspace.
    window_months : W, the length of the pre and of the post window in months.
    as_of : follow-up cut-off (records after it are never read); default the newest record.
    methods : only entries with these 指导方式 (a string or a list); default all.
    controls_per_case : controls matched to each case (fewer when fewer are eligible).
    seed : seed of the random tie-break between equally near controls.
    cases : instead of the register, hypothetical cases (``business_id``, ``guided_on``, optional
        ``method``): e.g. businesses a rule *would* have picked, to show regression to the mean.
    caliper : largest pre-window distance of a control; default the configured one (0 = exact);
        ``float("inf")`` for plain nearest-neighbour matching.

    Returns
    -------
    DataFrame with columns ``case_id`` (``YYYY-NNN``), ``year``, ``seq``, ``method``,
    ``business_id``, ``guided_on``, ``follow_up_ends`` (last day of the post window), ``status``
    (已评估 / 随访期未满 / 无可比对照), ``matched_on`` (行业+乡镇 when every control is of the
    case's township, else 行业), ``n_controls``, ``control_ids`` (``;``-joined business ids), ``match_distance`` (mean L1 distance on pre-window
    violations + substantiated complaints) and for each outcome in ``violations``, ``penalties``,
    ``substantiated_complaints``, ``inspections``: ``guided_pre_<o>``, ``guided_post_<o>``,
    ``control_pre_<o>``, ``control_post_<o>`` (control values are means over the case's controls).
    ``attrs`` holds ``as_of``, ``window_months`` and ``hypothetical`` (cases given, not the register).
    """
    effect_rules = rules(ws, "effects")["effects"]
    as_of = resolve_as_of(ws, as_of)
    entries, guided = _entries(ws, cases)
    if methods is not None:
        wanted = [methods] if isinstance(methods, str) else list(methods)
        entries = entries[entries["method"].isin(wanted)]
    entries = entries.reset_index(drop=True)
    ends = entries["guided_on"] + pd.DateOffset(months=int(window_months)) - pd.Timedelta(days=1)
    out = entries[["case_id", "year", "seq", "method", "business_id", "guided_on"]].copy()
    out["follow_up_ends"] = ends
    out["status"] = np.where(ends <= as_of, EVALUATED, PENDING)
    ready = entries[out["status"] == EVALUATED]
    matched = pd.DataFrame()
    if not ready.empty:
        pool = _pool(ws, ready, guided, window_months, as_of, effect_rules)
        matched = _match(
            pool, int(controls_per_case), seed, effect_rules.get("caliper") if caliper is None else caliper
        )
        own = pool[pool["is_case"]].set_index("case_id")
        for outcome in COUNT_OUTCOMES:
            for when in ("pre", "post"):
                out[f"guided_{when}_{outcome}"] = out["case_id"].map(own[f"{when}_{outcome}"])
    if not matched.empty:
        by_case = matched.groupby("case_id")
        out["matched_on"] = out["case_id"].map(by_case["matched_on"].first())
        out["n_controls"] = out["case_id"].map(by_case.size())
        out["control_ids"] = out["case_id"].map(by_case["business_id"].agg(";".join))
        out["match_distance"] = out["case_id"].map(by_case["distance"].mean())
        means = by_case[[f"{w}_{o}" for o in COUNT_OUTCOMES for w in ("pre", "post")]].mean()
        for outcome in COUNT_OUTCOMES:
            for when in ("pre", "post"):
                out[f"control_{when}_{outcome}"] = out["case_id"].map(means[f"{when}_{outcome}"])
    out["n_controls"] = out.get("n_controls", pd.Series(np.nan, index=out.index)).fillna(0).astype(int)
    out.loc[(out["status"] == EVALUATED) & (out["n_controls"] == 0), "status"] = UNMATCHED
    out = out.reindex(columns=CASE_COLUMNS)
    out.attrs.update(as_of=as_of, window_months=int(window_months), hypothetical=cases is not None)
    return out


def guidance_effects(
    ws: WorkspaceLike,
    window_months: int = 6,
    *,
    as_of: Any = None,
    methods: Any = None,
    controls_per_case: int = 3,
    n_boot: int = 500,
    seed: int = 0,
    cases: pd.DataFrame | None = None,
    caliper: float | None = None,
) -> pd.DataFrame:
    """Difference-in-differences of guided vs matched unguided businesses, per method and overall.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    window_months : int
        W, the length of the pre and of the post window in months.
    as_of : date-like, optional
        Follow-up cut-off (records after it are never read); default the newest record.
    methods : str or list of str, optional
        Only entries with these 指导方式; default all.
    controls_per_case : int
        Controls matched to each case (fewer when fewer are eligible).
    n_boot : int
        Bootstrap resamples of the cases (within each method) for the confidence intervals.
    seed : int
        Seed of the matching tie-break and of the bootstrap.
    cases : pandas.DataFrame, optional
        Hypothetical cases instead of the register (``business_id``, ``guided_on``, optional
        ``method``), see :func:`follow_up_cases`.
    caliper : float, optional
        Largest pre-window distance of a control; default the configured one (0 = exact).

    Returns
    -------
    pandas.DataFrame
        One row per (method, outcome); ``method`` 全部 first, then each method present.
        Columns: ``method``, ``outcome`` (violations, penalties, substantiated_complaints,
        inspections, violations_per_inspection), ``outcome_label`` (Chinese), ``window_months``,
        ``as_of``, ``n_entries`` (not voided), ``n_pending`` (随访期未满), ``n_unmatched`` (no
        eligible control), ``n_cases`` (evaluated), ``n_controls`` (distinct control businesses),
        ``guided_pre``, ``guided_post``, ``control_pre``, ``control_post`` (means per case and
        window; for the ratio outcome ratios of sums), ``naive_change`` (guided post − pre),
        ``naive_ci_low``, ``naive_ci_high``, ``control_change``, ``did`` (naive_change −
        control_change), ``ci_low``, ``ci_high`` (bootstrap percentile interval, NaN below two
        cases), ``significant`` (interval excludes 0 and at least ``min_cases`` cases, see
        ``config/effects.toml``) and ``interpretation`` (a Chinese sentence: estimate, whether it
        can be trusted, regression to the mean).

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> int(guidance_effects(ws, as_of="2024-12-31")["n_entries"].sum())
    0
    """
    detail = follow_up_cases(
        ws,
        window_months,
        as_of=as_of,
        methods=methods,
        controls_per_case=controls_per_case,
        seed=seed,
        cases=cases,
        caliper=caliper,
    )
    return summarise_effects(detail, rules=rules(ws, "effects")["effects"], n_boot=n_boot, seed=seed)


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
    "window_months": "前后窗口（月）",
    "as_of": "评估截止日",
    "n_entries": "指导记录数",
    "n_pending": "随访期未满",
    "n_unmatched": "无可比对照",
    "n_cases": "已评估户次",
    "n_controls": "对照主体数",
    "guided_pre": "被指导组指导前",
    "guided_post": "被指导组指导后",
    "control_pre": "对照组指导前",
    "control_post": "对照组指导后",
    "naive_change": "简单前后对比",
    "naive_ci_low": "简单对比区间下限",
    "naive_ci_high": "简单对比区间上限",
    "control_change": "对照组同期变化",
    "did": "双重差分估计",
    "ci_low": "置信区间下限",
    "ci_high": "置信区间上限",
    "significant": "是否显著",
    "interpretation": "解读",
}


def write_effects(effects: pd.DataFrame, path: Any) -> Any:
    """Write a :func:`guidance_effects` table for people (.xlsx/.csv, Chinese headers); return the path."""
    table = effects[list(EFFECT_HEADERS)].copy()
    table["as_of"] = pd.to_datetime(table["as_of"]).dt.strftime("%Y-%m-%d")
    table["significant"] = table["significant"].map({True: "是", False: "否"})
    numbers = [c for c in table.columns if table[c].dtype.kind == "f"]
    table[numbers] = table[numbers].round(3)
    window = int(effects["window_months"].iloc[0]) if len(effects) else ""
    return write_table(
        table,
        path,
        headers=EFFECT_HEADERS,
        title="行政指导效果评估（双重差分）",
        subtitle=f"被指导主体与匹配的未受指导主体对比，指导前后各{window}个月",
        sheet_name="效果评估",
        column_widths={"解读": 80},
    )
