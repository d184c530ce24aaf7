"""The register keeps each entry's channel and refuses an on-site entry beyond the annual cap
(国办发〔2024〕54号), whatever the reviewer wrote (issue 12)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from register_helpers import set_contacts

import guidance_analytics as ga


def _ws(path: Path) -> ga.Workspace:
    ws = ga.Workspace(path)
    set_contacts(ws.config_dir)
    with ws.store.transaction() as con:
        con.execute(
            "INSERT INTO businesses (business_id, uscc, name, industry_code) VALUES "
            "('B1', NULL, '沂源县甲建筑公司', '4710'), ('B2', NULL, '沂源县乙建筑公司', '4710')"
        )
        for k, day in enumerate(("2024-03-01", "2024-04-01")):  # B1: two routine checks this year
            con.execute(
                "INSERT INTO inspections (inspection_no, inspected_on, business_id, inspection_type, result)"
                " VALUES ($k, $d, 'B1', '双随机抽查', '未发现问题')",
                {"k": f"I{k}", "d": day},
            )
    return ws


def _row(bid: str, channel: str | None, day: str = "2024-05-20") -> dict:
    return {"business_id": bid, "action": "案件回访", "指导渠道": channel, "计划时间": day}


def test_on_site_entry_beyond_the_cap_is_refused(tmp_path: Path) -> None:
    ws = _ws(tmp_path / "ws")
    chosen = pd.DataFrame([_row("B1", "入企"), _row("B1", None, "2024-05-21"), _row("B2", None)])
    new = ws.add_to_register(chosen, officers="张三、李四", by="录入员", today=dt.date(2024, 5, 1))
    assert new["business_id"].tolist() == ["B2"]
    assert new["channel"].tolist() == ["入企"]  # the method's channel when none is written
    refused = new.attrs["refused"]
    assert len(refused) == 2
    assert all("入企次数已有2次" in r["reason"] and "非现场方式" in r["reason"] for r in refused)
    # the off-site form is registered, and it does not count against the cap
    phone = ws.add_to_register(
        pd.DataFrame([_row("B1", "电话")]), officers="张三、李四", by="录入员", today=dt.date(2024, 5, 1)
    )
    assert phone["channel"].tolist() == ["电话"] and phone["place"].tolist() == ["电话联系"]
    ledger = ws.contacts(2024).set_index("business_id")
    assert ledger.loc["B1", ["guidance_phone", "on_site_counted"]].tolist() == [1, 2]
    assert ledger.loc["B2", ["guidance_on_site", "on_site_counted"]].tolist() == [1, 1]
    # next year the count starts again
    later = ws.add_to_register(
        pd.DataFrame([_row("B1", "入企", "2025-01-06")]),
        officers="张三、李四",
        by="录入员",
        today=dt.date(2025, 1, 2),
    )
    assert later["channel"].tolist() == ["入企"]


def test_unknown_channel_is_refused(tmp_path: Path) -> None:
    ws = _ws(tmp_path / "ws")
    new = ws.add_to_register(
        pd.DataFrame([_row("B2", "微信")]), officers="张三、李四", by="录入员", today=dt.date(2024, 5, 1)
    )
    assert new.empty and "指导渠道「微信」无法识别" in new.attrs["refused"][0]["reason"]
