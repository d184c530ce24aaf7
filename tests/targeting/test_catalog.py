"""The guidance catalogue: packaged content, matching a candidate to an item, export and reload."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import guidance_analytics as ga
from guidance_analytics.core import config_file, rules
from guidance_analytics.errors import RegisterError
from guidance_analytics.targeting import covers, load_catalog, match_item, read_catalog_file

METHODS = {"政策指引", "意见建议", "提示提醒", "约谈", "劝导警示", "示范引领", "案件回访"}


def test_packaged_catalogue_is_complete() -> None:
    items = read_catalog_file()
    assert len(items) >= 15 and items["item_code"].is_unique
    for col in (
        "item_code",
        "item_name",
        "actions",
        "legal_basis",
        "situations",
        "targets",
        "content",
        "unit",
    ):
        assert (items[col] != "").all(), col
    actions = {a for text in items["actions"] for a in text.split(";")}
    assert actions <= METHODS and {"提示提醒", "约谈", "劝导警示", "案件回访"} <= actions
    assert "移送执法" not in actions  # enforcement is never a guidance matter
    assert all(text.startswith("《") for text in items["legal_basis"])
    # every method the register accepts (and that candidates propose) has a general fall-back item
    general = items[(items["industries"] == "") & (items["permit_items"] == "")]
    covered = {a for text in general["actions"] for a in text.split(";")}
    assert {"提示提醒", "约谈", "劝导警示", "案件回访"} <= covered
    assert set(rules(None, "register")["documents"]) <= METHODS


def real_phones(ws: ga.Workspace, phone: str = "0533-1234567") -> None:
    """A workspace copy of the catalogue whose numbers are not the shipped placeholders."""
    text = config_file(None, "catalog.csv").read_bytes().decode("utf-8")
    for n in range(10):
        text = text.replace(f"0533-000000{n}", phone)
    ws.config_dir.mkdir(exist_ok=True)
    (ws.config_dir / "catalog.csv").write_bytes(text.encode("utf-8"))


CAT = pd.DataFrame(
    {
        "item_code": ["FOOD", "DRUG", "TAXI", "GEN-T", "GEN-Y"],
        "item_name": ["食品经营许可证到期提示", "药品零售提示", "出租车服务提示", "通用提示", "通用约谈"],
        "actions": ["提示提醒;约谈", "提示提醒", "约谈", "提示提醒", "约谈"],
        "industries": ["5211;62", "5251", "5413", "", ""],
        "permit_items": ["食品经营许可", "", "", "", ""],
        "situations": ["许可证将到期", "处方药销售投诉", "拒载投诉", "", "投诉属实"],
    }
)


@pytest.mark.parametrize(
    ("action", "industry", "permit", "reasons", "expected"),
    [
        ("提示提醒", "6210", None, None, "FOOD"),  # industry prefix 62
        ("提示提醒", "5251", None, None, "DRUG"),  # longer prefix wins over the general item
        ("提示提醒", "9013", None, None, "GEN-T"),  # no specific item: the general one
        ("约谈", "5413", None, None, "TAXI"),
        ("约谈", "9013", None, None, "GEN-Y"),
        ("提示提醒", None, "食品经营许可", None, "FOOD"),  # licence item without industry
        ("案件回访", "6210", None, None, None),  # no item covers the method
        ("提示提醒", "5211", None, "处方药", "FOOD"),  # reasons only break ties, never beat the industry
        ("提示提醒", "5124", "食品经营许可", None, "GEN-T"),  # a licence never widens an item's industries
        ("约谈", "5124", "食品经营许可", None, "GEN-Y"),
    ],
)
def test_match_item(
    action: str, industry: str | None, permit: str | None, reasons: str | None, expected: str | None
) -> None:
    assert match_item(CAT, action, industry, permit, reasons) == expected


def test_reasons_break_ties_between_equally_specific_items() -> None:
    cat = pd.DataFrame(
        {
            "item_code": ["A", "B"],
            "item_name": ["许可到期提示", "投诉多发提示"],
            "actions": ["提示提醒", "提示提醒"],
            "industries": ["62", "62"],
            "permit_items": ["", ""],
            "situations": ["许可证将到期", "投诉明显高发"],
        }
    )
    assert match_item(cat, "提示提醒", "6210") == "A"
    assert match_item(cat, "提示提醒", "6210", reasons="近3个月投诉5次") == "B"
    assert match_item(cat, "提示提醒", "6210", reasons="许可证30天后到期") == "A"


def test_an_item_is_chosen_only_within_its_own_scope() -> None:
    """Point 2: the packaged catalogue never puts a business under another industry's matter."""
    items = read_catalog_file()
    cases = [
        # (action, situation, industry, held licence, what must not be chosen, what fits)
        ("约谈", "处罚", "5124", "食品经营许可", "YYSP-ZD-002", None),  # cold-chain wholesaler ≠ 餐饮服务
        ("约谈", "属实投诉", "5124", "食品经营许可", "YYSP-ZD-002", "YYSP-ZD-021"),
        (
            "提示提醒",
            "风险信号",
            "6210",
            "食品经营许可",
            "YYSP-ZD-003",
            "YYSP-ZD-002",
        ),  # restaurant ≠ 食品销售
        ("劝导警示", "轻微违法", "6220", "食品经营许可", "YYSP-ZD-003", "YYSP-ZD-022"),
        (
            "提示提醒",
            "风险信号",
            "5251",
            "药品经营许可",
            "YYSP-ZD-003",
            "YYSP-ZD-006",
        ),  # a pharmacy ≠ food shop
        ("提示提醒", "投诉", "5212", "食品经营许可", "YYSP-ZD-002", "YYSP-ZD-003"),
    ]
    for action, situation, industry, held, never, fits in cases:
        code = match_item(items, action, industry, held, held_permits=[held], triggers=[situation])
        assert code != never and (fits is None or code == fits), (action, industry, code)
        if code is not None:
            assert covers(items.set_index("item_code").loc[code].to_dict(), industry, [held])
    # a licence-renewal reminder only for a licence that expires
    renew = match_item(items, "提示提醒", "6210", "食品经营许可", triggers=["许可到期"])
    risk = match_item(items, "提示提醒", "6210", "食品经营许可", triggers=["风险信号"])
    assert renew == "YYSP-ZD-001" and risk == "YYSP-ZD-002"
    assert match_item(items, "提示提醒", "9013", None, triggers=["风险信号"]) == "YYSP-ZD-013"
    assert (
        match_item(items, "提示提醒", "7724", None, triggers=["风险信号"]) is None
    )  # nothing fits: no guess
    for row in items.to_dict("records"):  # every restricted item lists real GB/T 4754 prefixes
        for prefix in filter(None, row["industries"].split(";")):
            assert prefix.isdigit() and 2 <= len(prefix) <= 4, (row["item_code"], prefix)


def test_the_publishable_catalogue_is_refused_while_numbers_are_placeholders(tmp_path: Path) -> None:
    """Point 3: the shipped 0533-000000x numbers never reach the published catalogue."""
    ws = ga.Workspace(tmp_path / "ws")
    with pytest.raises(RegisterError) as err:
        ws.export_catalog(tmp_path / "catalog.xlsx")
    assert "占位号码" in str(err.value) and "联系电话" in str(err.value) and "--draft" in str(err.value)
    assert not (tmp_path / "catalog.xlsx").exists()
    draft = ws.export_catalog(tmp_path / "catalog.xlsx", draft=True)
    assert draft.name == "catalog_草稿.xlsx"
    sheet = load_workbook(draft).active
    assert "草稿" in sheet["A1"].value and "草稿" in sheet.oddFooter.center.text


def test_export_is_publishable_and_reloads_after_editing(tmp_path: Path) -> None:
    ws = ga.Workspace(tmp_path / "ws")
    real_phones(ws)
    n = len(ws.catalog())
    path = ws.export_catalog(tmp_path / "catalog.xlsx")
    book = load_workbook(path)
    sheet = book.active
    assert sheet["A1"].value == "沂源县行政审批服务局行政指导事项目录清单"
    header = [c.value for c in sheet[3]]
    assert header == [
        "序号",
        "事项编码",
        "事项名称",
        "指导方式",
        "指导依据",
        "适用情形",
        "指导对象",
        "指导内容",
        "实施科室",
        "联系人/电话",
        "关联许可事项",
        "行业合规指引（一业一册）",
        "备注",
    ]
    # 一业一册: the guides of the divisions of the item's industries (512;521;522;5292;6110;62)
    assert sheet["L4"].value == "、".join(
        f"《沂源县{x}合规经营指引》"
        for x in ("批发业（食品、药品批发）", "零售业（食品销售、药品零售）", "住宿业", "餐饮业")
    )
    assert sheet["A4"].value == 1 and sheet["B4"].value == "YYSP-ZD-001"
    assert "、" in str(sheet["D5"].value)  # 提示提醒、约谈 as people read it
    sheet["C4"].value = "食品经营许可证延续提示（修订）"
    book.save(path)
    items = load_catalog(ws, path)
    assert len(items) == n and items.loc[0, "item_name"] == "食品经营许可证延续提示（修订）"
    assert items.loc[1, "actions"] == "提示提醒;约谈"


def test_workspace_override_and_bad_files(tmp_path: Path) -> None:
    ws = ga.Workspace(tmp_path / "ws")
    ws.config_dir.mkdir(exist_ok=True)
    (ws.config_dir / "catalog.csv").write_text(
        "item_code,item_name,actions,legal_basis\nX-1,本地事项,提示提醒,《条例》\n", encoding="utf-8"
    )
    items = ws.catalog()
    assert items["item_code"].tolist() == ["X-1"] and items["loaded_from"].iloc[0] == "catalog.csv"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "item_code,item_name,actions,legal_basis\nA,一,提示提醒,x\nA,二,约谈,y\n", encoding="utf-8"
    )
    with pytest.raises(RegisterError, match="事项编码重复：A"):
        read_catalog_file(bad)
    bad.write_text("事项编码,事项名称\nA,一\n", encoding="utf-8")
    with pytest.raises(RegisterError, match="缺少必填列：指导方式、指导依据"):
        read_catalog_file(bad)


def test_reload_keeps_internal_columns_and_contacts(tmp_path: Path) -> None:
    ws = ga.Workspace(tmp_path / "ws")
    real_phones(ws)
    before = ws.catalog()
    path = ws.export_catalog(tmp_path / "catalog.xlsx")
    after = load_catalog(ws, path)
    cols = [
        "item_code",
        "item_name",
        "issue",
        "actions",
        "contact",
        "phone",
        "industries",
        "triggers",
        "permit_items",
    ]
    assert after[cols].fillna("").equals(before[cols].fillna(""))
    assert after["loaded_from"].iloc[0] == "catalog.xlsx"
