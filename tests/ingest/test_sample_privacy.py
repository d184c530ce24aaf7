"""People's data (issue 11, point 13) on the sample data: after the main job, a register entry and
its documents, no table, export, rejects file or document holds a phone number, an ID number or a
caller name of the inputs (the 来电人 values, and 张建国反映… / 郑女士称… forms in the text)."""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import guidance_analytics as ga
from guidance_analytics.jobs import run_demo

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data_samples"
#: mobiles and landlines written with their area code (bare digit runs are codes and chart data)
PHONE = re.compile(r"(?<![0-9.])(?:1[3-9][0-9]{9}|0[0-9]{2,3}-[0-9]{7,8})(?![0-9])")
ID18 = re.compile(
    r"(?<![0-9])[1-6][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
)
#: chart pages name each plotly div by a random UUID (…-b044-0974611c9800 reads like a landline)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
HONORIFIC = re.compile(r"[\u4e00-\u9fff](?:女士|先生)")
#: columns holding codes (licence numbers read like ID numbers: 370323 + date + serial) and hex digests
CODES = (
    "row_hash",
    "sha256",  # the imports table's file digests (a digest can read like a mobile number: …d15267290724a…)
    "key",
    "permit_key",
    "permit_no",
    "decision_doc_no",
    "decision_no",
    "inspection_no",
    "order_no",
    "uscc",
)
#: words callers are entered as when they gave no name
NOT_A_NAME = {"群众", "市民", "匿名", "来电人", "热心市民", "居民", "未留名"}


def caller_names() -> set[str]:
    """The 来电人 values of the sample complaint files (the columns the import drops)."""
    names: set[str] = set()
    for path in SAMPLES.glob("complaints_*.csv"):
        names |= set(pd.read_csv(path, encoding="gb18030", dtype=str)["来电人"].dropna())
    for path in SAMPLES.glob("complaints_*.xlsx"):
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        header = next(i for i, row in enumerate(rows) if any(str(c).startswith("来电人") for c in row))
        column = next(j for j, c in enumerate(rows[header]) if str(c).startswith("来电人"))
        names |= {str(r[column]) for r in rows[header + 1 :] if r[column]}
    return {n for n in names if len(n) >= 2 and n not in NOT_A_NAME}


def file_text(path: Path) -> str:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            parts = [
                zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if n.endswith((".xml", ".rels"))
            ]
        return html.unescape(re.sub(r"<[^>]+>", " ", "\n".join(parts)))
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def findings(text: str, names: set[str], allowed: set[str]) -> list[str]:
    text = UUID.sub(" ", text)
    hits = [h for h in PHONE.findall(text) + ID18.findall(text) if h not in allowed]
    hits += [n for n in names if n in text]
    hits += HONORIFIC.findall(text)
    return hits


@pytest.mark.slow
def test_no_personal_data_in_tables_exports_rejects_or_documents(tmp_path: Path) -> None:
    names = caller_names()
    assert any(re.fullmatch(r"[\u4e00-\u9fff](?:女士|先生)", n) for n in names)  # the inputs do hold them
    summary = run_demo(tmp_path / "ws", SAMPLES, echo=lambda _t: None)
    ws: ga.Workspace = summary["workspace"]
    # the bureau's own published numbers (catalogue contacts) are public, not personal
    allowed = set(PHONE.findall(ws.catalog().astype(str).to_string()))
    business = ws.table("businesses").iloc[0]
    reviewer = "赵铁柱反映该店屡次整改不到位，联系电话13612345678，身份证370323198001011234"
    chosen = pd.DataFrame(
        [
            {
                "主体标识": business["business_id"],
                "建议方式": "提示提醒",
                "指导人员": "执法人员甲",
                "理由": reviewer,
                "计划时间": "2025-01-06",
                "备注": reviewer,
                "是否采纳": "是",
            }
        ]
    )
    new = ws.add_to_register(chosen, today=dt.date(2025, 1, 6), by="录入员")
    assert len(new) == 1, new.attrs["refused"]
    assert len(ws.write_documents(ws.exports_dir / "docs", new, draft=True)) >= 1
    ws.export_register(ws.exports_dir / "register.xlsx")
    names |= {"赵铁柱"}

    tables = ws.query(
        "SELECT table_name AS n FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() WHERE NOT internal"
    )["n"].tolist()
    found = {}
    for name in tables:
        frame = ws.table(name).drop(columns=list(CODES), errors="ignore")
        hits = findings(frame.astype(str).to_string(), names, allowed)
        if hits:
            found[name] = sorted(set(hits))[:5]
    for path in sorted(ws.path.rglob("*")):
        if path.is_file() and path.suffix not in (".duckdb", ".wal"):
            hits = findings(file_text(path), names, allowed)
            if hits:
                found[str(path.relative_to(ws.path))] = sorted(set(hits))[:5]
    assert not found, found
    files = {p.suffix for p in ws.path.rglob("*") if p.is_file()}
    assert {".xlsx", ".html"} <= files  # exports were written and scanned
    assert list(ws.rejects_dir.iterdir())  # the sample files have rejected rows: their files were scanned
