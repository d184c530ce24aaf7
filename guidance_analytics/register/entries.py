"""The guidance register (行政指导事项登记簿): numbered entries, results, void and amend.

Rules kept here (thresholds and document choices in ``config/register.toml``):

* **Numbers** are per year (the year of 指导时间), unique and gapless: the register 序号 and one
  ``2024年第001号`` sequence per document type (意见书, 文书, 约谈通知书). Next = max + 1 inside the
  single DuckDB transaction of an add; entries and numbers are never deleted, so there are no gaps.
  DuckDB allows one writer: a second process waits (``Store`` retries) and then gets
  :class:`~guidance_analytics.errors.WorkspaceBusyError` — never a duplicate number.
* **All or nothing**: one add is one transaction; an error part-way leaves no entry and consumes
  no number.
* **Refused** rows (no officer, unknown business, 移送执法, no 计划时间 or one beyond the planning
  horizon, unknown method or catalogue item, a catalogue item that does not cover the business,
  存在问题 written with internal words, an interview clashing with another) and **skipped** rows
  (already registered, repeated in the batch) are reported with Chinese reasons naming the row by
  its 序号 and spreadsheet row in ``result.attrs`` (see :func:`add_to_register`); rows whose
  是否采纳 is neither yes nor no (待定 …) are listed back, not counted as 未采纳.
* **Interviews** (约谈) get a time: the reviewer's 计划时间 with its time of day, or the first free
  slot of ``[interview] slots`` that day; clashes are refused before anything is written.
* **What the business reads** (``problem`` = 存在问题 of the letters) are the facts of the review
  sheet's 存在问题 column (or the catalogue matter), never the reviewer's 理由.
* Entries are never deleted: :func:`void_entry` and :func:`amend_entry` keep who, when and why in
  ``register_audit`` (:func:`audit_trail`).
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core import WorkspaceLike, optional_date, rules, sql
from ..errors import RegisterError
from ..targeting import catalog, channel_of, contact_rules, contacts, covers, internal_words, match_item
from .input import join_officers, read_chosen, row_label

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "AMENDABLE",
    "REPORT_COLUMNS",
    "SYSTEM_ACCOUNTS",
    "add_to_register",
    "entry_no",
    "operator",
    "amend_entry",
    "audit_trail",
    "record_result",
    "register",
    "report",
    "void_entry",
]

AMENDABLE = (
    "guided_on",
    "matter",
    "officers",
    "place",
    "problem",
    "opinion",
    "legal_basis",
    "unit",
    "catalog_item",
    "result",
    "effect",
    "remarks",
)
REPORT_COLUMNS = ["row", "row_number", "list_no", "sheet_row", "name", "uscc", "action", "reason"]
#: Login names that are machines, not people: never written into the audit trail as the operator.
SYSTEM_ACCOUNTS = {"root", "administrator", "admin", "jovyan", "nobody", "runner", "system", ""}


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def entry_no(year: Any, seq: Any, config: dict[str, Any] | None = None) -> str:
    """A register entry's number as written everywhere: ``2025年第001号`` (``[numbers] format``).

    >>> entry_no(2025, 1)
    '2025年第001号'
    """
    fmt = (config or rules(None, "register"))["numbers"]["format"]
    return fmt.format(year=int(year), number=int(seq))


def operator(by: str | None = None) -> str:
    """Who is doing this, for the audit trail: ``by``, else ``GA_OPERATOR``, else the login name.

    Raises
    ------
    RegisterError
        Only a machine account is known (``root`` …): a register names people.
    """
    name = (by or os.environ.get("GA_OPERATOR") or "").strip()
    if not name:
        try:
            name = getpass.getuser().strip()
        except OSError:  # no login name (containers)
            name = ""
    if name.lower() in SYSTEM_ACCOUNTS:
        raise RegisterError(
            f"登记簿须记录操作人姓名，当前登录名「{name or '（无）'}」不是个人账号："
            '请用 --by 姓名（Python：by="姓名"）注明，或设置环境变量 GA_OPERATOR'
        )
    return name


# -- add ----------------------------------------------------------------------------------------
def _refusal(row: dict, name: Any, reasons: list[str]) -> dict:
    return {
        "row": row_label(row),
        "row_number": row["row_number"],
        "list_no": row.get("list_no"),
        "sheet_row": row.get("sheet_row"),
        "name": name,
        "uscc": row.get("uscc"),
        "action": row.get("action"),
        "reason": "；".join(reasons),
    }


def _default_problem(item: dict) -> str:
    """存在问题 when the review gives no facts (an action on risk signals alone): the matter itself."""
    targets = str(item.get("targets") or "").strip()
    who = f"你（单位）属于{targets}。" if targets else ""
    issue = str(item.get("issue") or item.get("item_name") or "").strip()
    return f"{who}根据本局行政指导事项目录清单「{item['item_name']}」，现就{issue}有关要求予以提示"


#: 指导地点 of a contact by telephone or text message (a letter still goes to the business's address).
OFF_SITE_PLACES = {"电话": "电话联系", "短信": "短信告知"}


def _place(row: dict, biz: dict, action: str, config: dict[str, Any], channel: Any = None) -> str:
    """指导地点: as reviewed, else the interview room (约谈 or any 到局 contact), else 电话联系 /
    短信告知 for those channels, else the business's address."""
    if row.get("place"):
        return row["place"]
    if action == "约谈" or channel == "到局":
        return config["interview"]["place"]
    if channel in OFF_SITE_PLACES:
        return OFF_SITE_PLACES[channel]
    return (biz or {}).get("address") or config["unit"]["default_place"]


def _check_rows(
    ws: WorkspaceLike,
    frame: pd.DataFrame,
    items: pd.DataFrame,
    rules: dict[str, Any],
    officers: Any,
    guided_on: Any,
    today: dt.date,
) -> tuple[list[dict], list[dict]]:
    """Validate rows; return (planned entries, refusals). Reads businesses only."""
    reg = rules["register"]
    if isinstance(officers, list | tuple):
        officers = "、".join(str(o) for o in officers)
    default_officers = join_officers(officers)
    default_date = optional_date(guided_on)
    horizon = today + dt.timedelta(days=int(reg["max_days_ahead"]))
    ids = [v for v in frame["business_id"].dropna()] or [""]
    usccs = [v for v in frame["uscc"].dropna()] or [""]
    names = [v for v in frame["name"].dropna()] or [""]
    known = ws.store.query("register/businesses", ids=ids, usccs=usccs, names=names).astype(object)
    known = known.where(known.notna(), None)
    by_id = {r["business_id"]: r for r in known.to_dict("records")}
    by_uscc = {r["uscc"]: r for r in known.to_dict("records") if r["uscc"]}
    # a hand-made sheet may carry only the name: accepted when exactly one business has it
    by_name = {r["name"]: r for r in known.to_dict("records") if r["n_same_name"] == 1}
    cat = {r["item_code"]: r for r in items.to_dict("records")}
    channels = contact_rules(ws)
    known_channels = set(channels["channels"]["known"])
    on_site = set(channels["cap"]["counted_guidance_channels"])
    cap = int(channels["cap"]["on_site_per_year"])
    used: dict[int, dict[str, int]] = {}  # year → business → on-site contacts (ledger + this batch)

    def on_site_used(year: int, business_id: str) -> int:
        if year not in used:
            ledger = contacts(ws, year)
            used[year] = dict(zip(ledger["business_id"], ledger["on_site_counted"], strict=True))
        return int(used[year].get(business_id, 0))

    planned, refused = [], []
    for row in frame.to_dict("records"):
        reasons: list[str] = []
        action = row["action"]
        if not action:
            reasons.append("未填写指导方式（建议方式）")
        elif action in reg["enforcement_methods"]:
            reasons.append(reg["enforcement_reason"])
        elif action not in reg["methods"]:
            reasons.append(f"指导方式「{action}」不是可登记的行政指导方式（{'、'.join(reg['methods'])}）")
        biz = by_id.get(row["business_id"]) or by_uscc.get(row["uscc"])
        if biz is None and not row["business_id"] and not row["uscc"]:
            biz = by_name.get(row["name"])
        if biz is None:
            reasons.append("行政相对人不在工作区主体库中（主体标识和统一社会信用代码均未找到）")
        who = row["officers"] or default_officers
        if not who:
            reasons.append("未填写指导人员")
        planned_at = None if pd.isna(row["planned_on"]) else pd.Timestamp(row["planned_on"])
        when = planned_at.date() if planned_at is not None else default_date
        if row["planned_bad"]:
            reasons.append("计划时间无法识别")
        elif when is None:
            reasons.append(
                "未填写计划时间（不会默认为今天）：请在复核表填写计划时间，或用 --date 指定本批的指导时间"
            )
        elif when > horizon:
            reasons.append(f"计划时间 {when:%Y-%m-%d} 超出计划期限（今天起 {reg['max_days_ahead']} 天内）")
        code = row["catalog_item"]
        industry = (biz or {}).get("industry_code") or row["industry_code"]
        if code and code not in cat:
            reasons.append(f"事项编码 {code} 不在行政指导事项目录清单中")
        elif code and action and not covers(cat[code], industry, row["permit_item"]):
            reasons.append(
                f"事项 {code}（{cat[code]['item_name']}）的适用范围不包括该主体的行业（{industry or '不详'}）"
            )
        elif not code and action and not reasons and row["catalog_given"]:
            reasons.append(
                "未填写事项编码：目录清单中没有覆盖该主体的事项（见“事项名称”列），请选定事项编码或先补充目录清单"
            )
        elif not code and action and not reasons:  # a hand-made list without 事项编码: matched here
            code = match_item(items, action, industry, row["permit_item"], row["reasons"])
            if code is None:
                reasons.append(
                    f"目录清单中没有适用于「{action}」和该主体行业（{industry or '不详'}）的指导事项，请先补充目录清单"
                )
        channel = row.get("channel") or (channel_of(action, channels) if action else None)
        if channel and channel not in known_channels:
            reasons.append(
                f"指导渠道「{channel}」无法识别（可填写 {'、'.join(channels['channels']['known'])}）"
            )
        if channel in on_site and biz is not None and when is not None and not reasons:
            count = on_site_used(when.year, biz["business_id"])
            if count >= cap:
                reasons.append(
                    f"该主体{when.year}年计入上限的入企次数已有{count}次（每户每年上限{cap}次，国办发〔2024〕54号），"
                    "不能再登记入企指导：请改为电话、书面等非现场方式（指导渠道）"
                )
            else:
                used[when.year][biz["business_id"]] = count + 1
        facts = row["facts"]
        if facts and internal_words(facts, rules):
            words = "」「".join(internal_words(facts, rules))
            reasons.append(f"存在问题含内部用语「{words}」，不能写入意见书：请改写为相对人可以核对的事实")
        if reasons:
            refused.append(_refusal(row, row["name"] or (biz or {}).get("name"), reasons))
            continue
        item = cat[code]
        anchor = optional_date(row["as_of"]) or when
        planned.append(
            {
                "row_number": row["row_number"],
                "row": row_label(row),
                "list_no": row.get("list_no"),
                "sheet_row": row.get("sheet_row"),
                "guided_on": when,
                "year": when.year,
                "matter": item["item_name"],
                "officers": who,
                "method": action,
                "business_id": biz["business_id"],
                "target_name": biz["name"] or row["name"],
                "uscc": biz["uscc"] or row["uscc"],
                "township": biz["township"] or row["township"],
                "industry_code": biz["industry_code"] or row["industry_code"],
                "unit": item["unit"],
                "catalog_item": code,
                "legal_basis": row["legal_basis"] or item["legal_basis"],
                "issue": item["issue"] or item["item_name"],
                "problem": facts or _default_problem(item),
                "opinion": item["content"],
                "place": _place(row, biz, action, rules, channel),
                "reasons": row["reasons"],
                "evidence": row["evidence"],
                "score": None if pd.isna(row["score"]) else float(row["score"]),
                "draw_id": row.get("draw_id"),
                "inclusion_prob": None
                if pd.isna(row.get("inclusion_prob"))
                else float(row["inclusion_prob"]),
                "as_of": optional_date(row["as_of"]),
                "remarks": row["remarks"],
                "starts_at": planned_at.to_pydatetime()
                if action == "约谈" and row["planned_has_time"]
                else None,
                "dedup_key": f"{biz['business_id']}|{action}|{code}|{anchor:%Y-%m-%d}",
                "channel": channel,
                "decision_no": row.get("decision_no"),
            }
        )
    return planned, refused


def _clock(text: str) -> dt.time:
    hour, minute = str(text).strip().split(":")
    return dt.time(int(hour), int(minute))


def schedule_interviews(
    ws: WorkspaceLike, planned: list[dict], config: dict[str, Any]
) -> tuple[list[dict], list[dict]]:
    """Give each 约谈 a time; return (entries that keep their place, refusals).

    A 计划时间 with a time of day is kept as given; a date alone gets the first configured slot
    that overlaps no interview at the same place — neither one already in the register (not
    voided) nor one earlier in this batch. A given time that overlaps one, a day without a free
    slot and a day that is not an interview weekday are refused, naming the clash.
    """
    cfg = config["interview"]
    length = dt.timedelta(minutes=int(cfg.get("minutes", 60)))
    slots = [_clock(t) for t in cfg.get("slots", ["09:00"])]
    weekdays = {int(d) for d in cfg.get("weekdays", [1, 2, 3, 4, 5])}
    interviews = [e for e in planned if e["method"] == "约谈"]
    if not interviews:
        return planned, []
    days = [e["guided_on"] for e in interviews]
    booked = ws.store.query("register/interview_bookings", first=min(days), last=max(days))
    taken: list[tuple[dt.datetime, str, str]] = [
        (
            pd.Timestamp(b.starts_at).to_pydatetime(),
            str(b.place),
            f"登记簿{entry_no(b.year, b.seq, config)}（{b.target_name}）",
        )
        for b in booked.itertuples(index=False)
    ]

    def clash(start: dt.datetime, place: str) -> str | None:
        for other, where, label in taken:
            if where == place and abs(other - start) < length:
                return f"{label}{other:%H:%M}"
        return None

    keep, refused = [], []
    for entry in planned:
        if entry["method"] != "约谈":
            keep.append(entry)
            continue
        day, place = entry["guided_on"], entry["place"]
        why = None
        if day.isoweekday() not in weekdays:
            weekday = "一二三四五六日"[day.weekday()]
            why = f"约谈时间 {day:%Y-%m-%d} 为星期{weekday}，不在约谈工作日（register.toml [interview] weekdays）"
        elif entry["starts_at"] is not None:
            other = clash(entry["starts_at"], place)
            if other:
                why = f"约谈时间 {entry['starts_at']:%Y-%m-%d %H:%M} 与{other}在同一地点冲突，请另定时间"
        else:
            free = [
                dt.datetime.combine(day, t)
                for t in slots
                if clash(dt.datetime.combine(day, t), place) is None
            ]
            if free:
                entry["starts_at"] = free[0]
            else:
                why = f"{day:%Y-%m-%d} 的约谈时段（{'、'.join(cfg.get('slots', []))}）均已排满，请另选日期或在计划时间中写明时刻"
        if why:
            refused.append(_refusal(entry, entry["target_name"], [why]))
            continue
        taken.append((entry["starts_at"], place, f"本批次{entry['row']}（{entry['target_name']}）"))
        keep.append(entry)
    return keep, refused


def _duplicate_reason(entry: dict, active: list[dict], window: int) -> str | None:
    for old in active:
        same = (old["business_id"], old["method"], old["catalog_item"]) == (
            entry["business_id"],
            entry["method"],
            entry["catalog_item"],
        )
        if old["dedup_key"] == entry["dedup_key"] or (
            same and abs((optional_date(old["guided_on"]) - entry["guided_on"]).days) <= window
        ):
            where = f"登记簿{entry_no(old['year'], old['seq'])}" if "seq" in old else f"本批次{old['row']}"
            return f"已登记：与{where}为同一主体、同一方式、同一事项（{window}天内），不重复登记"
    return None


def _drop_duplicates(ws: WorkspaceLike, planned: list[dict], window: int) -> tuple[list[dict], list[dict]]:
    """Split planned entries into new ones and those already registered (or repeated in the batch)."""
    active = ws.store.query("register/active_keys").to_dict("records")
    keep: list[dict] = []
    skipped: list[dict] = []
    for entry in planned:
        why = _duplicate_reason(entry, active, window) or _duplicate_reason(entry, keep, window)
        if why:
            skipped.append(_refusal(entry, entry["target_name"], [why]))
        else:
            keep.append(entry)
    return keep, skipped


def _insert_entry(con: duckdb.DuckDBPyConnection, entry: dict, meta: dict) -> int:
    seq = int(con.execute(sql.load("register/next_seq"), {"year": entry["year"]}).fetchone()[0])
    params = {k: v for k, v in entry.items() if k not in ("row_number", "row", "list_no", "sheet_row")}
    con.execute(sql.load("register/insert_entry"), {**params, **meta, "seq": seq})
    return seq


def _issue_documents(
    con: duckdb.DuckDBPyConnection, entry: dict, seq: int, rules: dict[str, Any], at: dt.datetime
) -> list[str]:
    numbers = []
    for doc_type in rules["documents"].get(entry["method"], ["文书"]):
        number = int(
            con.execute(
                sql.load("register/next_doc_number"), {"doc_type": doc_type, "year": entry["year"]}
            ).fetchone()[0]
        )
        doc_no = rules["numbers"]["format"].format(year=entry["year"], number=number)
        con.execute(
            sql.load("register/insert_document"),
            {
                "doc_type": doc_type,
                "year": entry["year"],
                "number": number,
                "doc_no": doc_no,
                "entry_year": entry["year"],
                "entry_seq": seq,
                "issued_at": at,
            },
        )
        numbers.append(doc_no)
    return numbers


def _audit_text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.strftime("%Y-%m-%d") if isinstance(value, dt.date) else str(value)


def _audit(
    con: duckdb.DuckDBPyConnection,
    year: int,
    seq: int,
    action: str,
    by: str,
    reason: str | None,
    at: dt.datetime,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
) -> None:
    con.execute(
        sql.load("register/insert_audit"),
        {
            "year": year,
            "seq": seq,
            "action": action,
            "field": field,
            "old_value": _audit_text(old),
            "new_value": _audit_text(new),
            "by_whom": by,
            "reason": reason,
            "at": at,
        },
    )


def add_to_register(
    ws: WorkspaceLike,
    chosen: Any,
    officers: Any = None,
    guided_on: Any = None,
    *,
    by: str | None = None,
    strict: bool = False,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Register the chosen guidance actions; return the entries created.

    Parameters
    ----------
    chosen : pandas.DataFrame, str or Path
        Rows of ``ws.candidates()`` (DataFrame; optional 指导人员 / 计划时间 / 是否采纳 columns)
        or the path of a reviewed candidates sheet (only rows with 是否采纳 = 是 are registered).
    officers : str or list of str, optional
        指导人员 for rows that have none (text, or a list of names).
    guided_on : date-like, optional
        指导时间 for rows without 计划时间. Without it such rows are refused: a date is never
        made up (today would put the entry in the wrong year's numbering).
    by : str, optional
        Who registers (audit trail; default: ``GA_OPERATOR``, else the login name — a machine
        account such as ``root`` is refused, see :func:`operator`).
    strict : bool
        Refuse the whole batch (:class:`RegisterError`, nothing written) if any row is refused.
    today : datetime.date, optional
        The reference day of the planning-horizon check (default: today).

    Returns
    -------
    pandas.DataFrame
        The new entries, with the columns of :func:`register` (possibly empty). ``attrs`` holds
        the report: ``attrs["refused"]``, ``attrs["skipped"]`` and ``attrs["unclear"]`` (是否采纳
        neither yes nor no, e.g. 待定: listed back, not registered, not counted as 未采纳) are lists
        of records with :data:`REPORT_COLUMNS` — ``row`` names the row by the sheet's 序号 and its
        spreadsheet row (use :func:`report` for one table), ``attrs["not_adopted"]`` the number of
        rows marked 否 or left empty and ``attrs["summary"]`` a one-line Chinese summary.
    """
    with ws.store.connect():  # one connection (and one lock) for the whole add
        return _add(ws, chosen, officers, guided_on, by, strict, today)


def _add(
    ws: WorkspaceLike,
    chosen: Any,
    officers: Any,
    guided_on: Any,
    by: str | None,
    strict: bool,
    today: dt.date | None,
) -> pd.DataFrame:
    config = rules(ws, "register")
    frame, source = read_chosen(chosen)
    unclear = [
        _refusal(
            row,
            row["name"],
            [f"是否采纳填写为「{row['adopted_value']}」，无法识别（只能填写 是 或 否），本行未登记"],
        )
        for row in frame[frame["adopted_unclear"]].to_dict("records")
    ]
    not_adopted = int((~frame["adopted"] & ~frame["adopted_unclear"]).sum())
    decisions = frame[frame["draw_id"].notna() & ~frame["adopted_unclear"]]
    frame = frame[frame["adopted"]].reset_index(drop=True)
    items = catalog(ws)
    today = today or dt.date.today()
    planned, refused = _check_rows(ws, frame, items, config, officers, guided_on, today)
    planned, skipped = _drop_duplicates(ws, planned, int(config["register"]["dedup_window_days"]))
    planned, clashes = schedule_interviews(ws, planned, config)  # after: a re-add is skipped, not a clash
    refused += clashes
    if strict and (refused or unclear):
        shown = (unclear + refused)[:5]
        raise RegisterError(
            f"有 {len(refused) + len(unclear)} 行不符合登记条件，本批次未登记："
            + "；".join(f"{r['row']} {r['reason']}" for r in shown)
        )
    by = operator(by)
    at = _now()
    created: list[tuple[int, int]] = []
    with ws.store.transaction() as con:  # the add holds the one connection: nothing changed since the checks
        for entry in planned:
            meta = {"source": source, "created_by": by, "created_at": at}
            seq = _insert_entry(con, entry, meta)
            numbers = _issue_documents(con, entry, seq, config, at)
            _audit(
                con,
                entry["year"],
                seq,
                "登记",
                by,
                source,
                at,
                new=f"{entry['method']}：{entry['matter']}；" + "、".join(numbers),
            )
            created.append((entry["year"], seq))
        for row in decisions.to_dict("records"):  # 是否采纳 of drawn rows: intention-to-treat
            con.execute(
                sql.load("register/draw_adoption"),
                {
                    "adopted": bool(row["adopted"]),
                    "draw_id": row["draw_id"],
                    "business_id": row["business_id"],
                    "action": row["action"],
                },
            )
    out = register(ws)
    keys = set(created)
    out = out[[(y, s) in keys for y, s in zip(out["year"], out["seq"], strict=True)]].reset_index(drop=True)
    out.attrs["refused"] = refused
    out.attrs["skipped"] = skipped
    out.attrs["unclear"] = unclear
    out.attrs["not_adopted"] = not_adopted
    out.attrs["summary"] = (
        f"新登记 {len(created)} 条，拒绝 {len(refused)} 条，跳过（已登记）{len(skipped)} 条，"
        f"未采纳 {not_adopted} 行"
        + (f"，是否采纳无法识别 {len(unclear)} 行（未登记，请改为 是 或 否）" if unclear else "")
    )
    return out


def report(new: pd.DataFrame) -> pd.DataFrame:
    """Rows of an add that were not registered, as one table: ``kind`` 无法识别 (是否采纳 neither yes
    nor no) / 拒绝 / 跳过, then ``row`` (序号 and spreadsheet row, as people name it) and the reason."""
    rows = [{"kind": "无法识别", **r} for r in new.attrs.get("unclear", [])]
    rows += [{"kind": "拒绝", **r} for r in new.attrs.get("refused", [])]
    rows += [{"kind": "跳过", **r} for r in new.attrs.get("skipped", [])]
    return pd.DataFrame(rows, columns=["kind", *REPORT_COLUMNS])


# -- read ---------------------------------------------------------------------------------------
def register(
    ws: WorkspaceLike,
    year: int | None = None,
    *,
    start: Any = None,
    end: Any = None,
    include_void: bool = True,
    seq: int | None = None,
) -> pd.DataFrame:
    """The register, one row per entry, oldest first.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    year : int, optional
        Only this register year (the year of 指导时间); default all years.
    start, end : date-like, optional
        Only entries with 指导时间 in ``[start, end]``.
    include_void : bool
        Also list voided entries (状态 已作废).
    seq : int, optional
        Only this 序号 (with ``year``).

    Returns
    -------
    pandas.DataFrame
        ``entry_no`` the entry's number as written everywhere (``2025年第001号``), ``seq`` 序号
        (per year), ``year``, ``guided_on`` 时间, ``matter`` 指导事项, ``result`` 指导结果
        (the pending text from the rules until recorded), ``officers`` 指导人员, ``method`` 指导方式,
        ``target_name`` 指导对象, ``uscc``, ``unit`` 实施科室, ``catalog_item`` 事项编码, ``doc_no``
        文书编号 (all numbers, ``；``-joined with their type), ``status`` 已登记 / 已办结 / 已作废, then
        ``business_id, township, industry_code, legal_basis, issue, problem, opinion, place,
        reasons, evidence, score, as_of, effect, remarks, opinion_no, record_no, notice_no,
        catalog_content, catalog_contact, catalog_phone, source, created_by, created_at,
        result_at, void_by, void_at, void_reason, starts_at`` (the interview's time, 约谈 only),
        ``draw_id``, ``inclusion_prob`` (the risk-weighted draw the row came from and its inclusion
        probability; NULL when the list was not drawn),
        ``result_recorded`` (bool). ``problem`` (存在问题) is what letters tell the business;
        ``reasons``, ``evidence`` and ``score`` are the reviewer's, never printed.

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> register(ws).empty
    True
    """
    config = rules(ws, "register")
    pending = config["register"]["pending_result"]
    out = ws.store.query(
        "register/entries",
        year=year,
        seq=seq,
        start=optional_date(start),
        end=optional_date(end),
        include_void=include_void,
    )
    out["result_recorded"] = out["result"].notna()
    out["result"] = out["result"].fillna(pending)
    out["guided_on"] = pd.to_datetime(out["guided_on"])
    out["starts_at"] = pd.to_datetime(out["starts_at"])
    out.insert(
        0,
        "entry_no",
        pd.Series(
            [entry_no(y, q, config) for y, q in zip(out["year"], out["seq"], strict=True)],
            index=out.index,
            dtype="str",
        ),
    )
    return out


def audit_trail(ws: WorkspaceLike, year: int | None = None, seq: int | None = None) -> pd.DataFrame:
    """Who did what when and why: ``year, seq, action, field, old_value, new_value, by_whom,
    reason, changed_at`` (action 登记 / 记录结果 / 作废 / 更正)."""
    return ws.store.query("register/audit", year=year, seq=seq)


def _entry(con: duckdb.DuckDBPyConnection, year: int, seq: int) -> dict:
    found = con.execute(
        sql.load("register/entries"),
        {"year": int(year), "seq": int(seq), "start": None, "end": None, "include_void": True},
    ).df()
    if found.empty:
        raise RegisterError(f"登记簿中没有 {entry_no(year, seq)}")
    row = found.iloc[0].to_dict()
    if row["status"] == "已作废":
        raise RegisterError(f"{entry_no(year, seq)}已作废，不能再修改")
    return row


def record_result(
    ws: WorkspaceLike, year: int, seq: int, result: str, effect: str | None = None, *, by: str | None = None
) -> pd.DataFrame:
    """Record 指导结果 (and 指导取得的效益、效果) of an entry; the previous values stay in the audit trail.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    year, seq : int
        The entry (register year and 序号).
    result : str
        指导结果, e.g. 已按期整改 (not empty).
    effect : str, optional
        指导取得的效益、效果.
    by : str, optional
        Who records it (audit trail; default the login name).

    Returns
    -------
    pandas.DataFrame
        The entry, one row with the columns of :func:`register`.

    Raises
    ------
    RegisterError
        No such entry, the entry is voided, or ``result`` is empty.
    """
    if not str(result or "").strip():
        raise RegisterError("指导结果不能为空")
    by, at = operator(by), _now()
    with ws.store.transaction() as con:
        old = _entry(con, year, seq)
        con.execute(
            sql.load("register/set_result"),
            {"year": year, "seq": seq, "result": result.strip(), "effect": effect, "at": at},
        )
        _audit(con, year, seq, "记录结果", by, None, at, "result", old["result"], result.strip())
        if effect is not None:
            _audit(con, year, seq, "记录结果", by, None, at, "effect", old["effect"], effect)
    return register(ws, int(year), seq=int(seq))


def void_entry(ws: WorkspaceLike, year: int, seq: int, by: str, reason: str) -> pd.DataFrame:
    """Void an entry: it stays in the register (status 已作废) with its numbers; who/when/why kept.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    year, seq : int
        The entry (register year and 序号).
    by : str
        Who voids it.
    reason : str
        Why (both are required).

    Returns
    -------
    pandas.DataFrame
        The entry, one row with the columns of :func:`register`.
    """
    if not str(by or "").strip() or not str(reason or "").strip():
        raise RegisterError("作废须注明操作人和原因")
    at = _now()
    with ws.store.transaction() as con:
        _entry(con, year, seq)
        con.execute(
            sql.load("register/void"), {"year": year, "seq": seq, "by_whom": by, "at": at, "reason": reason}
        )
        _audit(con, year, seq, "作废", by, reason, at, "status", "已登记", "已作废")
    return register(ws, int(year), seq=int(seq))


def amend_entry(ws: WorkspaceLike, year: int, seq: int, by: str, reason: str, **changes: Any) -> pd.DataFrame:
    """Amend fields of an entry (:data:`AMENDABLE`); each change is kept with its previous value.

    The 指导时间 may change only within the same year (序号 and document numbers are per year).

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    year, seq : int
        The entry (register year and 序号).
    by : str
        Who amends it.
    reason : str
        Why (both are required).
    **changes
        ``field=value`` for fields of :data:`AMENDABLE` (``officers="张三、李四"``, ``guided_on=…``).

    Returns
    -------
    pandas.DataFrame
        The entry, one row with the columns of :func:`register`.
    """
    if not str(by or "").strip() or not str(reason or "").strip():
        raise RegisterError("更正须注明操作人和原因")
    unknown = sorted(set(changes) - set(AMENDABLE))
    if unknown:
        raise RegisterError(f"以下字段不能更正：{'、'.join(unknown)}（可更正：{'、'.join(AMENDABLE)}）")
    if not changes:
        raise RegisterError("没有需要更正的内容")
    if "guided_on" in changes:
        changes["guided_on"] = optional_date(changes["guided_on"])
        if changes["guided_on"] is None or changes["guided_on"].year != int(year):
            raise RegisterError("指导时间只能在同一年度内更正；跨年度请作废后重新登记")
    if "officers" in changes:
        changes["officers"] = join_officers(changes["officers"])
    config = rules(ws, "register")
    for name in ("problem", "opinion", "matter", "place", "result", "effect"):
        found = internal_words(changes.get(name), config)
        if found:
            raise RegisterError(
                f"更正内容（{name}）含内部用语「{'」「'.join(found)}」，不能写入发给行政相对人的文书"
            )
    by = operator(by)
    at = _now()
    with ws.store.transaction() as con:
        old = _entry(con, year, seq)
        if changes.get("catalog_item"):
            known = con.execute(sql.load("targeting/catalogue_items")).df()["item_code"].tolist()
            if changes["catalog_item"] not in known:
                raise RegisterError(f"事项编码 {changes['catalog_item']} 不在目录清单中")
        params = {name: changes.get(name) for name in AMENDABLE}
        con.execute(sql.load("register/amend"), {**params, "year": year, "seq": seq})
        for name, value in changes.items():
            before = old.get(name)
            before = optional_date(before) if name == "guided_on" else before
            _audit(con, year, seq, "更正", by, reason, at, name, None if pd.isna(before) else before, value)
    return register(ws, int(year), seq=int(seq))
