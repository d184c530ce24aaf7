"""The .docx forms: content, numbers, fonts and safe file names, read back with python-docx."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn

import guidance_analytics as ga
from guidance_analytics.register import safe_filename

TODAY = dt.date(2024, 6, 1)
NASTY = "../..\\沂源县<丁>烧烤:店?*|\x07\x00" + "很长的名字" * 30


@pytest.fixture()
def ws(tmp_path: Path) -> ga.Workspace:
    ws = ga.Workspace(tmp_path / "ws")
    with ws.store.transaction() as con:
        con.execute(
            "INSERT INTO businesses (business_id, uscc, name, industry_code) VALUES "
            "('913703230000000011', '913703230000000011', '沂源县甲餐馆', '6210'),"
            "('913703230000000022', '913703230000000022', '沂源县乙大药房', '5251'),"
            "('SCON', NULL, 'CON', '6121'),"
            "('SNASTY', NULL, ?, '6291')",
            [NASTY],
        )
    chosen = pd.DataFrame(
        {
            "business_id": ["913703230000000011", "913703230000000022", "SCON", "SNASTY"],
            "action": ["提示提醒", "约谈", "案件回访", "劝导警示"],
            "reasons": [
                "近3个月被投诉4次，集中反映后厨卫生问题",
                "药品零售投诉属实2次",
                "回访",
                "轻微违法已改正",
            ],
            "计划时间": ["2024-05-20", "2024-05-21", "2024-05-22", "2024-05-23"],
        }
    )
    ws.add_to_register(chosen, officers="张三、李四", today=TODAY)
    return ws


def texts(path: Path) -> list[str]:
    return [p.text for p in docx.Document(path).paragraphs]


def test_each_method_gets_its_documents_with_safe_names(ws: ga.Workspace, tmp_path: Path) -> None:
    out = tmp_path / "docs"
    paths = ws.write_documents(out)
    names = [p.name for p in paths]
    assert names[:5] == [
        "2024-001_行政指导意见书_沂源县甲餐馆.docx",
        "2024-001_行政指导文书_沂源县甲餐馆.docx",
        "2024-002_行政指导约谈通知书_沂源县乙大药房.docx",
        "2024-002_行政指导文书_沂源县乙大药房.docx",
        "2024-003_行政指导文书__CON.docx",
    ]
    assert len(paths) == 7 and all(p.parent == out and p.is_file() for p in paths)
    nasty = names[5]
    assert nasty.startswith("2024-004_行政指导意见书_沂源县_丁_烧烤_店_")
    assert not any(ch in nasty for ch in '/\\<>:"|?*\x00\x07') and len(nasty.encode("utf-8")) < 200


def test_opinion_letter_follows_the_printed_form(ws: ga.Workspace, tmp_path: Path) -> None:
    path = ws.write_documents(tmp_path, entries=[(2024, 1)])[0]
    lines = texts(path)
    assert lines[:3] == ["沂源县行政审批服务局", "行政指导意见书", "2024年第001号"]
    assert "沂源县甲餐馆：" in lines
    body = "\n".join(lines)
    assert "关于你（单位）存在的餐饮服务食品安全投诉多发问题，现提出以下指导意见:" in body
    assert "存在问题：近3个月被投诉4次，集中反映后厨卫生问题。" in body
    assert "指导意见：宣传解释餐饮服务食品安全操作规范" in body
    assert (
        "你（单位）在落实以上指导意见时遇到问题，请及时与行政指导人员联系，指导联系人：张三\n"
        "联系电话：0533-0000001"
    ) in body
    assert lines[-2:] == ["（单位印章）", "2024年5月20日"]


def test_record_table_layout(ws: ga.Workspace, tmp_path: Path) -> None:
    path = [p for p in ws.write_documents(tmp_path, entries=[(2024, 2)]) if "文书_" in p.name][0]
    doc = docx.Document(path)
    assert [p.text for p in doc.paragraphs[:4]] == [
        "沂源县行政审批服务局",
        "行政指导文书",
        "2024年第002号",
        "单位：沂源县行政审批服务局（公章）",
    ]
    table = doc.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["指导时间", "2024年5月21日", "指导地点", "沂源县政务服务中心政策法规科会议室"]
    assert cells[1] == ["指导人员", "张三、李四", "指导对象", "沂源县乙大药房\n913703230000000022"]
    assert cells[2][0].startswith("指导内容（事项）：\n指导方式：约谈；事项：药品零售企业经营规范提示")
    assert "相关文书：约谈通知书2024年第001号。" in cells[2][0]
    assert cells[2][0] == cells[2][3]  # one merged cell across the width
    assert cells[3][0] == "指导取得的效益、效果："
    ws.record_result(2024, 2, "已整改", effect="规范处方药销售")
    path = [p for p in ws.write_documents(tmp_path / "b", entries=[(2024, 2)]) if "文书_" in p.name][0]
    last = docx.Document(path).tables[0].rows[3].cells[0].text
    assert last == "指导取得的效益、效果：\n指导结果：已整改\n规范处方药销售"


def test_interview_notice(ws: ga.Workspace, tmp_path: Path) -> None:
    path = ws.write_documents(tmp_path, entries=[(2024, 2)])[0]
    lines = texts(path)
    assert lines[:3] == ["沂源县行政审批服务局", "行政指导约谈通知书", "2024年第001号"]
    body = "\n".join(lines)
    for part in (
        "沂源县乙大药房：",
        "一、约谈事由：药品零售投诉属实2次。",
        "二、约谈时间：2024年5月21日上午9:00。",
        "三、约谈地点：沂源县政务服务中心政策法规科会议室。",
        "四、约谈人员：张三、李四（社会事务审批科）。",
        "五、约谈目的：",
        "七、请携带以下材料：1.营业执照副本复印件",
        "联系电话：0533-0000001",
    ):
        assert part in body
    assert lines[-2] == "（单位印章）"


def test_east_asian_fonts_are_explicit(ws: ga.Workspace, tmp_path: Path) -> None:
    for path in ws.write_documents(tmp_path, entries=[(2024, 1), (2024, 2)]):
        doc = docx.Document(path)
        normal = doc.styles["Normal"].element.rPr.rFonts
        assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"
        assert doc.styles["Table Grid"].element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
        runs = [r for p in doc.paragraphs for r in p.runs]
        runs += [
            r for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs
        ]
        assert runs and all(r.element.rPr.rFonts.get(qn("w:eastAsia")) for r in runs)
        defaults = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
        assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
        assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsiaTheme")) is None  # a theme font would win
        assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
        title = doc.paragraphs[0].runs[0]
        assert title.element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
        assert title.font.size.pt == 22


def test_voided_entries_get_no_documents(ws: ga.Workspace, tmp_path: Path) -> None:
    ws.void_entry(2024, 1, by="王科长", reason="重复")
    names = [p.name for p in ws.write_documents(tmp_path)]
    assert not any(n.startswith("2024-001") for n in names) and len(names) == 5


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("沂源县甲餐馆", "沂源县甲餐馆"),
        ("a/b\\c", "a_b_c"),
        ("..", "未命名"),
        ("", "未命名"),
        (None, "未命名"),
        ("nul", "_nul"),
        ("COM1.txt", "_COM1.txt"),
        ("tab\there\nnew", "tabherenew"),
        ("Ｆｕｌｌ：ｗｉｄｔｈ", "Full_width"),
        (" 名字. ", "名字"),
    ],
)
def test_safe_filename(raw: object, expected: str) -> None:
    assert safe_filename(raw) == expected


def test_safe_filename_is_short() -> None:
    assert len(safe_filename("长" * 500)) == 40
