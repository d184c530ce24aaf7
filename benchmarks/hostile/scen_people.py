"""Scenarios for issue 11 point 13: no personal data kept — caller names in free text, phone and ID
numbers in columns that are not the designated free text, unrecognised personal columns; then a
scan of every table, the rejects table, rejects files, exports and documents."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from . import build as b
from .runner import (
    PHONE,
    Ctx,
    Verdict,
    cli,
    cli_verdict,
    crash_or_refusal,
    file_text,
    frame_text,
    pii_hits,
    scan_files,
    scan_frames,
    scenario,
    short,
    tables,
    try_import,
)

H = b.COMPLAINT_HEADER
#: "X女士 / X先生" forms of address left in text
HONORIFIC = re.compile(r"[\u4e00-\u9fff](?:女士|先生)")

NAMES = ["张建国", "郑女士", "李先生", "王女士", "刘秀英", "赵铁柱"]
PHONES = {
    "address": "13912345678",
    "handling_unit": "0533-3212345",
    "target": "13812345678",
    "inspectors": "13712345678",
    "basis": "0533-3226789",
    "caller_col": "15912345678",
    "callback_col": "18612345678",
    "reviewer": "13612345678",
    "permit_address": "13512345678",
}
ID_NUMBER = "370323198001011234"


def _complaint_rows(start: int = 1, phones: bool = True) -> list[list[str]]:
    if not phones:
        return [
            b.complaint_row(
                start,
                诉求内容="张建国反映：健康路饭店后厨卫生脏乱差，要求整改。",
                诉求标题="李先生来电反映饭店卫生问题",
                办理结果="已向王女士解释说明，反映情况属实。",
            ),
            b.complaint_row(start + 1, 诉求内容="郑女士称该店经营超过保质期的食品。"),
            b.complaint_row(start + 2),
        ]
    return [
        b.complaint_row(
            start,
            诉求内容="张建国反映：健康路饭店后厨卫生脏乱差，要求整改。",
            诉求标题="李先生来电反映饭店卫生问题",
            办理结果="已向王女士解释说明，反映情况属实。",
        ),
        b.complaint_row(
            start + 1,
            诉求内容="郑女士称该店经营超过保质期的食品。",
            事发地址=f"沂源县历山街道健康路8号（联系电话{PHONES['address']}）",
            承办单位=f"历山街道办事处（{PHONES['handling_unit']}）",
            被反映对象=f"美味饭店 老板电话{PHONES['target']}",
        ),
        b.complaint_row(start + 2),
    ]


def _report(v: Verdict, found: dict[str, list[str]], where: str) -> None:
    if found:
        items = "; ".join(f"{k}: {', '.join(vals[:3])}" for k, vals in list(found.items())[:6])
        v.add("PII_KEPT", f"{where}: {items}" + (" …" if len(found) > 6 else ""))


def _honorifics(frames: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for tname, df in frames.items():
        for col in df.columns:
            vals = df[col].dropna().astype(str)
            hits = sorted({h for v in vals.unique() for h in HONORIFIC.findall(v)})
            if hits:
                found[f"{tname}.{col}"] = hits
    return found


def published_numbers(ws) -> set[str]:
    """The bureau's own contact numbers (catalogue 联系人/电话): public, not personal data."""
    return set(PHONE.findall(frame_text(ws.catalog())))


def _scan_workspace(
    v: Verdict, ws, ws_dir: Path, extra_frames: dict[str, pd.DataFrame] | None = None
) -> None:
    allowed = published_numbers(ws)
    frames = tables(ws)
    frames.update(extra_frames or {})
    found = scan_frames(frames, NAMES, allowed)
    _report(v, found, "tables")
    _report(v, {k: h for k, h in _honorifics(frames).items() if k not in found}, "tables (X女士/X先生)")
    _report(v, scan_files(ws_dir, NAMES, allowed=allowed), "files")


@scenario(13, "caller names inside 诉求内容 / 诉求标题 / 办理结果 (张建国反映…, 郑女士称…, 李先生来电…)")
def s_caller_names_in_free_text(ctx: Ctx) -> Verdict:
    v = Verdict()
    ws = ctx.workspace()
    a = try_import(ws, b.write_csv(ctx.path("names.csv"), H, _complaint_rows(phones=False)), "complaints")
    if crash_or_refusal(v, a, "import"):
        return v
    _scan_workspace(v, ws, ctx.tmp / "ws")
    return v


@scenario(13, "phone / ID numbers in address, handling unit, target, inspectors, basis, facts columns")
def s_phones_in_other_columns(ctx: Ctx) -> Verdict:
    v = Verdict()
    ws = ctx.workspace()
    steps = [
        ("complaints", b.write_csv(ctx.path("c.csv"), H, _complaint_rows())),
        (
            "inspections",
            b.write_csv(
                ctx.path("i.csv"),
                b.INSPECTION_HEADER,
                [
                    b.row_for(
                        b.INSPECTION_HEADER,
                        b.inspection_cells(1),
                        检查人员=f"执法人员甲（{PHONES['inspectors']}）",
                        经营地址=f"沂源县历山街道健康路1号 电话{PHONES['address']}",
                    )
                ],
            ),
        ),
        (
            "penalties",
            b.write_csv(
                ctx.path("f.csv"),
                b.PENALTY_HEADER,
                [
                    b.row_for(
                        b.PENALTY_HEADER,
                        b.penalty_cells(1),
                        处罚依据=f"《食品安全法》第一百二十四条（咨询电话{PHONES['basis']}）",
                        违法事实=f"当事人（身份证号{ID_NUMBER}）经营超过保质期的食品",
                    )
                ],
            ),
        ),
        (
            "permits",
            b.write_csv(
                ctx.path("p.csv"),
                b.PERMIT_HEADER,
                [
                    b.row_for(
                        b.PERMIT_HEADER,
                        b.permit_cells(1),
                        经营地址=f"沂源县历山街道健康路1号（{PHONES['permit_address']}）",
                    )
                ],
            ),
        ),
    ]
    for kind, path in steps:
        a = try_import(ws, path, kind)
        crash_or_refusal(v, a, f"{kind} import")
    allowed = published_numbers(ws)
    _report(v, scan_frames(tables(ws), [], allowed), "tables")
    _report(v, scan_files(ctx.tmp / "ws", [], allowed=allowed), "files")
    return v


@scenario(13, "unrecognised personal columns 主叫号码 / 来电者 / 回访号码 in accepted and rejected rows")
def s_unrecognised_personal_columns(ctx: Ctx) -> Verdict:
    v = Verdict()
    header = [*H, "主叫号码", "来电者", "回访号码"]
    cells = {"主叫号码": PHONES["caller_col"], "来电者": "刘秀英", "回访号码": PHONES["callback_col"]}
    rows = [
        b.complaint_row(1, header=header, **cells),
        b.complaint_row(2, header=header, **cells),
        b.complaint_row(3, header=header, 诉求类型="其它类", **cells),
        b.complaint_row(4, header=header, 受理时间="2024/13/45", **cells),
    ]
    ws = ctx.workspace()
    a = try_import(ws, b.write_csv(ctx.path("personal_cols.csv"), header, rows), "complaints")
    if crash_or_refusal(v, a, "import"):
        return v
    r = a.result
    kept = [c for c in ("主叫号码", "来电者", "回访号码") if c in r.rejects.columns]
    v.check(not kept, "PII_KEPT", f"ImportResult.rejects keeps columns {', '.join(kept)}")
    _scan_workspace(v, ws, ctx.tmp / "ws", {"ImportResult.rejects": r.rejects})
    v.check(
        "刘秀英" not in r.summary() and PHONES["caller_col"] not in r.summary(),
        "PII_KEPT",
        "the printed account shows personal data",
    )
    v.note(
        f"dropped as personal: {'、'.join(r.dropped_personal) or '(none)'}; unknown: "
        f"{'、'.join(r.unknown_columns) or '(none)'}"
    )
    return v


@scenario(
    13,
    "full scan: every table, rejects, CLI output, hotspot / review / register exports, 意见书 docx",
    timeout=300,
)
def s_full_scan_exports_and_documents(ctx: Ctx) -> Verdict:
    v = Verdict()
    ws_dir = ctx.tmp / "ws"
    header = [*H, "主叫号码", "来电者"]
    extra = {"主叫号码": PHONES["caller_col"], "来电者": "刘秀英"}
    rows = [[*r, *extra.values()] for r in _complaint_rows()]
    rows += [
        b.complaint_row(
            10 + i,
            header=header,
            受理时间=f"2024-{1 + i % 6:02d}-0{1 + i % 9} 10:00:00",
            办结时间=f"2024/{1 + i % 6}/20 9:10",
            诉求内容=f"郑女士称第{i}次反映后厨卫生差",
            被反映对象="沂源县历山街道0001号饭店",
            **extra,
        )
        for i in range(30)
    ]
    rows.append(b.complaint_row(99, header=header, 诉求类型="其它类", **extra))
    compl = b.write_csv(ctx.path("complaints_pii.csv"), header, rows, encoding="gb18030")
    run = cli(ws_dir, "import", "complaints", str(compl))
    cli_verdict(v, run, "CLI import", want_ok=True)
    hits = pii_hits(run.stdout + run.stderr, NAMES)
    v.check(not hits, "PII_KEPT", f"CLI import output shows {', '.join(sorted(set(hits)))}")
    ws = ctx.workspace()
    for kind, path in (
        (
            "permits",
            b.write_csv(
                ctx.path("p.csv"),
                b.PERMIT_HEADER,
                [
                    b.row_for(
                        b.PERMIT_HEADER,
                        b.permit_cells(i),
                        经营地址=f"沂源县历山街道健康路{i}号（{PHONES['permit_address']}）",
                    )
                    for i in range(1, 4)
                ],
            ),
        ),
        (
            "penalties",
            b.write_csv(
                ctx.path("f.csv"),
                b.PENALTY_HEADER,
                [b.row_for(b.PENALTY_HEADER, b.penalty_cells(1), 处罚依据=f"咨询电话{PHONES['basis']}")],
            ),
        ),
        (
            "inspections",
            b.write_csv(
                ctx.path("i.csv"),
                b.INSPECTION_HEADER,
                [
                    b.row_for(
                        b.INSPECTION_HEADER,
                        b.inspection_cells(1),
                        检查人员=f"执法人员甲{PHONES['inspectors']}",
                    )
                ],
            ),
        ),
    ):
        crash_or_refusal(v, try_import(ws, path, kind), f"{kind} import")
    out = ws_dir / "exports"
    run = cli(
        ws_dir, "hotspots", "--measure", "complaints", "--by", "township", "--out", str(out / "hot.xlsx")
    )
    cli_verdict(v, run, "CLI hotspots", want_ok=True)
    as_of = dt.date(2024, 12, 31)
    for label, call in (
        ("write_candidates", lambda: ws.write_candidates(out / "review.xlsx", as_of)),
        ("export_catalog", lambda: ws.export_catalog(out / "catalog.xlsx")),
    ):
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - reported, not fatal for the scan
            v.note(f"{label} failed: {type(exc).__name__} {short(str(exc), 60)}")
    reviewer = f"赵铁柱反映该店屡次整改不到位，联系电话{PHONES['reviewer']}，身份证{ID_NUMBER}"
    chosen = pd.DataFrame(
        [
            {
                "统一社会信用代码": b.uscc(1),
                "建议方式": "提示提醒",
                "指导人员": "执法人员甲",
                "理由": reviewer,
                "备注": reviewer,
                "是否采纳": "是",
            }
        ]
    )
    try:
        new = ws.add_to_register(chosen, today=dt.date.today())
        docs = ws.write_documents(out / "docs", new)
        ws.export_register(out / "register.xlsx")
        ws.export_filing_batch(out / "filing.xlsx")
        v.note(f"{len(docs)} documents written")
        for doc in docs:
            hits = pii_hits(file_text(doc), NAMES, published_numbers(ws))
            v.check(
                not hits, "PII_KEPT", f"{doc.name}: reviewer text copied with {', '.join(sorted(set(hits)))}"
            )
    except Exception as exc:  # noqa: BLE001
        v.note(f"register/documents failed: {type(exc).__name__} {short(str(exc), 80)}")
    _scan_workspace(v, ws, ws_dir)
    return v
