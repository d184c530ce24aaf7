"""The bureau's guidance forms as .docx: 行政指导意见书, 行政指导文书 and 行政指导约谈通知书.

Layouts follow the attachments of the 2021 plan (源行审字〔2021〕5号): the two title lines
(沂源县行政审批服务局 + form name), the filled ``2024年第001号`` line, for the 文书 the
单位（公章）line and the table 指导时间 · 指导地点 · 指导人员 · 指导对象 · 指导内容（事项） ·
指导取得的效益、效果, for the 意见书 the addressee, 「关于你（单位）存在的…问题，现提出以下指导意见」,
存在问题, 指导意见, the closing sentence with 指导联系人 and 联系电话, （单位印章） and the date. Which
documents an entry gets, fonts, the interview defaults and the fallback contact are in
``config/register.toml``. A document is written only for a number the register issued.

What a document says is written for the business: the matter, the facts it can recognise
(存在问题, from the review's facts column), the rule — never the reviewer's 理由, scores or ranks;
every document's text is checked (:func:`~guidance_analytics.targeting.outward.check_outward`)
before it is saved. Documents are refused while a contact number is still a placeholder, unless
``draft=True``, which watermarks every page 草稿.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from docx.shared import Pt

from ..core import WorkspaceLike, rules
from ..errors import RegisterError
from ..targeting import (
    catalog,
    check_outward,
    guide_for,
    industry_guides,
    placeholder_contacts,
    placeholder_message,
)
from .entries import register
from .layout import Form, safe_filename

PUNCT_END = ("。", "！", "？", "；", "…", ".", "!", "?")


def _text(value: Any, default: str = "") -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return default
    return str(value).strip() or default


def _sentence(value: Any) -> str:
    text = _text(value).rstrip("；;，,")
    return text if not text or text.endswith(PUNCT_END) else text + "。"


def _basis(entry: dict) -> str:
    """指导依据 as one phrase: 《A》第x条、《B》 (list separators unified, no final stop)."""
    return _text(entry.get("legal_basis")).replace("；", "、").replace(";", "、").rstrip("。、")


def _cn_date(value: Any) -> str:
    day = pd.Timestamp(value)
    return f"{day.year}年{day.month}月{day.day}日"


def _contact(entry: dict, rules: dict[str, Any]) -> tuple[str, str]:
    """指导联系人 (the first officer) and 联系电话 (the catalogue's, else the configured one)."""
    officers = _text(entry.get("officers"))
    name = (
        officers.split("、")[0] if officers else _text(entry.get("catalog_contact"), rules["contact"]["name"])
    )
    return name, _text(entry.get("catalog_phone"), rules["contact"]["phone"])


def _clock_text(value: Any) -> str:
    """``上午9:00`` / ``下午2:30`` for a time of day."""
    t = pd.Timestamp(value)
    if t.hour < 12:
        return f"上午{t.hour}:{t.minute:02d}"
    if t.hour == 12:
        return f"中午12:{t.minute:02d}"
    return f"下午{t.hour - 12}:{t.minute:02d}"


def _interview_time(entry: dict, rules: dict[str, Any]) -> str:
    """The interview's date and time: the booked time, else the first configured slot."""
    start = entry.get("starts_at")
    if start is None or pd.isna(start):
        first = str(rules["interview"].get("slots", ["09:00"])[0])
        start = pd.Timestamp(f"{pd.Timestamp(entry['guided_on']):%Y-%m-%d} {first}")
    return f"{_cn_date(start)}{_clock_text(start)}"


def _finish(form: Form, path: Path, rules: dict[str, Any], what: str, draft: bool) -> Path:
    """Check the text for internal words, watermark a draft, save."""
    check_outward(form.all_text(), rules, what)
    if draft:
        form.watermark("草稿")
    form.save(path)
    return path


def _contact_para(form: Form, text: str, name: str, phone: str, size: str = "三号") -> None:
    """The closing sentence; 联系电话 after a soft line break so the number never splits."""
    p = form.para(f"{text}指导联系人：{name}", indent=True, align="left", size=size)
    p.runs[-1].add_break()
    form.run(p, f"联系电话：{phone}", size=size)


def _seal_and_date(form: Form, when: Any) -> None:
    """（单位印章） and the date, kept on the same page as the last paragraph."""
    form.doc.paragraphs[-1].paragraph_format.keep_with_next = True
    seal = form.para("（单位印章）", align="right", right_indent_cm=1.5, space_before=18)
    seal.paragraph_format.keep_with_next = True
    form.para(_cn_date(when), align="right", right_indent_cm=1.0)


def write_opinion(entry: dict, path: Path, rules: dict[str, Any], draft: bool = False) -> Path:
    """行政指导意见书 for one register entry (``draft``: watermark 草稿)."""
    form = Form(rules["fonts"])
    form.title(rules["unit"]["name"], rules["document_titles"]["意见书"])
    form.number_line(entry["opinion_no"])
    form.para("")
    form.para(f"{_text(entry.get('target_name'), '（行政相对人）')}：", align="left")
    issue = _text(entry.get("issue"), _text(entry.get("matter")))
    form.para(f"关于你（单位）存在的{issue}问题，现提出以下指导意见:", indent=True)
    p = form.para("存在问题：", indent=True, bold=True)
    form.run(p, _sentence(entry.get("problem")) or "（无）")
    p = form.para("指导意见：", indent=True, bold=True)
    form.run(p, _sentence(entry.get("opinion")) or _sentence(entry.get("matter")))
    basis = _basis(entry)
    if basis:
        p = form.para("指导依据：", indent=True, bold=True)
        form.run(p, f"{basis}。")
    if _text(entry.get("guide")):
        p = form.para("合规指引：", indent=True, bold=True)
        form.run(p, f"请参照{_text(entry.get('guide'))}（一业一册）开展自查，依法规范经营。")
    p = form.para("法定义务提示：", indent=True, bold=True)
    form.run(p, "法律、法规规定的义务，你（单位）应当依法履行，不因本意见书而改变。")
    form.para("本意见书属行政指导，不具有强制力，是否采纳由你（单位）自愿决定。", indent=True)
    name, phone = _contact(entry, rules)
    _contact_para(form, "你（单位）在落实以上指导意见时遇到问题，请及时与行政指导人员联系，", name, phone)
    _seal_and_date(form, entry["guided_on"])
    return _finish(form, path, rules, f"{entry.get('entry_no', '')}意见书", draft)


def write_record(entry: dict, path: Path, rules: dict[str, Any], draft: bool = False) -> Path:
    """行政指导文书 (the record of the guidance given) for one register entry (``draft``: 草稿)."""
    form = Form(rules["fonts"])
    form.title(rules["unit"]["name"], rules["document_titles"]["文书"])
    form.number_line(entry["record_no"])
    form.para(f"单位：{rules['unit']['name']}（公章）", align="left", space_before=6)
    table = form.table(4, [2.4, 5.3, 2.4, 5.5])
    r0, r1, r2, r3 = table.rows
    form.cell(r0.cells[0], ["指导时间"], align="center")
    when = _interview_time(entry, rules) if entry.get("method") == "约谈" else _cn_date(entry["guided_on"])
    form.cell(r0.cells[1], [when])
    form.cell(r0.cells[2], ["指导地点"], align="center")
    form.cell(r0.cells[3], [_text(entry.get("place"))])
    form.cell(r1.cells[0], ["指导人员"], align="center")
    form.cell(r1.cells[1], [_text(entry.get("officers"))])
    form.cell(r1.cells[2], ["指导对象"], align="center")
    form.cell(r1.cells[3], [_text(entry.get("target_name"))])
    if _text(entry.get("uscc")):  # the 18-character code on a line of its own, in a size that fits
        form.cell_line(r1.cells[3], "统一社会信用代码：", size="五号")
        form.cell_line(r1.cells[3], _text(entry.get("uscc")), size="小四")
    content = r2.cells[0].merge(r2.cells[3])
    lines = [
        "指导内容（事项）：",
        f"指导方式：{_text(entry.get('method'))}；事项：{_text(entry.get('matter'))}"
        f"（事项编码 {_text(entry.get('catalog_item'))}）。",
        f"存在问题：{_sentence(entry.get('problem'))}",
        f"指导意见：{_sentence(entry.get('opinion'))}",
    ]
    if _text(entry.get("legal_basis")):
        lines.append(f"指导依据：{_sentence(entry.get('legal_basis'))}")
    if _text(entry.get("guide")):
        lines.append(f"合规指引（一业一册）：{_text(entry.get('guide'))}。")
    issued = [
        f"{k}{_text(entry.get(c))}"
        for k, c in (("行政指导意见书", "opinion_no"), ("约谈通知书", "notice_no"))
        if _text(entry.get(c))
    ]
    if issued:
        lines.append("相关文书：" + "、".join(issued) + "。")
    form.cell(content, lines, bold_first=True)
    effect = r3.cells[0].merge(r3.cells[3])
    outcome = [f"指导结果：{_text(entry.get('result'))}"] if entry.get("result_recorded") else []
    form.cell(
        effect,
        [
            "指导取得的效益、效果：",
            *outcome,
            *([_text(entry.get("effect"))] if _text(entry.get("effect")) else []),
        ],
        bold_first=True,
    )
    form.min_height(r0, 1.4)
    form.min_height(r1, 1.4)
    form.min_height(r2, 7.0)
    form.min_height(r3, 4.0)
    return _finish(form, path, rules, f"{entry.get('entry_no', '')}文书", draft)


def write_notice(
    entry: dict, path: Path, rules: dict[str, Any], issued_on: dt.date, draft: bool = False
) -> Path:
    """行政指导约谈通知书 for an entry whose method is 约谈 (time: the booked slot; ``draft``: 草稿)."""
    interview = rules["interview"]
    form = Form(rules["fonts"])
    form.title(rules["unit"]["name"], rules["document_titles"]["约谈通知书"])
    form.number_line(entry["notice_no"])
    form.para(f"{_text(entry.get('target_name'), '（行政相对人）')}：", align="left")
    plan = "《沂源县行政审批服务局全面推行行政指导工作的实施方案》（源行审字〔2021〕5号）"
    basis = _basis(entry)
    basis = basis if plan in basis else "、".join(x for x in (basis, plan) if x)
    intro = form.para(
        f"根据群众投诉举报和行政许可数据分析情况，依据{basis}，"
        "本局决定对你（单位）进行行政指导约谈。现将有关事项通知如下：",
        indent=True,
        size="四号",
    )
    intro.paragraph_format.line_spacing = Pt(24)
    name, phone = _contact(entry, rules)
    items = [
        f"一、约谈事由：{_sentence(entry.get('problem')) or _sentence(entry.get('matter'))}",
        f"二、约谈时间：{_interview_time(entry, rules)}。",
        f"三、约谈地点：{_text(entry.get('place'), interview['place'])}。",
        f"四、约谈人员：{_text(entry.get('officers'))}（{_text(entry.get('unit'))}）。",
        f"五、约谈目的：通报{_text(entry.get('issue'), _text(entry.get('matter')))}有关情况，宣传解释相关法律法规"
        "和政策，听取你（单位）的陈述，提出规范经营的指导意见。约谈属行政指导，不具有强制力。",
        "六、参加人员：请你（单位）法定代表人（负责人）或委托代理人准时参加。",
        "七、请携带以下材料："
        + "；".join(f"{i}.{m}" for i, m in enumerate(interview["materials"], 1))
        + "。",
    ]
    for line in items:
        form.para(line, indent=True, size="四号").paragraph_format.line_spacing = Pt(24)
    _contact_para(form, "如因特殊情况不能按时参加，请提前与行政指导人员联系，", name, phone, size="四号")
    _seal_and_date(form, issued_on)
    return _finish(form, path, rules, f"{entry.get('entry_no', '')}约谈通知书", draft)


def _select(ws: WorkspaceLike, entries: Any, year: int | None, include_void: bool) -> pd.DataFrame:
    reg = register(ws, year, include_void=include_void)
    if entries is None:
        return reg
    if isinstance(entries, pd.DataFrame):
        keys = set(zip(entries["year"].astype(int), entries["seq"].astype(int), strict=True))
    else:
        keys = {(int(y), int(s)) for y, s in entries}
    return reg[[(y, s) in keys for y, s in zip(reg["year"], reg["seq"], strict=True)]]


def _check_contacts(selected: pd.DataFrame, config: dict[str, Any]) -> None:
    """Refuse documents whose 联系电话 would still be a placeholder (naming the settings)."""
    phones = [(c, p) for c, p in zip(selected["catalog_item"], selected["catalog_phone"], strict=True)]
    fallback = any(not _text(p) for _, p in phones)
    places = placeholder_contacts(config, phones, fallback)
    if places:
        raise RegisterError(placeholder_message("文书", places))


def with_guides(ws: WorkspaceLike, entries: pd.DataFrame) -> pd.DataFrame:
    """Add ``guide`` (一业一册): the 行业合规指引 of the business's division, else those of the
    catalogue matter's industries (``config/industry_guides.csv``); empty when none is listed."""
    out = entries.copy()
    if out.empty:
        out["guide"] = pd.Series(dtype="str")
        return out
    guides = industry_guides(ws)
    items = catalog(ws).set_index("item_code")["industries"].to_dict()
    out["guide"] = [
        guide_for(guides, code) or guide_for(guides, None, items.get(item))
        for code, item in zip(out["industry_code"], out["catalog_item"], strict=True)
    ]
    return out


def write_documents(
    ws: WorkspaceLike,
    out_dir: str | Path,
    entries: Any = None,
    *,
    year: int | None = None,
    include_void: bool = False,
    draft: bool = False,
    progress: bool = False,
) -> list[Path]:
    """Write the documents of register entries as .docx files; return their paths.

    Parameters
    ----------
    out_dir : str or Path
        Folder (created if missing).
    entries : pandas.DataFrame or iterable of (year, seq), optional
        ``None`` for every entry (of ``year``), a DataFrame with ``year`` and ``seq`` columns
        (e.g. what :func:`~guidance_analytics.register.add_to_register` returned) or an iterable of
        ``(year, seq)`` pairs.
    year : int, optional
        Only this register year.
    include_void : bool
        Also write documents of voided entries (default: no).
    draft : bool
        Write even though a contact number is still a placeholder, every page watermarked 草稿
        (for checking, never for sending). Without it such documents are refused.
    progress : bool
        Show a progress bar (tqdm) over the entries.

    Returns
    -------
    list of pathlib.Path
        File names ``2024年第001号_行政指导意见书_<name>.docx`` — the entry's number, the form name
        and the business name made safe by :func:`~guidance_analytics.register.layout.safe_filename`
        (``_草稿`` before ``.docx`` for a draft).

    Raises
    ------
    RegisterError
        A contact number is still a placeholder (the message names the setting) and ``draft`` is
        False; or a text meant for the business carries internal words.
    """
    config = rules(ws, "register")
    out = Path(out_dir)
    titles = config["document_titles"]
    paths: list[Path] = []
    with ws.store.connect(read_only=True):
        selected = _select(ws, entries, year, include_void)
    if not draft and len(selected):
        _check_contacts(selected, config)
    out.mkdir(parents=True, exist_ok=True)
    records = with_guides(ws, selected).to_dict("records")
    if progress:
        from tqdm import tqdm

        records = tqdm(records, desc="生成文书", unit="条")
    for entry in records:
        name = safe_filename(entry.get("target_name"))
        suffix = "_草稿" if draft else ""
        jobs = (("notice_no", "约谈通知书"), ("opinion_no", "意见书"), ("record_no", "文书"))
        for column, kind in jobs:
            if not _text(entry.get(column)):
                continue
            path = out / f"{entry['entry_no']}_{titles[kind]}_{name}{suffix}.docx"
            if kind == "约谈通知书":
                created = pd.Timestamp(entry["created_at"]).date()
                issued = min(created, pd.Timestamp(entry["guided_on"]).date())
                write_notice(entry, path, config, issued, draft=draft)
            elif kind == "意见书":
                write_opinion(entry, path, config, draft=draft)
            else:
                write_record(entry, path, config, draft=draft)
            paths.append(path)
    return paths
