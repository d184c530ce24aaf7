"""On the sample data: every letter, register row and filing row for outside eyes is fit to send.

The whole round trip a reviewer makes — the review file written by the toolkit, every row adopted,
read back, registered, documents and exports written — then every document's text, every register
column and every filing cell is scanned for the tool's own reasoning with a list of patterns
written here (not the configured one), and every chosen catalogue matter is checked against the
business's industry with the catalogue's scope parsed here.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from openpyxl import load_workbook
from register_helpers import INTERNAL, document_text, set_contacts

import guidance_analytics as ga
from guidance_analytics.targeting import candidates, latest_planning_date, write_review_file

pytestmark = pytest.mark.slow


def in_scope(industries: str, code: str) -> bool:
    text = industries if isinstance(industries, str) else ""
    prefixes = [p for p in re.split(r"[;；、]", text) if p]
    return not prefixes or any(str(code).startswith(p) for p in prefixes)


@pytest.fixture(scope="module")
def registered(sample_workspace: ga.Workspace, tmp_path_factory: pytest.TempPathFactory) -> dict:
    ws = ga.scratch_copy(sample_workspace, tmp_path_factory.mktemp("letters") / "ws")
    set_contacts(ws.config_dir)
    as_of = latest_planning_date(ws)
    cands = candidates(ws, as_of)
    review = write_review_file(ws, ws.exports_dir / "review.xlsx", as_of, cands=cands)
    book = load_workbook(review)
    sheet = book["候选名单"]
    header = [c.value for c in sheet[3]]
    col = {name: header.index(name) + 1 for name in ("是否采纳", "指导人员", "计划时间", "建议方式")}
    day = pd.Timestamp(as_of) + pd.offsets.BDay(3)
    for n, row in enumerate(range(4, sheet.max_row + 1)):
        sheet.cell(row, col["是否采纳"], "是")
        sheet.cell(row, col["指导人员"], "张三、李四")
        # interviews spread over working days so that the slots suffice
        when = day + pd.offsets.BDay(n // 4) if sheet.cell(row, col["建议方式"]).value == "约谈" else day
        sheet.cell(row, col["计划时间"], when.strftime("%Y-%m-%d"))
    book.save(review)
    new = ws.add_to_register(review, today=as_of, by="录入员")
    paths = ws.write_documents(ws.exports_dir / "docs")
    return {"ws": ws, "cands": cands, "new": new, "paths": paths}


def test_every_adopted_row_is_registered_or_refused_for_a_stated_reason(registered: dict) -> None:
    new, cands = registered["new"], registered["cands"]
    guidance = cands[cands["is_guidance"]]
    refused = new.attrs["refused"]
    assert len(new) + len(refused) + len(new.attrs["skipped"]) == len(guidance)
    assert len(new) >= 0.8 * len(guidance)
    # the only refusals: rows for which no catalogue matter covers the business (never guessed)
    assert all(r["reason"].startswith("未填写事项编码") for r in refused), refused[:3]
    assert len(refused) == int(guidance["catalog_item"].isna().sum())


def test_no_letter_register_row_or_filing_row_carries_the_tools_reasoning(registered: dict) -> None:
    ws, paths = registered["ws"], registered["paths"]
    methods = registered["new"]["method"]
    assert len(paths) == len(methods) + int((methods != "案件回访").sum())  # 回访: the 文书 only
    for path in paths:
        found = INTERNAL.findall(document_text(path))
        assert not found, (path.name, found)
    for path in (
        ws.export_register(ws.exports_dir / "登记簿.xlsx"),
        ws.export_filing_batch(ws.exports_dir / "备案.xlsx"),
    ):
        for row in load_workbook(path).active.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and INTERNAL.search(value)), (path.name, value)
    # what the business is told comes from its own records: a date in every fact-based 存在问题
    problems = registered["new"]["problem"]
    dated = problems.str.contains(r"\d{4}年\d{1,2}月") | problems.str.startswith("你（单位）属于")
    assert dated.all(), problems[~dated].tolist()[:3]


def test_every_chosen_matter_covers_the_business(registered: dict) -> None:
    ws, cands, new = registered["ws"], registered["cands"], registered["new"]
    items = ws.catalog().set_index("item_code")
    chosen = cands[cands["catalog_item"].notna()]
    assert len(chosen) > 50
    for row in chosen.itertuples(index=False):
        assert in_scope(items.loc[row.catalog_item, "industries"], row.industry), (
            row.name,
            row.industry,
            row.catalog_item,
        )
    for row in new.itertuples(index=False):
        assert in_scope(items.loc[row.catalog_item, "industries"], row.industry_code)
    # a renewal reminder only where a licence does expire
    renewal = chosen[chosen["catalog_item"] == "YYSP-ZD-001"]
    assert renewal["facts"].str.contains("有效期将于").all()
    nothing = cands[cands["is_guidance"] & cands["catalog_item"].isna()]
    assert nothing["catalog_name"].str.startswith("目录清单中没有覆盖本主体行业").all()


def test_interviews_never_share_a_time_and_a_place(registered: dict) -> None:
    reg = registered["ws"].register()
    talks = reg[reg["method"] == "约谈"]
    assert len(talks) and talks["starts_at"].notna().all()
    assert not talks.duplicated(["starts_at", "place"]).any()
    notices = [p for p in registered["paths"] if "约谈通知书" in p.name]
    times = [re.search(r"二、约谈时间：(.+?)。", document_text(p)).group(1) for p in notices]
    assert len(set(times)) == len(times)
    assert all(pd.Timestamp(t).isoweekday() <= 5 for t in talks["starts_at"])
    assert all(t.date() >= dt.date(2000, 1, 1) for t in talks["starts_at"])
