"""Issue 12 at import: credit-risk classes as a fifth kind, and 不予行政处罚 decisions recognised
instead of rejected, kept out of every violation count."""

from __future__ import annotations

from pathlib import Path

import pytest

import guidance_analytics as ga
from guidance_analytics.core import config_file
from guidance_analytics.ingest import waiver_kind

PACKAGE = Path(ga.__file__).resolve().parent
#: Valid credit codes (check characters right) from the packaged test vectors.
CODE_A, CODE_B = "91330201MA2CMD7B12", "91330201MA2GWX2J8N"


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_credit_classes_import_with_their_dates(tmp_path: Path) -> None:
    ws = ga.Workspace(tmp_path / "ws")
    f = _csv(
        tmp_path / "classes.csv",
        "统一社会信用代码,企业名称,风险分类,分类日期,分类机关\n"
        f"{CODE_A},甲公司,A类,2024-01-05,淄博市市场监督管理局\n"
        f"{CODE_A},甲公司,信用风险高（D类）,2024-06-05,淄博市市场监督管理局\n"
        f"{CODE_B},乙公司,E,2024-06-05,淄博市市场监督管理局\n"
        "00000000000000000X,丙个体户,B,2024-01-01,淄博市市场监督管理局\n"
        f"{CODE_B},乙公司,F,2024-01-01,淄博市市场监督管理局\n"
        f"{CODE_B},乙公司,B,2099-01-01,淄博市市场监督管理局\n",
    )
    r = ws.import_file(f, "credit_classes", today="2024-07-01")
    assert (r.read, r.accepted, r.rejected) == (6, 3, 3)
    reasons = r.rejects["reason"].tolist()
    assert any("占位码" in x for x in reasons)
    assert any("取值无法识别「F」（风险分类）" in x for x in reasons)
    assert any("日期晚于导入当天" in x for x in reasons)
    stored = ws.table("credit_classes").sort_values("class_key")
    assert stored["risk_class"].tolist() == ["A", "D", "E"]
    assert stored["business_id"].tolist() == [CODE_A, CODE_A, CODE_B]
    assert ws.table("businesses").empty  # classes describe businesses; they do not create them
    again = ws.import_file(f, "credit_classes", today="2024-07-01")
    assert (again.accepted, again.duplicates, again.rejected) == (0, 3, 3)


def test_a_credit_class_file_is_not_taken_for_another_kind(tmp_path: Path) -> None:
    ws = ga.Workspace(tmp_path / "ws")
    f = _csv(tmp_path / "c.csv", f"统一社会信用代码,风险分类,分类日期,分类机关\n{CODE_A},A,2024-01-05,x\n")
    with pytest.raises(ga.InputFileError, match='kind="credit_classes"'):
        ws.import_file(f, "penalties", today="2024-07-01")


def test_waiver_wording() -> None:
    import pandas as pd

    got = waiver_kind(
        pd.Series(
            [
                "首违不罚",
                "当事人系首次违法，危害后果轻微并及时改正，决定不予行政处罚",
                "违法行为轻微并及时改正，没有造成危害后果，不予行政处罚",
                "不予行政处罚",
                "免予处罚",
                "罚款",
                "警告",
            ]
        )
    ).tolist()
    assert got[:5] == ["首违不罚", "首违不罚", "轻微违法不罚", "不予处罚", "不予处罚"]
    assert pd.isna(got[5]) and pd.isna(got[6])


def _penalties(tmp_path: Path) -> Path:
    return _csv(
        tmp_path / "penalties.csv",
        "行政处罚决定书文号,行政相对人名称,处罚决定日期,处罚类别,决定类型,处罚内容\n"
        "源市监不罚〔2024〕1号,沂源县甲饭店,2024-03-05,不予行政处罚,,首违不罚：当事人系首次违法……不予行政处罚\n"
        "源市监不罚〔2024〕2号,沂源县乙饭店,2024-03-06,,轻微违法不罚,\n"
        "源市监罚〔2024〕3号,沂源县丙饭店,2024-03-07,,,违法行为轻微并及时改正，没有造成危害后果，不予行政处罚\n"
        "源市监罚〔2024〕4号,沂源县丁饭店,2024-03-08,警告,,给予警告（另案不予处罚的情形不适用）\n"
        "源市监罚〔2024〕5号,沂源县戊饭店,2024-03-09,不予,,\n",
    )


def test_waivers_are_imported_not_rejected_and_never_violations(tmp_path: Path) -> None:
    ws = ga.Workspace(tmp_path / "ws")
    r = ws.import_file(_penalties(tmp_path), "penalties", today="2024-07-01")
    assert (r.read, r.accepted, r.rejected) == (5, 4, 1)  # 「不予」 alone is no known wording
    assert "取值无法识别「不予」（处罚类别）" in r.rejects["reason"].iloc[0]
    rows = ws.query("SELECT decision_no, penalty_types, decision_type, waiver FROM penalties ORDER BY 1")
    by_no = rows.set_index("decision_no")
    assert by_no["waiver"].fillna("").tolist() == ["首违不罚", "轻微违法不罚", "轻微违法不罚", ""]
    assert by_no.loc["源市监不罚〔2024〕1号", "decision_type"] == "不予行政处罚"
    assert by_no["penalty_types"].fillna("").tolist() == ["", "", "", "警告"]
    counted = ws.query("SELECT decision_no FROM penalty_violations")["decision_no"].tolist()
    assert counted == ["源市监罚〔2024〕4号"]
    again = ws.import_file(_penalties(tmp_path), "penalties", today="2024-07-01")
    assert again.duplicates == 4


def test_counting_waivers_is_configuration(tmp_path: Path) -> None:
    ws = ga.Workspace(tmp_path / "ws")
    text = config_file(None, "ingest.toml").read_text(encoding="utf-8")
    ws.config_dir.mkdir(parents=True, exist_ok=True)
    (ws.config_dir / "ingest.toml").write_text(
        text.replace("count_waivers_as_violations = false", "count_waivers_as_violations = true"),
        encoding="utf-8",
    )
    ws.import_file(_penalties(tmp_path), "penalties", today="2024-07-01")
    assert len(ws.query("SELECT * FROM penalty_violations")) == 4


def test_every_violation_count_reads_the_view() -> None:
    for name in (
        "targeting/features_panel",
        "targeting/features_outcomes",
        "targeting/routing_evidence",
        "hotspots/panel",
        "effects/monthly_panel",
        "effects/top_offenders",
    ):
        text = (PACKAGE / "sql" / f"{name}.sql").read_text(encoding="utf-8")
        assert "FROM penalty_violations" in text, name
    for path in (PACKAGE / "sql").glob("*/*.sql"):
        counts = path.parent.name in ("hotspots", "effects") or path.stem.startswith("features")
        if counts and path.stem != "data_end":  # data_end: how far the records reach, not a count
            text = (
                path.read_text(encoding="utf-8")
                .replace("max(imported_at) FROM penalties", "")  # coverage of the data, not a count
                .replace("township, industry_code FROM penalties", "")  # a business's attributes
            )
            assert "FROM penalties" not in text, path.name
