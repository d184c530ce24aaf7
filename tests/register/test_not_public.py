"""不公开 (山东省企业信用风险分类办法): the credit-risk class steers the draw but never reaches a
business — not a letter, a record, an interview notice, nor the filing batch (issue 12)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from register_helpers import document_text, set_contacts

import guidance_analytics as ga

pytestmark = pytest.mark.slow  # the candidate list scores the businesses

AS_OF = "2024-07-01"
#: What would give a class away (written here, independently of the code).
CLASS_WORDS = ("信用风险", "风险分类", "分类结果", *(f"{c}{s}" for c in "ABCDE" for s in ("类", "级")))


def test_credit_class_appears_in_no_document_or_filing_row(tmp_path: Path) -> None:
    ws = ga.Workspace(tmp_path / "ws")
    set_contacts(ws.config_dir)
    with ws.store.transaction() as con:
        for k, (bid, cls) in enumerate((("913703230000000011", "A"), ("913703230000000022", "D"))):
            con.execute(
                "INSERT INTO businesses (business_id, uscc, name, name_norm, township, industry_code, subject_type)"
                " VALUES ($b, $b, $n, $n, '南麻街道', '6210', '个体工商户')",
                {"b": bid, "n": f"沂源县{'甲乙'[k]}餐馆"},
            )
            con.execute(
                "INSERT INTO permits (permit_key, business_id, permit_item, certificate_name, decision_date, valid_to)"
                " VALUES ($k, $b, '食品经营许可', '食品经营许可证', '2021-08-01', '2024-08-01')",
                {"k": f"P{k}", "b": bid},
            )
            con.execute(
                "INSERT INTO credit_classes (class_key, business_id, uscc, risk_class, classified_on)"
                " VALUES ($k, $b, $b, $c, '2024-06-01')",
                {"k": f"{bid}|2024-06-01", "b": bid, "c": cls},
            )
        con.execute(  # an interview too (its notice is a third kind of document)
            "INSERT INTO penalties (decision_no, business_id, penalty_types, decided_on, violation_type)"
            " VALUES ('源罚1号', '913703230000000022', '罚款', '2024-05-01', '食品贮存不当')"
        )
    cands = ws.candidates(AS_OF, capacity=100, use_hotspots=False)
    assert set(cands["credit_class"].dropna()) == {"A", "D"}
    chosen = cands.assign(计划时间="2024-07-02 09:30")
    added = ws.add_to_register(chosen, officers="张三、李四", today=dt.date(2024, 7, 1))
    assert len(added) == len(cands) >= 2
    paths = ws.write_documents(tmp_path / "docs")
    filing = ws.export_filing_batch(tmp_path / "filing.csv")
    register = ws.export_register(tmp_path / "register.csv")
    assert len(paths) >= 4
    texts = {p.name: document_text(p) for p in paths}
    texts["filing"] = filing.read_text(encoding="utf-8-sig")
    texts["register"] = Path(register).read_text(encoding="utf-8-sig")
    for name, text in texts.items():
        found = [w for w in CLASS_WORDS if w in text]
        assert not found, (name, found)
    assert not cands["facts"].fillna("").str.contains("信用|分类").any()
