"""The .docx forms: content, numbers, fonts, layout and safe file names, read back with python-docx."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn
from register_helpers import INTERNAL, PHONE, document_text, set_contacts

import guidance_analytics as ga
from guidance_analytics.errors import RegisterError
from guidance_analytics.register import safe_filename

TODAY = dt.date(2024, 6, 1)
NASTY = "../..\\沂源县<丁>烧烤:店?*|\x07\x00" + "很长的名字" * 30
ADDRESS = "沂源县南麻街道胜利路18号"


def make_ws(path: Path, contacts: bool = True) -> ga.Workspace:
    ws = ga.Workspace(path)
    if contacts:
        set_contacts(ws.config_dir)
    with ws.store.transaction() as con:
        con.execute(
            "INSERT INTO businesses (business_id, uscc, name, industry_code, address) VALUES "
            "('913703230000000011', '913703230000000011', '沂源县甲餐馆', '6210', ?),"
            "('913703230000000022', '913703230000000022', '沂源县乙大药房', '5251', NULL),"
            "('SCON', NULL, 'CON', '8930', NULL),"
            "('SNASTY', NULL, ?, '6291', NULL)",
            [ADDRESS, NASTY],
        )
    chosen = pd.DataFrame(
        {
            "business_id": ["913703230000000011", "913703230000000022", "SCON", "SNASTY"],
            "action": ["提示提醒", "约谈", "案件回访", "劝导警示"],
            # the reviewer's reasons: internal, they must never reach a letter
            "reasons": [
                "风险分0.68（第25位）：近24个月责令限期整改2次、移送立案1次",
                "近365天属实投诉2件（市场监管）；所在领域为热点",
                "2024年1月9日取得高危险性体育项目经营许可（重大许可事项），已满90天，宜开展回访",
                "属首次轻微违法并及时改正（行政处罚法第三十三条），宜教育劝导",
            ],
            # what the business is told
            "存在问题": [
                "近3个月12345热线反映你（单位）后厨卫生问题4件",
                "2024年3月至2024年5月，12345热线反映你（单位）处方药销售问题2件，经核实属实",
                None,
                "2024年5月2日现场检查发现你（单位）存在食品贮存不当问题，已当场整改",
            ],
            "计划时间": ["2024-05-20", "2024-05-21", "2024-05-22", "2024-05-23"],
        }
    )
    ws.add_to_register(chosen, officers="张三、李四", today=TODAY)
    return ws


@pytest.fixture()
def ws(tmp_path: Path) -> ga.Workspace:
    return make_ws(tmp_path / "ws")


def texts(path: Path) -> list[str]:
    return [p.text for p in docx.Document(path).paragraphs]


def test_each_method_gets_its_documents_named_by_the_entry_number(ws: ga.Workspace, tmp_path: Path) -> None:
    out = tmp_path / "docs"
    paths = ws.write_documents(out)
    names = [p.name for p in paths]
    assert names[:5] == [
        "2024年第001号_行政指导意见书_沂源县甲餐馆.docx",
        "2024年第001号_行政指导文书_沂源县甲餐馆.docx",
        "2024年第002号_行政指导约谈通知书_沂源县乙大药房.docx",
        "2024年第002号_行政指导文书_沂源县乙大药房.docx",
        "2024年第003号_行政指导文书__CON.docx",
    ]
    assert len(paths) == 7 and all(p.parent == out and p.is_file() for p in paths)
    nasty = names[5]
    assert nasty.startswith("2024年第004号_行政指导意见书_沂源县_丁_烧烤_店_")
    assert not any(ch in nasty for ch in '/\\<>:"|?*\x00\x07') and len(nasty.encode("utf-8")) < 200


def test_no_document_carries_the_tools_reasoning(ws: ga.Workspace, tmp_path: Path) -> None:
    """Point 1: scores, ranks, model words and internal advice never reach a business."""
    paths = ws.write_documents(tmp_path / "docs")
    assert len(paths) == 7
    for path in paths:
        text = document_text(path)
        assert not INTERNAL.findall(text), (path.name, INTERNAL.findall(text))
    # the facts the business can recognise are there instead
    opinion = document_text(paths[0])
    assert "存在问题：近3个月12345热线反映你（单位）后厨卫生问题4件。" in opinion
    warning = document_text(paths[5])
    assert "2024年5月2日现场检查发现你（单位）存在食品贮存不当问题，已当场整改。" in warning
    # a follow-up without facts states the matter (the catalogue item), not the reviewer's reasons
    record = document_text(paths[4])
    assert "存在问题：你（单位）属于取得重大行政许可的行政相对人。根据本局行政指导事项目录清单" in record


def test_opinion_letter_follows_the_printed_form(ws: ga.Workspace, tmp_path: Path) -> None:
    path = ws.write_documents(tmp_path, entries=[(2024, 1)])[0]
    lines = texts(path)
    assert lines[:3] == ["沂源县行政审批服务局", "行政指导意见书", "2024年第001号"]
    assert "沂源县甲餐馆：" in lines
    body = "\n".join(lines)
    assert "关于你（单位）存在的餐饮服务食品安全投诉多发问题，现提出以下指导意见:" in body
    assert "指导意见：宣传解释餐饮服务食品安全操作规范" in body
    assert (
        "指导依据：《中华人民共和国食品安全法》第三十三条、第五十五条、《餐饮服务食品安全操作规范》。" in body
    )
    assert f"指导联系人：张三\n联系电话：{PHONE}" in body
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
    assert cells[0] == ["指导时间", "2024年5月21日上午9:00", "指导地点", "沂源县政务服务中心政策法规科会议室"]
    assert cells[1] == [
        "指导人员",
        "张三、李四",
        "指导对象",
        "沂源县乙大药房\n统一社会信用代码：\n913703230000000022",
    ]
    assert cells[2][0].startswith("指导内容（事项）：\n指导方式：约谈；事项：药品零售企业经营规范提示")
    assert "相关文书：约谈通知书2024年第001号。" in cells[2][0]
    assert cells[2][0] == cells[2][3]  # one merged cell across the width
    assert cells[3][0] == "指导取得的效益、效果："
    ws.record_result(2024, 2, "已整改", effect="规范处方药销售")
    path = [p for p in ws.write_documents(tmp_path / "b", entries=[(2024, 2)]) if "文书_" in p.name][0]
    last = docx.Document(path).tables[0].rows[3].cells[0].text
    assert last == "指导取得的效益、效果：\n指导结果：已整改\n规范处方药销售"


#: Advance widths of Times-Roman (Adobe AFM, 1/1000 em) — Liberation Serif has the same metrics.
TIMES_WIDTHS = {**dict.fromkeys("0123456789", 500), "A": 722, "B": 667, "C": 667, "D": 722, "E": 611}
TIMES_WIDTHS |= {"F": 556, "G": 722, "H": 722, "J": 389, "K": 722, "L": 611, "M": 889, "N": 722}
TIMES_WIDTHS |= {"P": 556, "Q": 722, "R": 667, "T": 611, "U": 722, "W": 944, "X": 722, "Y": 722}


def test_the_credit_code_fits_its_cell_on_one_line(ws: ga.Workspace, tmp_path: Path) -> None:
    """Point 5: the 18-character code is a paragraph of its own whose printed width fits the cell
    (measured with the font's own advance widths, for digit-only and letter-heavy codes)."""
    path = [p for p in ws.write_documents(tmp_path, entries=[(2024, 2)]) if "文书_" in p.name][0]
    cell = docx.Document(path).tables[0].rows[1].cells[3]
    line = [p for p in cell.paragraphs if p.text == "913703230000000022"][0]
    size_pt = line.runs[0].font.size.pt
    width_pt = cell.width.pt - 2 * 5.4  # Word's default cell margins: 0.19 cm each side
    for code in ("913703230000000022", "91370323MA3C4X7K2N", "92370323MAAE883D9J", "91370323MAC7W8MW4Y"):
        printed = sum(TIMES_WIDTHS[c] for c in code) / 1000 * size_pt
        assert printed < width_pt, (code, printed, width_pt)


def test_place_defaults_to_the_business_address(ws: ga.Workspace, tmp_path: Path) -> None:
    """Point 5: 指导地点 is the business's address (not the phrase 行政相对人经营场所)."""
    paths = ws.write_documents(tmp_path)
    record = [p for p in paths if p.name == "2024年第001号_行政指导文书_沂源县甲餐馆.docx"][0]
    assert docx.Document(record).tables[0].rows[0].cells[3].text == ADDRESS
    unknown = [p for p in paths if p.name == "2024年第003号_行政指导文书__CON.docx"][0]
    assert docx.Document(unknown).tables[0].rows[0].cells[3].text == "行政相对人经营场所"  # no address known
    assert ws.register(2024)["place"].tolist()[:2] == [ADDRESS, "沂源县政务服务中心政策法规科会议室"]


def test_interview_notice(ws: ga.Workspace, tmp_path: Path) -> None:
    path = ws.write_documents(tmp_path, entries=[(2024, 2)])[0]
    lines = texts(path)
    assert lines[:3] == ["沂源县行政审批服务局", "行政指导约谈通知书", "2024年第001号"]
    body = "\n".join(lines)
    for part in (
        "沂源县乙大药房：",
        "一、约谈事由：2024年3月至2024年5月，12345热线反映你（单位）处方药销售问题2件，经核实属实。",
        "二、约谈时间：2024年5月21日上午9:00。",
        "三、约谈地点：沂源县政务服务中心政策法规科会议室。",
        "四、约谈人员：张三、李四（社会事务审批科）。",
        "五、约谈目的：",
        "七、请携带以下材料：1.营业执照副本复印件",
        f"联系电话：{PHONE}",
    ):
        assert part in body
    assert body.count("源行审字〔2021〕5号") == 1
    assert lines[-2] == "（单位印章）"


def test_placeholder_numbers_refuse_documents_unless_draft(tmp_path: Path) -> None:
    """Point 3: with the shipped 0533-0000000 the documents are refused, naming the setting; --draft
    writes them watermarked 草稿."""
    ws = make_ws(tmp_path / "ws", contacts=False)
    with pytest.raises(RegisterError) as err:
        ws.write_documents(tmp_path / "docs")
    message = str(err.value)
    assert "占位号码" in message and "目录清单「联系电话」0533-0000001" in message
    assert "config/register.toml" in message and "--draft" in message and "\n" not in message
    assert not (tmp_path / "docs").exists()  # nothing written
    paths = ws.write_documents(tmp_path / "draft", draft=True)
    assert len(paths) == 7 and all(p.name.endswith("_草稿.docx") for p in paths)
    for path in paths:
        doc = docx.Document(path)
        header = doc.sections[0].header
        assert header.paragraphs[0].text.startswith("草稿")
        shapes = header._element.xpath(".//*[local-name()='textpath'][@string='草稿']")
        assert shapes, "the VML watermark is missing"


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
    assert not any(n.startswith("2024年第001号") for n in names) and len(names) == 5


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


def test_writing_documents_can_show_a_progress_bar(ws: ga.Workspace, tmp_path: Path, capsys) -> None:
    """Point 11: a long step shows its progress (the CLI asks for it on a terminal)."""
    paths = ws.write_documents(tmp_path, progress=True)
    err = capsys.readouterr().err
    assert len(paths) == 7 and "生成文书" in err and "4/4" in err
