"""Candidate lists: routing rules, restraint (capacity, cooldown, open cases, risk-weighted draw).

Routing follows the legal line of the domain reference (README §5) with every threshold in
``config/routing.toml``. Priority when several rules fire for a business:
移送执法 > 约谈 > 劝导警示 > 案件回访 > 提示提醒; each business gets at most one action per list.

- **移送执法** (refer to enforcement — *not* guidance): a 责令限期整改 past its grace period with no
  clean inspection since; an inspection 移送立案 with no penalty decided yet (an open case); a
  violation after a recent penalty; or repeated problems found. These rows have
  ``is_guidance == False``; they are never capacity-limited and never offered as guidance (the
  review file lists them on a separate sheet). Businesses under an open case are excluded from
  guidance.
- **约谈**: repeated substantiated complaints of the same matter, or a recent penalty.
- **劝导警示**: a single minor violation corrected on the spot (发现问题已当场整改) with no other
  violation in the prior ``clean_days`` (行政处罚法 art. 33: where no penalty is given, educate).
- **案件回访**: a major licence issued between ``after_days`` and ``within_days`` ago.
- **提示提醒**: no established violation recently, but risk signals: a high risk score, a licence
  expiring, unsubstantiated complaints, or a currently flagged hotspot field.

Restraint: a cooldown against earlier register entries (same business, same action and catalogue
item, within ``[cooldown] days``), then capacity per action — the top by score, or a risk-weighted
random draw recording each business's inclusion probability.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, rules, to_date
from .catalogue import match_catalog
from .contacts import (
    apply_contact_caps,
    class_weights,
    contact_rules,
    contacts,
    credit_classes_as_of,
    duty_params,
)
from .fairness import population_counts
from .feature_table import business_info
from .risk import explain_scores, risk_scores
from .routing import ENFORCEMENT, route

log = logging.getLogger(__name__)

GUIDANCE_ACTIONS = ("约谈", "劝导警示", "案件回访", "提示提醒")
PRIORITY = (ENFORCEMENT, *GUIDANCE_ACTIONS)

CANDIDATE_COLUMNS = (
    "business_id",
    "uscc",
    "name",
    "township",
    "industry",
    "industry_name",
    "subject_type",
    "action",
    "is_guidance",
    "score",
    "rank",
    "reasons",
    "evidence",
    "facts",
    "matter",
    "catalog_item",
    "catalog_name",
    "legal_basis",
    "inclusion_prob",
    "channel",
    "decision_no",
    "overdue",
    "on_site_counted",
    "cap",
    "credit_class",
)


def parse_capacity(capacity: Any, defaults: dict[str, Any]) -> dict[str, int | None]:
    """Capacity per guidance action: ``None`` = no limit.

    ``capacity`` may be ``None`` (config defaults), an int (the same for every action), a mapping
    ``{"约谈": 10}`` (overrides the defaults) or strings ``"约谈=10"``.
    """
    caps: dict[str, int | None] = {
        a: (int(defaults[a]) or None) if a in defaults else None for a in GUIDANCE_ACTIONS
    }
    if capacity is None:
        return caps
    if isinstance(capacity, int | np.integer):
        return {a: int(capacity) for a in GUIDANCE_ACTIONS}
    items = capacity.items() if isinstance(capacity, dict) else (str(c).split("=", 1) for c in capacity)
    for action, value in items:
        action = str(action).strip()
        if action not in GUIDANCE_ACTIONS:
            raise ValueError(f"未知的指导方式「{action}」：应为 {'、'.join(GUIDANCE_ACTIONS)} 之一")
        caps[action] = None if value is None or int(value) <= 0 else int(value)
    return caps


def recent_actions(ws: WorkspaceLike, as_of: Any, days: int) -> pd.DataFrame:
    """Register entries (not voided) guided within ``days`` before ``as_of`` or planned after it.

    Returns ``business_id``, ``method``, ``catalog_item``, ``guided_on`` (typed even when empty).
    """
    cols = {"business_id": "str", "method": "str", "catalog_item": "str", "guided_on": "datetime64[us]"}
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})
    out = ws.store.query("targeting/recent_actions", as_of=to_date(as_of), days=int(days))
    return out if not out.empty else empty


def apply_cooldown(pool: pd.DataFrame, recent: pd.DataFrame) -> pd.Series:
    """Boolean mask of pool rows in cooldown: the same business had the same action registered
    recently, for the same catalogue item (or either side has no catalogue item)."""
    if recent.empty or pool.empty:
        return pd.Series(False, index=pool.index)
    seen: dict[tuple[str, str], set[Any]] = {}
    for b, a, item in zip(recent["business_id"], recent["method"], recent["catalog_item"], strict=True):
        seen.setdefault((b, a), set()).add(item if isinstance(item, str) and item else None)
    hit = []
    for b, a, item in zip(pool["business_id"], pool["action"], pool["catalog_item"], strict=True):
        items = seen.get((b, a))
        key = item if isinstance(item, str) and item else None
        hit.append(items is not None and (key is None or None in items or key in items))
    return pd.Series(hit, index=pool.index)


def inclusion_probabilities(weights: np.ndarray, n: int) -> np.ndarray:
    """Inclusion probabilities proportional to ``weights`` summing to ``n`` (capped at 1).

    >>> inclusion_probabilities(np.array([10.0, 1.0, 1.0, 1.0]), 2).round(3).tolist()
    [1.0, 0.333, 0.333, 0.333]
    """
    w = np.asarray(weights, dtype=float)
    if n >= len(w):
        return np.ones(len(w))
    pi = np.zeros(len(w))
    fixed = np.zeros(len(w), dtype=bool)
    for _ in range(len(w)):
        rest = n - fixed.sum()
        pi[~fixed] = rest * w[~fixed] / w[~fixed].sum()
        pi[fixed] = 1.0
        over = (pi > 1.0) & ~fixed
        if not over.any():
            break
        fixed |= over
    return np.clip(pi, 0.0, 1.0)


def systematic_draw(pi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Systematic PPS sample in a random order: each unit selected with probability ``pi``."""
    order = rng.permutation(len(pi))
    cum = np.cumsum(pi[order])
    n = int(round(cum[-1])) if len(cum) else 0
    points = rng.uniform(0, 1) + np.arange(n)
    picked = np.searchsorted(cum, points, side="right")
    chosen = np.zeros(len(pi), dtype=bool)
    chosen[order[np.unique(picked[picked < len(pi)])]] = True
    return chosen


def select(
    pool: pd.DataFrame,
    caps: dict[str, int | None],
    draw: bool,
    floor: float,
    seed: int,
    weights: pd.Series | None = None,
) -> pd.DataFrame:
    """Apply the capacity per action: top by rank (score, ties by the model's own score), or a
    risk-weighted draw (``draw=True``, weights ``(floor + score) × weights``; ``weights`` aligned
    with ``pool``, e.g. the credit-risk class weights, default 1).

    Returns the pool with ``selected`` (bool) and ``inclusion_prob`` (1 for deterministic picks,
    0 for rows left out, the design probability for a draw).
    """
    pool = pool.copy()
    pool["selected"] = False
    pool["inclusion_prob"] = 0.0
    rng = np.random.default_rng(seed)
    for action in GUIDANCE_ACTIONS:
        idx = pool.index[pool["action"] == action]
        if len(idx) == 0:
            continue
        cap = caps.get(action)
        if cap is None or cap >= len(idx):
            pool.loc[idx, ["selected", "inclusion_prob"]] = [True, 1.0]
            continue
        part = pool.loc[idx].sort_values(["rank", "business_id"])  # rank: score, then model tie-break
        if draw:
            factor = np.ones(len(part)) if weights is None else weights.loc[part.index].to_numpy(dtype=float)
            pi = inclusion_probabilities((part["score"].fillna(0).to_numpy() + floor) * factor, cap)
            chosen = systematic_draw(pi, rng)
            pool.loc[part.index, "inclusion_prob"] = pi
            pool.loc[part.index[chosen], "selected"] = True
        else:
            top = part.index[:cap]
            pool.loc[top, ["selected", "inclusion_prob"]] = [True, 1.0]
    return pool


def candidates(
    ws: WorkspaceLike,
    as_of: Any,
    capacity: Any = None,
    *,
    draw: bool | None = None,
    cooldown_days: int | None = None,
    use_hotspots: bool = True,
    scores: pd.DataFrame | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """Proposed guidance actions, and 移送执法 referrals listed separately, with reasons.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    as_of : date-like
        Planning date (nothing dated on or after it is used).
    capacity : int, dict or list of str, optional
        Per-action limits (see :func:`parse_capacity`); default ``[capacity]`` in routing.toml.
    draw : bool, optional
        Risk-weighted random draw instead of the top by score (default ``[draw] enabled``).
    cooldown_days : int, optional
        Default ``[cooldown] days``.
    use_hotspots : bool
        Use the hotspot module's flags for 提示提醒 and the reasons, when installed.
    scores : pandas.DataFrame, optional
        Output of ``risk_scores(..., with_features=True)`` to reuse (else computed).
    seed : int, optional
        Seed of the draw (default ``[draw] seed``).

    Returns
    -------
    pandas.DataFrame
        One row per proposed action: ``business_id``, ``uscc``, ``name``, ``township``,
        ``industry`` (class code), ``industry_name``, ``subject_type``, ``action`` (提示提醒 / 约谈 /
        劝导警示 / 案件回访 / 移送执法), ``is_guidance`` (False for 移送执法), ``score``, ``rank``,
        ``reasons`` (Chinese, for the reviewer: the rule that fired with its evidence), ``evidence``
        (Chinese counts), ``facts`` (Chinese, for the business's letter: dates and what was found,
        no scores; empty when only risk signals), ``matter``, ``catalog_item`` (事项编码, NaN when no
        catalogue matter covers the business), ``catalog_name`` (the matter's name, or the note
        that none fits), ``legal_basis``, ``inclusion_prob``. Guidance rows first (by action priority, then score), then 移送执法 rows.

        ``df.attrs`` holds ``as_of``, ``enforcement`` (the 移送执法 rows), ``pool`` (every business a
        guidance rule fired for, with ``status``: 入选 / 超出容量 / 冷却期内 / 在办案件 / 已达入企上限) and the
        settings used; :func:`~guidance_analytics.targeting.fairness_audit` reads ``pool``.

        The 2024–2025 rules (``config/contacts.toml``, :mod:`~guidance_analytics.targeting.contacts`):
        ``channel`` (入企 / 到局 / 书面 / 电话 / 短信; off-site first, and never 入企 for a business
        whose on-site contacts this year reached the cap: its off-site form, else pool status
        已达入企上限), ``on_site_counted`` and ``cap`` (the contact ledger's figures);
        a 不予处罚 decision not yet answered by a register entry is an education row
        (``decision_no``, the legal basis and the number in ``evidence``, ``overdue`` past
        ``[education] overdue_days``; never cooled down or capacity-limited); a penalty past its
        minimum display period with no repeat is a 信用修复 reminder from its first eligible date;
        ``credit_class`` (企业信用风险分类 known before ``as_of``: internal, it multiplies the draw
        weight and is never written to a letter, record or filing batch).
    """
    cfg = rules(ws, "routing")
    duties = contact_rules(ws)
    day = to_date(as_of)
    if scores is None:
        scores = risk_scores(
            ws,
            day,
            horizon_months=int(cfg["model"].get("horizon_months", 3)),
            use_hotspots=use_hotspots,
            with_features=True,
        )
    evidence = ws.store.query("targeting/routing_evidence", **routing_params(cfg, day), **duty_params(duties))
    routed = route(scores, evidence, {**cfg, "contacts": duties}, day)
    routed = match_catalog(ws, routed)
    routed = _with_duty_basis(routed, duties)
    classes = credit_classes_as_of(ws, day)
    routed["credit_class"] = routed["business_id"].map(classes.set_index("business_id")["risk_class"])
    enforcement = routed[routed["action"] == ENFORCEMENT].copy()
    pool = routed[routed["action"].isin(GUIDANCE_ACTIONS)].copy()
    pool["status"] = "入选"
    open_case = pool["business_id"].isin(enforcement.loc[enforcement["open_case"], "business_id"])
    pool.loc[open_case, "status"] = "在办案件"
    days = int(cfg["cooldown"].get("days", 180) if cooldown_days is None else cooldown_days)
    duty = pool["duty"] == "不予处罚"  # the duty to educate: never cooled down nor capacity-limited
    cooling = apply_cooldown(pool, recent_actions(ws, day, days)) & ~open_case & ~duty
    pool.loc[cooling, "status"] = "冷却期内"
    pool = apply_contact_caps(pool, contacts(ws, day.year, as_of=day), duties)
    draw_cfg = cfg.get("draw", {})
    use_draw = bool(draw_cfg.get("enabled", False) if draw is None else draw)
    caps = parse_capacity(capacity, cfg.get("capacity", {}))
    duty = pool["duty"] == "不予处罚"
    eligible = pool[(pool["status"] == "入选") & ~duty]
    draw_seed = int(draw_cfg.get("seed", 0) if seed is None else seed)
    chosen = select(
        eligible,
        caps,
        use_draw,
        float(draw_cfg.get("floor", 0.02)),
        draw_seed,
        weights=class_weights(eligible["credit_class"], duties),
    )
    pool.loc[chosen.index[~chosen["selected"]], "status"] = "超出容量"
    pool["inclusion_prob"] = 0.0
    pool.loc[chosen.index, "inclusion_prob"] = chosen["inclusion_prob"]
    pool.loc[duty & (pool["status"] == "入选"), "inclusion_prob"] = 1.0
    guidance = pool[pool["status"] == "入选"].copy()
    guidance = _explain_reminders(guidance, scores)
    enforcement["inclusion_prob"] = 1.0
    enforcement["on_site_counted"] = enforcement["business_id"].map(
        pool.set_index("business_id")["on_site_counted"] if not pool.empty else {}
    )
    enforcement["cap"] = int(duties["cap"]["on_site_per_year"])
    order = {a: i for i, a in enumerate((*GUIDANCE_ACTIONS, ENFORCEMENT))}
    out = pd.concat([guidance, enforcement], ignore_index=True)
    out["_o"] = out["action"].map(order)
    out = out.sort_values(["_o", "rank", "business_id"], ignore_index=True)
    result = out[list(CANDIDATE_COLUMNS)].copy()
    result.attrs.update(
        as_of=day,
        enforcement=result[~result["is_guidance"]].reset_index(drop=True),
        pool=pool[[*CANDIDATE_COLUMNS, "status"]].reset_index(drop=True),
        capacity=caps,
        cooldown_days=days,
        contact_cap=int(duties["cap"]["on_site_per_year"]),
        draw=use_draw,
        seed=draw_seed,
        model=scores.attrs.get("model", {}),
        population=population_counts(_with_section(ws, scores)),
    )
    return result


def _with_section(ws: WorkspaceLike, scores: pd.DataFrame) -> pd.DataFrame:
    cols = [
        c for c in ("business_id", "township", "subject_type", "industry", "section") if c in scores.columns
    ]
    frame = scores[cols]
    if "section" not in frame.columns:
        frame = frame.merge(business_info(ws)[["business_id", "section"]], on="business_id", how="left")
    return frame


def _explain_reminders(guidance: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Add the risk explanation to the reasons of selected 提示提醒 rows that lack one (scores
    explain only the top rows; the rest are explained once they are listed)."""
    model = scores.attrs.get("risk_model")
    todo = guidance.index[(guidance["action"] == "提示提醒") & guidance["explanation"].isna()]
    if model is None or not len(todo):
        return guidance
    done = explain_scores(guidance.loc[todo], model=model, top=int(scores.attrs.get("explain_top", 3)))
    guidance.loc[todo, "explanation"] = done["explanation"]
    guidance.loc[todo, "reasons"] = guidance.loc[todo, "reasons"] + "：" + done["explanation"]
    return guidance


def _with_duty_basis(routed: pd.DataFrame, duties: dict[str, Any]) -> pd.DataFrame:
    """The legal basis of a duty (行政处罚法 第三十三条 / 信用修复) first in ``legal_basis``."""
    routed = routed.copy()
    for duty, section in (("不予处罚", "education"), ("信用修复", "credit_repair")):
        basis = str(duties.get(section, {}).get("legal_basis", "") or "")
        rows = routed["duty"] == duty
        if basis and rows.any():
            old = routed.loc[rows, "legal_basis"].fillna("").astype("str")
            routed.loc[rows, "legal_basis"] = (basis + "；" + old).str.rstrip("；")
    return routed


def routing_params(cfg: dict[str, Any], day: Any) -> dict[str, Any]:
    """The ``sql/targeting/routing_evidence.sql`` parameters from the routing settings."""
    e, i, w, f, r = cfg["enforcement"], cfg["interview"], cfg["warning"], cfg["followup"], cfg["reminder"]
    return {
        "as_of": day,
        "order_grace_days": int(e["order_grace_days"]),
        "order_lookback_days": int(e["order_lookback_days"]),
        "open_case_days": int(e["open_case_days"]),
        "repeat_after_penalty_days": int(e["repeat_after_penalty_days"]),
        "repeat_min_severity": int(e["repeat_min_severity"]),
        "repeat_counts_substantiated": bool(e.get("repeat_counts_substantiated", True)),
        "repeated_days": int(e["repeated_days"]),
        "substantiated_days": int(i["substantiated_days"]),
        "penalty_days": int(i["penalty_days"]),
        "warning_recent_days": int(w["recent_days"]),
        "warning_clean_days": int(w["clean_days"]),
        "followup_after_days": int(f["after_days"]),
        "followup_within_days": int(f["within_days"]),
        "major_items": [str(x) for x in f.get("major_permit_items", [])],
        "expiring_days": int(r["expiring_days"]),
    }


def summary_text(cands: pd.DataFrame, audit: pd.DataFrame | None = None) -> str:
    """A short Chinese summary of a candidate list (actions by type, flagged fairness groups)."""
    lines = [f"候选名单（计划日期 {cands.attrs.get('as_of', '')}）："]
    counts = cands["action"].value_counts()
    for action in PRIORITY:
        if action in counts:
            note = "（不作为行政指导，另列）" if action == ENFORCEMENT else ""
            lines.append(f"  {action}：{int(counts[action])} 户{note}")
    if audit is not None and not audit.empty:
        flagged = audit[audit["flagged"] & (audit["action"] == "全部")]
        if flagged.empty:
            lines.append("公平性审查：各乡镇、主体类别、行业的入选率均在 0.8–1.25 倍之间。")
        else:
            lines.append(f"公平性审查：{len(flagged)} 个分组入选率超出 0.8–1.25 倍：")
            for r in flagged.itertuples(index=False):
                lines.append(f"  {r.dimension}「{r.group}」：{r.disparity_ratio:.2f} 倍")
    return "\n".join(lines)


def latest_planning_date(ws: WorkspaceLike) -> Any:
    """The day after the latest dated record in the workspace (the natural next planning date)."""
    last = ws.store.query("targeting/newest_record").iloc[0, 0]
    if last is None or pd.isna(last):
        return pd.Timestamp.today().date()
    return (pd.Timestamp(last) + pd.Timedelta(days=1)).date()
