"""The guidance catalogue: packaged content, matching a candidate to an item, export and reload."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import guidance_analytics as ga
from guidance_analytics.core import rules
from guidance_analytics.errors import RegisterError
from guidance_analytics.targeting import load_catalog, match_item, read_catalog_file

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


CAT = pd.DataFrame(
    {
        "item_code": ["FOOD", "DRUG", "TAXI", "GEN-T", "GEN-Y"],
        "item_name": ["食品经营许可证到期提示", "药品零售提示", "出租车服务提示", "通用提示", "通用约谈"],
        "actions": ["提示提醒;约谈", "提示提醒", "约谈", "提示提醒", "约谈"],
        "industries": ["52;62", "5251", "5413", "", ""],
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


def test_export_is_publishable_and_reloads_after_editing(tmp_path: Path) -> None:
    ws = ga.Workspace(tmp_path / "ws")
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
        "备注",
    ]
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
    before = ws.catalog()
    path = ws.export_catalog(tmp_path / "catalog.xlsx")
    after = load_catalog(ws, path)
    cols = ["item_code", "item_name", "issue", "actions", "contact", "phone", "industries", "permit_items"]
    assert after[cols].fillna("").equals(before[cols].fillna(""))
    assert after["loaded_from"].iloc[0] == "catalog.xlsx"
