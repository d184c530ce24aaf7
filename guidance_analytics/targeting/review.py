"""The review file for the policy-law section (政策法规科): the candidate list as .xlsx.

Sheet 1 "候选名单" (title rows, then the headers of :data:`REVIEW_HEADERS`; 是否采纳 has a 是/否
drop-down that refuses other entries; 是否采纳, 指导人员, 计划时间, 备注 are left empty to fill in;
理由 and 证据 are for the reviewer, 存在问题（写入意见书） is what the business's letter will say); sheet "公平性审查" (the
fairness audit); sheet "移送执法（不作为行政指导）" (cases for enforcement, never guidance); sheet
"说明" (planning date, model, capacity, cooldown, draw). The register reads the first sheet back
(by header label).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from ..core import WorkspaceLike, to_date, write_table
from .contacts import AT_CAP
from .draws import DRAW_DESIGN, draw_pool, record_draw
from .fairness import AUDIT_HEADERS, fairness_audit
from .selection import candidates, latest_planning_date, summary_text

#: The column whose text goes into the business's letter (存在问题): facts, never scores; editable.
FACTS_HEADER = "存在问题（写入意见书）"
#: Headers of the review sheet, in order (主体标识 = business_id, last).
REVIEW_HEADERS = (
    "序号",
    "统一社会信用代码",
    "行政相对人名称",
    "所属乡镇",
    "行业",
    "建议方式",
    "指导渠道",
    "风险分",
    "理由",
    "证据",
    "本年入企次数/上限",
    FACTS_HEADER,
    "事项编码",
    "事项名称",
    "指导依据",
    "关联决定书文号",
    "是否采纳",
    "指导人员",
    "计划时间",
    "备注",
    "入选概率",
    "抽取批次",
    "主体标识",
)
ENFORCEMENT_SHEET = "移送执法（不作为行政指导）"
#: Sheet of the businesses left out because their only fitting form is on-site and they reached
#: the annual on-site cap (国办发〔2024〕54号).
AT_CAP_SHEET = "已达入企上限（本次不安排）"
CHANNELS = ("入企", "到局", "书面", "电话", "短信")
ENFORCEMENT_HEADERS = (
    "序号",
    "统一社会信用代码",
    "行政相对人名称",
    "所属乡镇",
    "行业",
    "建议方式",
    "风险分",
    "理由",
    "证据",
    "主体标识",
)


def _industry_label(frame: pd.DataFrame) -> pd.Series:
    code = frame["industry"].fillna("").astype(str)
    name = frame["industry_name"].fillna("").astype(str) if "industry_name" in frame else ""
    return (code + " " + name).str.strip().astype("str")


def _ledger_figures(rows: pd.DataFrame) -> pd.Series:
    """``1/2`` (on-site contacts this year / the annual cap) from the contact ledger's figures."""
    if "on_site_counted" not in rows or "cap" not in rows:
        return pd.Series([None] * len(rows), dtype="object")
    used = rows["on_site_counted"].fillna(0).astype(int).astype(str)
    cap = rows["cap"].fillna(0).astype(int).astype(str)
    return (used + "/" + cap).astype("str")


def review_frame(cands: pd.DataFrame) -> pd.DataFrame:
    """The guidance rows of a candidate list with the review sheet's Chinese headers."""
    rows = cands[cands["is_guidance"]].reset_index(drop=True)
    empty = pd.Series([None] * len(rows), dtype="object")
    drawn = bool(cands.attrs.get("draw")) and "inclusion_prob" in rows
    return pd.DataFrame(
        {
            "序号": range(1, len(rows) + 1),
            "统一社会信用代码": rows["uscc"],
            "行政相对人名称": rows["name"],
            "所属乡镇": rows["township"],
            "行业": _industry_label(rows),
            "建议方式": rows["action"],
            "指导渠道": rows["channel"] if "channel" in rows else empty,
            "风险分": rows["score"].round(3),
            "理由": rows["reasons"],
            "证据": rows["evidence"],
            "本年入企次数/上限": _ledger_figures(rows),
            FACTS_HEADER: rows["facts"] if "facts" in rows else empty,
            "事项编码": rows["catalog_item"],
            "事项名称": rows["catalog_name"] if "catalog_name" in rows else empty,
            "指导依据": rows["legal_basis"],
            "关联决定书文号": rows["decision_no"] if "decision_no" in rows else empty,
            "是否采纳": empty,
            "指导人员": empty,
            "计划时间": empty,
            "备注": empty,
            "入选概率": rows["inclusion_prob"].round(6) if drawn else empty,
            "抽取批次": pd.Series([cands.attrs.get("draw_id")] * len(rows), dtype="object")
            if drawn
            else empty,
            "主体标识": rows["business_id"],
        },
        columns=list(REVIEW_HEADERS),
    )


def enforcement_frame(cands: pd.DataFrame) -> pd.DataFrame:
    """The 移送执法 rows with Chinese headers."""
    rows = cands[~cands["is_guidance"]].reset_index(drop=True)
    return pd.DataFrame(
        {
            "序号": range(1, len(rows) + 1),
            "统一社会信用代码": rows["uscc"],
            "行政相对人名称": rows["name"],
            "所属乡镇": rows["township"],
            "行业": _industry_label(rows),
            "建议方式": rows["action"],
            "风险分": rows["score"].round(3),
            "理由": rows["reasons"],
            "证据": rows["evidence"],
            "主体标识": rows["business_id"],
        },
        columns=list(ENFORCEMENT_HEADERS),
    )


def at_cap_frame(cands: pd.DataFrame) -> pd.DataFrame:
    """The pool rows with status 已达入企上限 (business, proposed method, the count in 理由)."""
    pool = cands.attrs.get("pool")
    rows = (
        pool[pool["status"] == AT_CAP].reset_index(drop=True)
        if isinstance(pool, pd.DataFrame) and "status" in pool
        else pd.DataFrame(columns=["uscc", "name", "township", "action", "reasons", "business_id"])
    )
    return pd.DataFrame(
        {
            "序号": range(1, len(rows) + 1),
            "统一社会信用代码": rows["uscc"],
            "行政相对人名称": rows["name"],
            "所属乡镇": rows["township"],
            "建议方式": rows["action"],
            "状态": AT_CAP,
            "理由": rows["reasons"],
            "主体标识": rows["business_id"],
        }
    )


def settings_frame(cands: pd.DataFrame) -> pd.DataFrame:
    """The 说明 sheet: how the list was made."""
    a = cands.attrs
    caps = a.get("capacity", {}) or {}
    model = a.get("model", {}) or {}
    rows = [
        ("计划日期（评估基准日）", str(a.get("as_of", ""))),
        (
            "风险模型",
            f"{model.get('kind', '')}；训练样本{model.get('n_train', '')}条，"
            f"其中发生问题{model.get('n_positive', '')}条；概率校准：{model.get('calibration', '')}",
        ),
        ("各方式容量", "；".join(f"{k}{'不限' if v is None else str(v) + '户'}" for k, v in caps.items())),
        ("冷却期", f"同一主体同一事项{a.get('cooldown_days', '')}天内不重复推荐"),
        (
            "入企上限",
            f"每户每年入企{a.get('contact_cap', '')}次（国办发〔2024〕54号；日常检查和入企指导计入，"
            "投诉核查等个案检查、上级部署的专项检查不计入）；已达上限的改用非现场方式（无事不扰）",
        ),
        (
            "抽取方式",
            f"{DRAW_DESIGN}；随机种子{a.get('seed', '')}；抽取批次{a.get('draw_id') or '（未记录）'}；"
            "各行入选概率见“入选概率”列，未抽中的候选一并记入工作区，供随访时作随机对照"
            if a.get("draw")
            else "按风险分从高到低",
        ),
        (
            "说明",
            "本名单仅为建议：是否采纳由工作人员审核决定；行政指导不得强制，不得代替行政执法。"
            "“移送执法”工作表所列情形应依法移送执法，不作为行政指导。",
        ),
    ]
    return pd.DataFrame(rows, columns=["项目", "内容"])


def write_review_file(
    ws: WorkspaceLike,
    path: str | Path,
    as_of: Any,
    capacity: Any = None,
    cands: pd.DataFrame | None = None,
    audit: pd.DataFrame | None = None,
    *,
    draw: bool | None = None,
    cooldown_days: int | None = None,
    use_hotspots: bool = True,
    scores: pd.DataFrame | None = None,
    seed: int | None = None,
) -> Path:
    """Write the review spreadsheet (是否采纳 / 指导人员 / 计划时间 / 备注 to fill in).

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    path : str or Path
        Destination ``.xlsx``.
    as_of : date-like
        Planning date.
    capacity : int, dict or list of str, optional
        Per-action limits (as for :func:`~guidance_analytics.targeting.candidates`).
    cands, audit : pandas.DataFrame, optional
        An already computed list / audit to write (else computed).
    draw, cooldown_days, use_hotspots, scores, seed
        Passed to :func:`~guidance_analytics.targeting.candidates` when ``cands`` is not given.

    Returns
    -------
    pathlib.Path
        The path written: sheets 候选名单 (序号, 统一社会信用代码, 行政相对人名称, 所属乡镇, 行业, 建议方式,
        风险分, 理由, 证据, 事项编码, 指导依据, 是否采纳, 指导人员, 计划时间, 备注, 入选概率, 抽取批次 (the risk-weighted draw: the draw is
        recorded whole in guidance_draws), 主体标识), 公平性审查,
        移送执法（不作为行政指导） and 说明.
    """
    day = to_date(as_of)
    if cands is None:
        cands = candidates(
            ws,
            day,
            capacity=capacity,
            draw=draw,
            cooldown_days=cooldown_days,
            use_hotspots=use_hotspots,
            scores=scores,
            seed=seed,
        )
    if audit is None:
        audit = fairness_audit(ws, cands)
    if cands.attrs.get("draw") and not cands.attrs.get("draw_id"):  # the randomised route: keep the pool
        cands.attrs["draw_id"] = record_draw(ws, draw_pool(cands), day, int(cands.attrs.get("seed", 0)))
    main = review_frame(cands)
    audit_sheet = audit.rename(columns=AUDIT_HEADERS)
    audit_sheet["是否超出范围"] = audit_sheet["是否超出范围"].map({True: "是", False: "否"})
    for col in ("占风险主体比例", "占入选比例", "入选率", "总体入选率", "差异比"):
        audit_sheet[col] = audit_sheet[col].astype(float).round(3)
    made = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return write_table(
        main,
        path,
        title=f"行政指导候选名单（计划日期：{day.year}年{day.month}月{day.day}日）",
        subtitle=(
            f"生成时间：{made}。本名单为系统建议，须经政策法规科审核；请填写“是否采纳”（是/否）、指导人员、"
            "计划时间（约谈可写到时刻，如 2025-01-10 14:30）。“理由”“证据”仅供审核，意见书只写“存在问题”一列。"
        ),
        sheet_name="候选名单",
        column_widths={
            "理由": 60,
            "证据": 50,
            FACTS_HEADER: 50,
            "事项名称": 30,
            "指导依据": 40,
            "行政相对人名称": 30,
        },
        validations={"是否采纳": ["是", "否"], "指导渠道": list(CHANNELS)},
        extra_sheets={
            "公平性审查": audit_sheet,
            ENFORCEMENT_SHEET: enforcement_frame(cands),
            AT_CAP_SHEET: at_cap_frame(cands),
            "说明": settings_frame(cands),
        },
    )


def write_latest(
    ws: WorkspaceLike,
    out: str | Path | None = None,
    as_of: Any = None,
    *,
    capacity: Any = None,
    draw: bool | None = None,
    cooldown_days: int | None = None,
) -> tuple[Path, str]:
    """Write the review file for ``as_of`` (default: the latest planning date) to ``out`` (default
    ``exports/候选名单_<date>.xlsx``); return the path and the Chinese summary. Registers nothing.

    ``capacity``, ``draw`` and ``cooldown_days`` are those of :func:`~guidance_analytics.targeting.candidates`.
    """
    day = to_date(as_of) if as_of is not None else latest_planning_date(ws)
    cands = candidates(ws, day, capacity=capacity, draw=draw, cooldown_days=cooldown_days)
    audit = fairness_audit(ws, cands)
    path = Path(out) if out is not None else Path(ws.exports_dir) / f"候选名单_{day.isoformat()}.xlsx"
    written = write_review_file(ws, path, day, cands=cands, audit=audit)
    return written, summary_text(cands, audit)
