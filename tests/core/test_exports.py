"""The one writer for files people open: formula-safe, Chinese headers, BOM CSV."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

from guidance_analytics.core import neutralize, write_table

DANGEROUS = ['=HYPERLINK("http://x","点我")', "+1-2", "-3+4", "@SUM(A1)", "\t=1", "＝1+1"]


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": DANGEROUS + ["沂源县老王饭店"],
            "amount": [-5, 1.5, 0, 2, 3, 4, 5],
            "day": pd.to_datetime(["2024-03-05"] * 7),
        }
    )


def test_neutralize_only_touches_text() -> None:
    assert neutralize("=1+1") == "'=1+1"
    assert neutralize("沂源县") == "沂源县"
    assert neutralize(-5) == -5
    assert neutralize(None) is None


def test_xlsx_cells_are_never_formulas(tmp_path: Path) -> None:
    path = write_table(
        frame(),
        tmp_path / "x.xlsx",
        headers={"name": "行政相对人名称", "amount": "金额"},
        title="标题 =不是公式",
        validations={"金额": ["是", "否"]},
    )
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "标题 =不是公式" and "A1:C1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [c.value for c in sheet[2]] == ["行政相对人名称", "金额", "day"]
    names = [sheet.cell(row=r, column=1) for r in range(3, 10)]
    assert all(c.data_type == "s" for c in names)
    assert [c.value for c in names[:6]] == ["'" + d for d in DANGEROUS]
    assert names[6].value == "沂源县老王饭店"
    assert sheet.cell(row=3, column=2).value == -5  # numbers stay numbers
    assert sheet.cell(row=3, column=3).value.year == 2024


def test_csv_is_bom_utf8_and_neutralised(tmp_path: Path) -> None:
    path = write_table(frame(), tmp_path / "x.csv", headers={"name": "行政相对人名称"})
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert list(back.columns) == ["行政相对人名称", "amount", "day"]
    assert back["行政相对人名称"].str.startswith(("=", "+", "-", "@", "\t", "＝")).sum() == 0
    assert back["amount"].iloc[0] == -5
