"""The committed sample data imports with a reconciled account that matches what was planted."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import guidance_analytics as ga
from guidance_analytics.ingest import normalize_name

pytestmark = pytest.mark.slow

REJECTING_DEFECTS = {"bad_date", "missing_required", "unknown_enum"}


@pytest.fixture(scope="module")
def imports(sample_workspace: ga.Workspace) -> pd.DataFrame:
    return (
        sample_workspace.table("imports")
        .drop_duplicates("source_file", keep="first")
        .set_index("source_file")
    )


def test_every_file_reconciles(imports: pd.DataFrame) -> None:
    assert len(imports) == 7  # 2 licence, 2 work-order, inspection, penalty and credit-class files
    parts = imports["accepted"] + imports["updated"] + imports["duplicates"] + imports["rejected"]
    assert (imports["read"] == parts).all()


def test_planted_defects_are_accounted_for(imports: pd.DataFrame, sample_truth: Path) -> None:
    defects = pd.read_csv(sample_truth / "defects.csv")
    per_file = defects[defects["file"].isin(imports.index)]
    expected_rejects = per_file[per_file["defect"].isin(REJECTING_DEFECTS)].groupby("file")["count"].sum()
    expected_dups = per_file[per_file["defect"] == "exact_duplicate_row"].groupby("file")["count"].sum()
    for name, row in imports.iterrows():
        assert row["rejected"] == expected_rejects.get(name, 0), name
        assert row["duplicates"] >= expected_dups.get(name, 0), name
    updated = per_file[per_file["defect"] == "updated_row"].set_index("file")["count"]
    for name, count in updated.items():
        assert imports.loc[name, "updated"] == count


def test_complaints_matched_to_the_right_business(sample_workspace: ga.Workspace, sample_truth: Path) -> None:
    truth = pd.read_csv(sample_truth / "complaint_targets.csv", dtype=str).drop_duplicates(
        "order_no", keep="last"
    )
    complaints = sample_workspace.table("complaints")
    businesses = sample_workspace.table("businesses")[["business_id", "uscc", "name"]]
    got = complaints.merge(businesses, on="business_id", how="left").merge(
        truth, on="order_no", suffixes=("", "_true")
    )
    matchable = got[got["matchable"] == "True"]
    correct = (matchable["uscc"].notna() & (matchable["uscc"] == matchable["uscc_true"])) | (
        normalize_name(matchable["name"]) == normalize_name(matchable["name_true"])
    )
    share = correct.mean()
    assert share >= 0.90, f"only {share:.1%} of matchable complaints matched correctly"
    # complaints that are not about a licence holder are (almost) never forced onto one
    unmatchable = got[got["matchable"] == "False"]
    assert unmatchable["business_id"].notna().mean() < 0.10


def test_no_personal_data_anywhere(sample_workspace: ga.Workspace) -> None:
    for table in ("businesses", "permits", "complaints", "inspections", "penalties", "rejects"):
        frame = sample_workspace.table(table)
        assert not {"来电号码", "来电人", "来电人姓名", "来电人电话", "caller_name", "caller_phone"} & set(
            frame.columns
        )
        text = frame.to_csv()
        assert not pd.Series([text]).str.contains(r"(?<!\d)100\d{8}(?!\d)").any(), table
    for path in sample_workspace.rejects_dir.glob("*.xlsx"):
        sheet = pd.read_excel(path, header=1, engine="calamine").to_csv()
        assert not pd.Series([sheet]).str.contains(r"(?<!\d)100\d{8}(?!\d)").any(), path.name
