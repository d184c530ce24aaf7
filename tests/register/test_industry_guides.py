"""一业一册 (鲁政办发〔2025〕3号): the catalogue links each matter to its industry compliance guide
and the 意见书 and 文书 cite the guide of the business's industry (issue 12)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from register_helpers import document_text, set_contacts

import guidance_analytics as ga
from guidance_analytics.targeting import guide_for, industry_guides

GUIDE = "《沂源县餐饮业合规经营指引》"


def test_catalogue_matters_name_their_guides(tmp_path: Path) -> None:
    ws = ga.Workspace(tmp_path / "ws")
    items = ws.catalog().set_index("item_code")
    assert items.loc["YYSP-ZD-002", "guides"] == GUIDE  # 餐饮服务 (division 62)
    assert "《沂源县零售业（食品销售、药品零售）合规经营指引》" in items.loc["YYSP-ZD-001", "guides"]
    assert items.loc["YYSP-ZD-020", "guides"] == ""  # a general matter covers no one industry
    # the list is editable: a workspace copy wins
    guides = industry_guides(None)
    edited = guides.assign(
        title=guides["title"].where(guides["division"] != "62", "《本县餐饮业指引（2025版）》")
    )
    ws.config_dir.mkdir(parents=True, exist_ok=True)
    edited.to_csv(ws.config_dir / "industry_guides.csv", index=False)
    assert guide_for(industry_guides(ws), "6210") == "《本县餐饮业指引（2025版）》"


def test_opinion_and_record_cite_the_guide_of_the_business(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GA_OPERATOR", "录入员")
    ws = ga.Workspace(tmp_path / "ws")
    set_contacts(ws.config_dir)
    with ws.store.transaction() as con:
        con.execute(
            "INSERT INTO businesses (business_id, uscc, name, industry_code) VALUES "
            "('913703230000000011', '913703230000000011', '沂源县甲餐馆', '6210'),"
            "('SOTHER', NULL, '沂源县乙物业', '7020')"
        )
    chosen = pd.DataFrame(
        {
            "business_id": ["913703230000000011", "SOTHER"],
            "action": ["提示提醒", "提示提醒"],
            "存在问题": ["2024年3月，12345热线反映你（单位）后厨卫生问题", None],
            "计划时间": ["2024-05-20", "2024-05-21"],
        }
    )
    ws.add_to_register(chosen, officers="张三、李四", today=dt.date(2024, 6, 1))
    paths = ws.write_documents(tmp_path / "docs")
    by_name = {p.name: document_text(p) for p in paths}
    mine = [t for n, t in by_name.items() if "甲餐馆" in n]
    assert len(mine) == 2  # 意见书 and 文书
    assert all(GUIDE in t and "一业一册" in t for t in mine)
    other = [t for n, t in by_name.items() if "乙物业" in n]
    assert other and not any("合规指引" in t for t in other)  # no guide listed for division 70
