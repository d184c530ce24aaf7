"""The routing rules of the candidate list: which action fits each business, and why (Chinese).

See :mod:`guidance_analytics.targeting.selection` for the legal line and ``config/routing.toml`` for every
threshold. :func:`route` returns one row per business for which a rule fired, with the action of
highest priority and the reasons of every rule that fired for that action.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

ENFORCEMENT = "移送执法"


def _d(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "日期不详"
    t = pd.Timestamp(value)
    return f"{t.year}年{t.month}月{t.day}日"


def _t(value: Any) -> str:
    return f"（{value}）" if isinstance(value, str) and value.strip() else ""


def evidence_text(r: Any) -> str:
    """Chinese event counts behind a row (the review file's 证据 column)."""
    return (
        f"近12个月：投诉举报{int(r.cmp_12m)}件（属实{int(r.sub_12m)}件），"
        f"检查{int(r.insp_12m)}次（发现问题{int(r.prob_12m)}次，其中责令限期整改及以上{int(r.order_12m)}次）；"
        f"近24个月：行政处罚{int(r.pen_24m)}次"
    )


def route(scores: pd.DataFrame, evidence: pd.DataFrame, cfg: dict[str, Any], as_of: dt.date) -> pd.DataFrame:
    """Apply the routing rules.

    Parameters
    ----------
    scores : ``risk_scores(..., with_features=True)``.
    evidence : ``features_routing.sql`` output for the same date.
    cfg : the routing settings.
    as_of : the planning date.

    Returns
    -------
    DataFrame with the score columns plus ``action``, ``is_guidance``, ``reasons``, ``evidence``,
    ``matter``, ``facts``, ``triggers`` (the situations behind the action: 许可到期, 属实投诉 …,
    ``;``-joined, matched against the catalogue's 适用触发情形), ``open_case`` (bool),
    ``permit_items``, ``duty`` (不予处罚 / 信用修复 / empty: a duty of ``cfg["contacts"]``),
    ``decision_no`` (the decision a duty answers), ``channel`` (set by a duty, else NaN),
    ``overdue`` (an education past ``overdue_days``); one row per business with an action. ``reasons`` are for the reviewer (the rule that fired, with scores and ranks);
    ``facts`` are for the business (:func:`facts_text`: dates and what was found, never a score).
    """
    df = scores.merge(evidence, on="business_id", how="left")
    if df.empty:
        return df.assign(
            action=pd.Series(dtype="str"),
            is_guidance=pd.Series(dtype=bool),
            reasons=pd.Series(dtype="str"),
            evidence=pd.Series(dtype="str"),
            matter=pd.Series(dtype="str"),
            facts=pd.Series(dtype="str"),
            triggers=pd.Series(dtype="str"),
            open_case=pd.Series(dtype=bool),
            duty=pd.Series(dtype="str"),
            decision_no=pd.Series(dtype="str"),
            channel=pd.Series(dtype="str"),
            overdue=pd.Series(dtype=bool),
        )
    e, i, r = cfg["enforcement"], cfg["interview"], cfg["reminder"]
    order_open = df["order_on"].notna()
    open_case = df["referral_on"].notna()
    repeat = df["repeat_penalty_on"].notna()
    repeated = df["problems_recent"] >= int(e["repeated_problem_count"])
    enforce = order_open | open_case | repeat | repeated

    sub_matter = df["sub_matter_count"] >= int(i["substantiated_same_matter"])
    pen_recent = df["recent_penalty_on"].notna()
    # duties of the 2024–2025 rules (config/contacts.toml): education after a 不予处罚 decision
    # (行政处罚法 第三十三条) comes right after enforcement; a 信用修复 reminder replaces the
    # interview about the same penalty once its display period has passed without a repeat.
    duties = cfg.get("contacts") or {}
    education = _present(df, "edu_no") & bool(duties)
    repair = _present(df, "repair_no") & bool(duties)
    interview = sub_matter | (pen_recent & ~repair)
    warning = df["onspot_on"].notna()
    followup = df["major_on"].notna()

    n = len(df)
    top = (df["rank"] <= max(1, int(np.floor(float(r["top_share"]) * n)))) & (
        df["score"] >= float(r["min_score"])
    )
    expiring = df["expires_on"].notna()
    unsub = df["unsub_12m"] >= int(r["unsubstantiated_12m"])
    hotspot = df["in_hotspot"].astype(bool) & bool(r.get("hotspot", True))
    clean_cols = (
        ("prob_12m", "pen_12m", "sub_12m")
        if int(r.get("clean_days", 365)) <= 365
        else ("prob_24m", "pen_24m", "sub_24m")
    )
    clean = df[list(clean_cols)].sum(axis=1) == 0
    reminder = clean & (top | expiring | unsub | hotspot)
    edu_action = str(duties.get("education", {}).get("action", "劝导警示"))
    repair_action = str(duties.get("credit_repair", {}).get("action", "提示提醒"))

    action = np.select(
        [enforce, education, interview, warning, followup, repair, reminder],
        [ENFORCEMENT, edu_action, "约谈", "劝导警示", "案件回访", repair_action, "提示提醒"],
        default="",
    )
    df["action"] = action
    df["open_case"] = open_case
    df["duty"] = np.select(
        [enforce, education, interview | warning | followup, repair],
        ["", "不予处罚", "", "信用修复"],
        default="",
    )
    tags = {
        "约谈": [("属实投诉", sub_matter), ("处罚", pen_recent)],
        "劝导警示": [("轻微违法", warning)],
        "案件回访": [("重大许可", followup)],
        "提示提醒": [("许可到期", expiring), ("投诉", unsub), ("领域高发", hotspot), ("风险信号", top)],
    }
    df["triggers"] = [
        duty if duty else ";".join(tag for tag, mask in tags.get(a, []) if bool(mask.iloc[i]))
        for i, (a, duty) in enumerate(zip(action, df["duty"], strict=True))
    ]
    df = df[df["action"] != ""].copy()
    texts, matters = [], []
    for row in df.itertuples(index=False):
        reasons, matter = _reasons(row, cfg, as_of)
        texts.append("；".join(reasons))
        matters.append(matter)
    df["reasons"] = pd.Series(texts, index=df.index, dtype="str")
    df["matter"] = pd.Series(matters, index=df.index, dtype="str")
    df["facts"] = pd.Series(
        [facts_text(x, cfg, as_of) for x in df.itertuples(index=False)], index=df.index, dtype="str"
    )
    df["evidence"] = pd.Series(
        [evidence_text(x) + _duty_evidence(x, duties) for x in df.itertuples(index=False)],
        index=df.index,
        dtype="str",
    )
    df["decision_no"] = pd.Series(
        [_decision_no(x) for x in df.itertuples(index=False)], index=df.index, dtype="str"
    )
    edu_channel = str(duties.get("education", {}).get("channel", "") or "")
    repair_channel = str(duties.get("credit_repair", {}).get("channel", "") or "")
    df["channel"] = pd.Series(
        np.select(
            [df["duty"] == "不予处罚", df["duty"] == "信用修复"], [edu_channel, repair_channel], default=""
        ),
        index=df.index,
        dtype="str",
    ).replace("", np.nan)
    df["overdue"] = [_overdue(x, duties, as_of) for x in df.itertuples(index=False)]
    df["is_guidance"] = df["action"] != ENFORCEMENT
    return df.reset_index(drop=True)


def _present(df: pd.DataFrame, col: str) -> pd.Series:
    return df[col].notna() if col in df else pd.Series(False, index=df.index)


def _decision_no(r: Any) -> Any:
    duty = getattr(r, "duty", "")
    if duty == "不予处罚":
        return r.edu_no
    if duty == "信用修复":
        return r.repair_no
    return np.nan


def _overdue(r: Any, duties: dict[str, Any], as_of: dt.date) -> bool:
    if getattr(r, "duty", "") != "不予处罚":
        return False
    days = (pd.Timestamp(as_of) - pd.Timestamp(r.edu_on)).days
    return days > int(duties.get("education", {}).get("overdue_days", 15))


def _duty_evidence(r: Any, duties: dict[str, Any]) -> str:
    duty = getattr(r, "duty", "")
    if duty == "不予处罚":
        basis = duties.get("education", {}).get("legal_basis", "《中华人民共和国行政处罚法》第三十三条")
        more = f"（另有{int(r.edu_open) - 1}件待教育）" if int(r.edu_open) > 1 else ""
        return f"；不予行政处罚决定书文号：{r.edu_no}{more}；依据：{basis}"
    if duty == "信用修复":
        basis = duties.get("credit_repair", {}).get("legal_basis", "")
        return f"；行政处罚决定书文号：{r.repair_no}；最短公示期{int(r.repair_months)}个月；依据：{basis}"
    return ""


def _duty_reasons(r: Any, duties: dict[str, Any], as_of: dt.date) -> tuple[list[str], str]:
    if r.duty == "不予处罚":
        days = (pd.Timestamp(as_of) - pd.Timestamp(r.edu_on)).days
        limit = int(duties.get("education", {}).get("overdue_days", 15))
        late = f"，已超过{limit}天，逾期" if days > limit else ""
        return [
            f"{_d(r.edu_on)}作出不予行政处罚决定（{_of(r.edu_kind) or '不予处罚'}，{r.edu_no}）{_t(r.edu_type)}："
            f"依《行政处罚法》第三十三条应当对当事人进行教育，决定后已{days}天{late}"
        ], (_of(r.edu_type) or "不予处罚后的教育")
    return [
        f"{_d(r.repair_decided_on)}行政处罚（{r.repair_no}）的最短公示期{int(r.repair_months)}个月已于"
        f"{_d(r.repair_on)}届满，此后无违法记录：可提示其申请信用修复"
    ], "信用修复"


def _reasons(r: Any, cfg: dict[str, Any], as_of: dt.date) -> tuple[list[str], str]:
    e, i, w, f, m = cfg["enforcement"], cfg["interview"], cfg["warning"], cfg["followup"], cfg["reminder"]
    out: list[str] = []
    matter = ""
    hotspot = r.hotspot_note if isinstance(r.hotspot_note, str) else ""
    if getattr(r, "duty", ""):
        return _duty_reasons(r, cfg.get("contacts") or {}, as_of)
    if r.action == ENFORCEMENT:
        if pd.notna(r.referral_on):
            out.append(f"{_d(r.referral_on)}检查结果为移送立案{_t(r.referral_type)}，尚无处罚决定，案件在办")
            matter = matter or (r.referral_type or "")
        if pd.notna(r.order_on):
            late = (pd.Timestamp(as_of) - pd.Timestamp(r.order_on)).days
            out.append(
                f"{_d(r.order_on)}责令限期整改{_t(r.order_type)}，已过{late}天仍无复查合格记录"
                f"（宽限{int(e['order_grace_days'])}天）"
            )
            matter = matter or (r.order_type or "")
        if pd.notna(r.repeat_penalty_on):
            out.append(f"{_d(r.repeat_penalty_on)}受行政处罚后又发现违法{int(r.later_violations)}次")
        if r.problems_recent >= int(e["repeated_problem_count"]):
            out.append(f"近{int(e['repeated_days'])}天检查发现问题{int(r.problems_recent)}次（屡次违法）")
        out.append("应依法移送执法，不得以行政指导代替")
    elif r.action == "约谈":
        if r.sub_matter_count >= int(i["substantiated_same_matter"]):
            out.append(
                f"近{int(i['substantiated_days'])}天属实投诉{int(r.sub_matter_count)}件（{r.sub_matter}）"
            )
            matter = r.sub_matter
        if pd.notna(r.recent_penalty_on):
            out.append(f"{_d(r.recent_penalty_on)}受行政处罚{_t(r.penalty_type)}")
            matter = matter or (r.penalty_type or "")
        if hotspot:
            out.append(hotspot)
    elif r.action == "劝导警示":
        years = int(w["clean_days"]) // 365
        out.append(
            f"{_d(r.onspot_on)}检查发现问题已当场整改{_t(r.onspot_type)}，此前{years}年内无其他违法记录，"
            "属首次轻微违法并及时改正（行政处罚法第三十三条），宜教育劝导"
        )
        matter = r.onspot_type or ""
    elif r.action == "案件回访":
        out.append(
            f"{_d(r.major_on)}取得{r.major_item}（重大许可事项），已满{int(f['after_days'])}天，宜开展回访"
        )
        matter = r.major_item or ""
    else:
        if pd.notna(r.expires_on):
            out.append(f"{r.expiring_item}将于{_d(r.expires_on)}到期")
            matter = r.expiring_item or ""
        if r.unsub_12m >= int(m["unsubstantiated_12m"]):
            out.append(f"近12个月投诉举报{int(r.cmp_12m)}件（未经核实属实{int(r.unsub_12m)}件）")
        if hotspot:
            out.append(hotspot)
        risk = f"风险分{r.score:.2f}（第{int(r.rank)}位）"
        # explanations are built for the listed rows only; the selection adds the missing ones
        out.append(f"{risk}：{r.explanation}" if isinstance(r.explanation, str) else risk)
        matter = matter or "风险提示"
    return out, matter


def _of(value: Any) -> str:
    return value.strip() if isinstance(value, str) and value.strip() else ""


def facts_text(r: Any, cfg: dict[str, Any], as_of: dt.date) -> str:
    """What the business can recognise, for the 存在问题 of its letter: dates, what was found.

    Written to the business (你（单位）), from its own records only, with dates rather than "the
    last 12 months" (a letter is read later) — never a score, a rank, a model's word or the
    reviewer's advice (those stay in ``reasons``). Empty when the action rests
    on risk signals alone: the letter then states the catalogue matter (see the register).
    """
    out: list[str] = []
    if r.action == ENFORCEMENT:
        return ""
    if getattr(r, "duty", "") == "不予处罚":
        what = f"{_of(r.edu_type)}的" if _of(r.edu_type) else ""
        return f"{_d(r.edu_on)}，你（单位）{what}违法行为经依法决定不予行政处罚（{r.edu_no}）"
    if getattr(r, "duty", "") == "信用修复":
        return (
            f"你（单位）于{_d(r.repair_decided_on)}受到的行政处罚（{r.repair_no}）最短公示期已于"
            f"{_d(r.repair_on)}届满，可依法申请信用修复"
        )
    if r.action == "约谈":
        if r.sub_matter_count >= int(cfg["interview"]["substantiated_same_matter"]):
            when = _d(getattr(r, "sub_first_on", None))
            last = _d(getattr(r, "sub_last_on", None))
            span = when if when == last else f"{when}至{last}"
            topic = f"{_of(r.sub_matter)}方面" if _of(r.sub_matter) else ""
            out.append(
                f"{span}，12345热线等渠道反映你（单位）{topic}问题的投诉举报{int(r.sub_matter_count)}件，"
                "经核实属实"
            )
        if pd.notna(r.recent_penalty_on):
            cause = f"因{_of(r.penalty_type)}" if _of(r.penalty_type) else ""
            out.append(f"{_d(r.recent_penalty_on)}，你（单位）{cause}受到行政处罚")
    elif r.action == "劝导警示":
        what = f"存在{_of(r.onspot_type)}问题" if _of(r.onspot_type) else "存在问题"
        out.append(f"{_d(r.onspot_on)}现场检查发现你（单位）{what}，已当场整改")
    elif r.action == "案件回访":
        out.append(f"你（单位）于{_d(r.major_on)}取得{_of(r.major_item) or '行政许可'}")
    else:
        if pd.notna(r.expires_on):
            out.append(f"你（单位）的{_of(r.expiring_item) or '行政许可'}有效期将于{_d(r.expires_on)}届满")
        if r.unsub_12m >= int(cfg["reminder"]["unsubstantiated_12m"]):
            first = pd.Timestamp(as_of) - pd.DateOffset(months=12)
            last = pd.Timestamp(as_of) - pd.Timedelta(days=1)
            out.append(
                f"{first.year}年{first.month}月至{last.year}年{last.month}月，12345热线等渠道收到反映你（单位）"
                f"经营问题的投诉举报{int(r.cmp_12m)}件"
            )
        hot = getattr(r, "in_hotspot", 0)
        if (
            pd.notna(hot)
            and bool(hot)
            and bool(cfg["reminder"].get("hotspot", True))
            and _of(r.industry_name)
        ):
            out.append(f"本县{_of(r.industry_name)}等同类经营者近期检查发现问题较多")
    return "；".join(out)
