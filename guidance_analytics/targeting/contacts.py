"""Contacts with businesses under the 2024–2025 rules: the contact ledger, the annual on-site cap,
channels (off-site first), credit-risk classes and the duties the candidate list carries.

国办发〔2024〕54号 asks each department to cap on-site inspections per business and year, to
prefer off-site checks (无事不扰) and to warn on repeated contact; 淄政办发〔2025〕8号 names the
check types 日常 / 专项 / 个案. ``config/contacts.toml`` says which 检查类型 is which, which count
against the cap (default: 日常 incl. 双随机; not complaint-triggered 个案 nor campaigns 专项), the
cap (default 2 per year), and the channel of each guidance method (入企 / 到局 / 书面 / 电话 / 短信)
with its off-site form.

- :func:`contacts` — the ledger, one row per business and year;
- :func:`apply_contact_caps` — a candidate pool with ``channel``: a business at its cap is never
  proposed an 入企 action (the off-site form instead, or status 已达入企上限);
- :func:`credit_classes_as_of` / :func:`class_weights` — the 企业信用风险分类 known before a
  planning date and the draw weight of each class (不免抽: every weight positive; 不公开: the class
  is never written to anything a business receives);
- :func:`duty_params` — the parameters of the education (不予处罚) and 信用修复 rules of
  ``sql/targeting/routing_evidence.sql``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, optional_date, rules, sql, to_date, write_table

#: Ledger columns (see :func:`contacts`).
CONTACT_COLUMNS = (
    "business_id",
    "uscc",
    "name",
    "township",
    "industry_code",
    "year",
    "checks_routine",
    "checks_campaign",
    "checks_case",
    "guidance_on_site",
    "guidance_at_bureau",
    "guidance_written",
    "guidance_phone",
    "guidance_sms",
    "guidance_by_method",
    "on_site_counted",
    "cap",
    "remaining",
    "at_cap",
)
#: The ledger's Chinese headers (the CLI's and the review file's).
CONTACT_HEADERS = {
    "uscc": "统一社会信用代码",
    "name": "行政相对人名称",
    "township": "所属乡镇",
    "industry_code": "行业代码",
    "year": "年度",
    "checks_routine": "日常检查（次）",
    "checks_campaign": "专项检查（次）",
    "checks_case": "个案检查（次）",
    "guidance_on_site": "入企指导（次）",
    "guidance_at_bureau": "到局指导（次）",
    "guidance_written": "书面指导（次）",
    "guidance_phone": "电话指导（次）",
    "guidance_sms": "短信指导（次）",
    "guidance_by_method": "指导方式统计",
    "on_site_counted": "计入上限的入企次数",
    "cap": "年度入企上限",
    "remaining": "剩余次数",
    "at_cap": "已达上限",
    "business_id": "主体标识",
}
CHECK_CLASSES = ("日常", "专项", "个案")
#: Status of a pool row whose only fitting form is on-site while the business is at its cap.
AT_CAP = "已达入企上限"
#: Letters of the credit-risk classes, lowest risk first (national A–D, Shandong A–E).
CREDIT_LEVELS = {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5}


def contact_rules(ws: WorkspaceLike | None) -> dict[str, Any]:
    """``config/contacts.toml`` checked: known check classes and channels, a positive cap and
    positive class weights (a class weight of 0 would exclude a class from the draw: 不免抽)."""
    cfg = rules(ws, "contacts")
    known = set(cfg["channels"]["known"])
    for name, cls in cfg["inspection_types"].items():
        if cls not in CHECK_CLASSES:
            raise ValueError(f"contacts.toml：检查类型「{name}」的类别「{cls}」应为 日常、专项、个案 之一")
    for method, spec in cfg["methods"].items():
        for key in ("channel", "offsite"):
            value = spec.get(key, "")
            if value and value not in known:
                raise ValueError(
                    f"contacts.toml：指导方式「{method}」的渠道「{value}」不是 {'、'.join(known)} 之一"
                )
    if int(cfg["cap"]["on_site_per_year"]) < 0:
        raise ValueError("contacts.toml：年度入企上限不能为负数")
    for cls, weight in cfg["credit_classes"]["weights"].items():
        if not float(weight) > 0:
            raise ValueError(
                f"contacts.toml：信用风险分类「{cls}」的抽取权重为 {weight}：权重必须大于0（不免抽，任何类别都不得排除）"
            )
    return cfg


def contacts(ws: WorkspaceLike, year: int | None = None, as_of: Any = None) -> pd.DataFrame:
    """The contact ledger: on-site contacts per business and year against the annual cap.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    year : int, optional
        Only this calendar year (default: every year with a contact).
    as_of : date-like, optional
        Count inspections dated before it and register entries guided before it or registered
        before it for a later date (a planned visit uses the cap too); default: everything.

    Returns
    -------
    pandas.DataFrame
        One row per business and year with a contact: ``business_id``, ``uscc``, ``name``,
        ``township``, ``industry_code``, ``year``; inspections by check class ``checks_routine``
        (日常, incl. 双随机), ``checks_campaign`` (专项), ``checks_case`` (个案, e.g. complaint
        checks); guidance entries (not voided) by channel ``guidance_on_site`` (入企),
        ``guidance_at_bureau`` (到局), ``guidance_written`` (书面), ``guidance_phone`` (电话),
        ``guidance_sms`` (短信) and ``guidance_by_method`` (Chinese, e.g. ``约谈1次；提示提醒2次``);
        ``on_site_counted`` (the checks of the counted classes plus on-site guidance), ``cap``
        (``[cap] on_site_per_year``), ``remaining`` (never below 0) and ``at_cap`` (bool).
        ``attrs`` hold the settings used.

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> ledger = contacts(ws, 2025)
    >>> ledger.empty, list(ledger.columns)[-4:]
    (True, ['on_site_counted', 'cap', 'remaining', 'at_cap'])
    """
    cfg = contact_rules(ws)
    types = cfg["inspection_types"]
    methods = {m: spec.get("channel", "") for m, spec in cfg["methods"].items()}
    out = ws.store.query(
        "targeting/contacts",
        year=None if year is None else int(year),
        as_of=optional_date(as_of),
        type_names=list(types),
        type_classes=list(types.values()),
        default_class="日常",
        methods=list(methods),
        method_channels=list(methods.values()),
        counted_checks=[str(c) for c in cfg["cap"]["counted_check_types"]],
        counted_channels=[str(c) for c in cfg["cap"]["counted_guidance_channels"]],
    )
    cap = int(cfg["cap"]["on_site_per_year"])
    out["year"] = out["year"].astype("int64")
    out["cap"] = cap
    out["remaining"] = (cap - out["on_site_counted"]).clip(lower=0).astype("int64")
    out["at_cap"] = out["on_site_counted"] >= cap
    out = out[list(CONTACT_COLUMNS)].reset_index(drop=True)
    out.attrs.update(
        cap=cap,
        counted_check_types=list(cfg["cap"]["counted_check_types"]),
        counted_guidance_channels=list(cfg["cap"]["counted_guidance_channels"]),
        department=cfg["cap"].get("department", ""),
        as_of=optional_date(as_of),
        year=year,
    )
    return out


def write_contacts(ws: WorkspaceLike, year: int | None = None, path: Any = None, as_of: Any = None) -> Path:
    """Write the ledger as a spreadsheet with Chinese headers (default ``exports/接触台账_<year>.xlsx``).

    Returns the path written.
    """
    ledger = contacts(ws, year, as_of=as_of)
    target = Path(path) if path is not None else ws.exports_dir / f"接触台账_{year or '全部'}.xlsx"
    people_order = [c for c in CONTACT_COLUMNS if c != "business_id"] + ["business_id"]
    frame = ledger.assign(at_cap=ledger["at_cap"].map({True: "是", False: "否"}))[people_order].rename(
        columns=CONTACT_HEADERS
    )
    title = (
        f"涉企接触台账（{year or '全部年度'}）：每户每年入企上限 {ledger.attrs['cap']} 次，"
        f"计入：{'、'.join(ledger.attrs['counted_check_types'])}检查和"
        f"{'、'.join(ledger.attrs['counted_guidance_channels'])}指导"
    )
    write_table(frame, target, title=title)
    return target


def channel_of(action: str, cfg: dict[str, Any]) -> str:
    """The channel proposed for a guidance method (``[methods]``; 书面 when the method is not listed)."""
    spec = cfg["methods"].get(action, {})
    return str(spec.get("channel", "") or "书面")


def apply_contact_caps(pool: pd.DataFrame, ledger: pd.DataFrame, cfg: dict[str, Any]) -> pd.DataFrame:
    """Give every pool row its ``channel`` and keep on-site actions within the annual cap.

    ``pool`` needs ``business_id``, ``action``, ``status``, ``reasons`` (and may carry a ``channel``
    set by a rule, e.g. the education of a 不予处罚 decision); ``ledger`` is :func:`contacts` for
    the planning year. A row whose channel is on-site (``[channels] on_site``) for a business at its
    cap gets the method's off-site form, or — when the method has none — status
    :data:`AT_CAP`; the count is written into ``reasons``. Any business with on-site contacts this
    year gets the count in ``reasons`` (a warning against repeated contact). Adds ``on_site_counted``,
    ``cap`` and ``remaining``.
    """
    pool = pool.copy()
    cap = int(cfg["cap"]["on_site_per_year"])
    on_site = set(cfg["channels"]["on_site"])
    counts = ledger.set_index("business_id")["on_site_counted"] if not ledger.empty else pd.Series(dtype=int)
    used = pool["business_id"].map(counts).fillna(0).astype("int64")
    preset = pool["channel"] if "channel" in pool else pd.Series(np.nan, index=pool.index, dtype="str")
    default = pool["action"].map(lambda a: channel_of(a, cfg))
    channel = preset.where(preset.notna() & (preset != ""), default).astype("str")
    capped = channel.isin(on_site) & (used >= cap)
    offsite = pool["action"].map(lambda a: str(cfg["methods"].get(a, {}).get("offsite", "") or ""))
    swap = capped & (offsite != "")
    blocked = capped & (offsite == "")
    reasons = pool["reasons"].fillna("").astype("str")
    note = "本年度已入企" + used.astype(str) + "次（每户每年上限" + str(cap) + "次）"
    reasons = reasons.mask(swap, reasons + "；" + note + "，改为" + offsite + "方式（无事不扰）")
    reasons = reasons.mask(blocked, reasons + "；" + note + "，已达上限且无非现场方式，本次不安排入企")
    reasons = reasons.mask(~capped & (used > 0), reasons + "；" + note)
    pool["channel"] = channel.mask(swap, offsite)
    pool["reasons"] = reasons.str.lstrip("；")
    pool.loc[blocked & (pool["status"] == "入选"), "status"] = AT_CAP
    pool["on_site_counted"] = used
    pool["cap"] = cap
    pool["remaining"] = (cap - used).clip(lower=0)
    return pool


def credit_classes_as_of(ws: WorkspaceLike, dates: Any) -> pd.DataFrame:
    """The credit-risk class of each business known before each date (as-of: classified before it).

    Returns ``business_id``, ``as_of`` (datetime), ``risk_class`` (A–E) and ``classified_on``: the
    latest classification dated before ``as_of``; businesses never classified are absent.
    """
    days = sorted({to_date(d) for d in (dates if isinstance(dates, list | tuple | set) else [dates])})
    with ws.store.connect(read_only=True) as con:
        out = con.execute(sql.load("targeting/credit_class_asof"), {"dates": days}).df()
    out["as_of"] = pd.to_datetime(out["as_of"])
    return out


def class_weights(classes: pd.Series, cfg: dict[str, Any]) -> pd.Series:
    """The draw weight of each business's credit class (``[credit_classes] weights``; ``none`` for
    an unclassified business). Every weight is positive (checked by :func:`contact_rules`)."""
    weights = {str(k): float(v) for k, v in cfg["credit_classes"]["weights"].items()}
    none = weights.get("none", 1.0)
    return classes.map(lambda c: weights.get(c, none) if isinstance(c, str) else none).astype(float)


def duty_params(cfg: dict[str, Any]) -> dict[str, Any]:
    """The education and 信用修复 parameters of ``sql/targeting/routing_evidence.sql``."""
    e, r = cfg["education"], cfg["credit_repair"]
    return {
        "edu_lookback_days": int(e.get("lookback_days", 365)),
        "repair_enabled": bool(r.get("enabled", True)),
        "small_kinds": [str(x) for x in r.get("small_kinds", [])],
        "small_fine_yuan": float(r.get("small_fine_yuan", 0)),
        "small_months": int(r["small_months"]),
        "other_months": int(r["other_months"]),
        "long_months": int(r["long_months"]),
        "long_industries": [str(x) for x in r.get("long_industries", [])],
        "long_words": [str(x) for x in r.get("long_words", [])],
        "remind_days": int(r.get("remind_days", 90)),
    }
