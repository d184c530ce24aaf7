"""Tests of the synthetic sample generator (guidance_analytics.samples)."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
import unicodedata
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from guidance_analytics import ingest as schema
from guidance_analytics.samples import EXTRA_HEADERS, SampleSpec, generate_samples

#: Every test here trains models or generates sample sets.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "data_samples"
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
PLACEHOLDER = "00000000000000000X"
CODE_HEADERS = {
    "行政相对人代码_1（统一社会信用代码）",
    "行政相对人代码_1(统一社会信用代码)",
    "统一社会信用代码",
}


# --------------------------------------------------------------------------- helpers
def uscc_ok(code: str) -> bool:
    """GB 32100 check written from the domain rules (independent of the generator)."""
    if len(code) != 18 or any(c not in CHARSET for c in code):
        return False
    total = sum(CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return CHARSET[(31 - total % 31) % 31] == code[17]


def org_ok(org: str) -> bool:
    def val(c: str) -> int:
        return int(c) if c.isdigit() else ord(c) - 55

    rem = 11 - sum(val(c) * w for c, w in zip(org[:8], (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return {10: "X", 11: "0"}.get(rem, str(rem)) == org[8]


def norm_code(value: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).upper()


@functools.lru_cache(maxsize=64)
def read_rows(path: Path) -> tuple[list[str], list[list[object]]]:
    """Header and data rows of a generated file (header = first row with ≥ 5 non-empty cells)."""
    if path.suffix == ".csv":
        raw = path.read_bytes()
        enc = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "gb18030"
        rows: list[list[object]] = list(csv.reader(io.StringIO(raw.decode(enc))))
    else:
        wb = openpyxl.load_workbook(path, read_only=True)
        ws = wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
    for i, r in enumerate(rows):
        if sum(1 for c in r if c not in (None, "")) >= 5:
            return [str(c) for c in r], rows[i + 1 :]
    raise AssertionError(f"no header in {path}")


def frame(path: Path) -> pd.DataFrame:
    header, rows = read_rows(path)
    return pd.DataFrame([["" if c is None else str(c) for c in r] for r in rows], columns=header)


@functools.lru_cache(maxsize=64)
def xlsx_values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    wb.close()
    return out


def all_files(paths: dict) -> list[tuple[str, Path]]:
    return [(k, p) for k, v in paths.items() if k != "truth" for p in v]


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def full(tmp_path_factory):
    out = tmp_path_factory.mktemp("samples_full")
    return out, generate_samples(out)


@pytest.fixture(scope="module")
def small_pair(tmp_path_factory):
    a = tmp_path_factory.mktemp("small_a")
    b = tmp_path_factory.mktemp("small_b")
    kw = dict(seed=7, n_businesses=300)
    return generate_samples(a, **kw), generate_samples(b, **kw)


# --------------------------------------------------------------------------- tests
def test_paths_and_names(full):
    out, paths = full
    assert set(paths) == {"permits", "complaints", "inspections", "penalties", "credit_classes", "truth"}
    names = sorted(p.name for _, p in all_files(paths))
    assert names == sorted(
        [
            "permits_legacy_2021.csv",
            "permits_current_2022-2024.xlsx",
            "complaints_12345_2021-2023.csv",
            "complaints_12345_2024.xlsx",
            "inspections_2021-2024.xlsx",
            "penalties_2021-2024.csv",
            "credit_classes_2023-2024.csv",
        ]
    )
    truth = paths["truth"]
    for f in (
        "planted_hotspots.csv",
        "risky_businesses.csv",
        "complaint_targets.csv",
        "exposure_only_field.csv",
        "defects.csv",
        "README.md",
        "businesses.csv",
        "violations.csv",
        "waivers.csv",
        "credit_classes.csv",
        "routine_at_cap.csv",
    ):
        assert (truth / f).is_file(), f
    total = sum(p.stat().st_size for _, p in all_files(paths))
    assert total < 6_000_000


def test_determinism(small_pair, tmp_path):
    a, b = small_pair
    for (_kind, pa), (_, pb) in zip(all_files(a), all_files(b), strict=True):
        if pa.suffix == ".csv":
            assert pa.read_bytes() == pb.read_bytes(), pa.name
        else:
            assert xlsx_values(pa) == xlsx_values(pb), pa.name
    for f in sorted(a["truth"].iterdir()):
        assert f.read_bytes() == (b["truth"] / f.name).read_bytes(), f.name
    other = generate_samples(tmp_path, seed=8, n_businesses=300)
    assert other["penalties"][0].read_bytes() != a["penalties"][0].read_bytes()


def test_scale_and_spec(tmp_path):
    assert SampleSpec(n_businesses=1000, scale=2.0).businesses == 2000
    paths = generate_samples(tmp_path, seed=3, n_businesses=400, scale=0.5)
    biz = pd.read_csv(paths["truth"] / "businesses.csv")
    assert len(biz) == 200
    with pytest.raises(ValueError):
        generate_samples(tmp_path / "x", start="2024-01-01", end="2024-12-31")


@pytest.mark.skipif(not COMMITTED.is_dir(), reason="no committed sample set")
def test_committed_set_is_current(full):
    _, paths = full
    for _, p in all_files(paths):
        committed = COMMITTED / p.name
        assert committed.is_file(), p.name
        if p.suffix == ".csv":
            assert (
                hashlib.sha256(committed.read_bytes()).digest() == hashlib.sha256(p.read_bytes()).digest()
            ), f"{p.name}: regenerate with python -m guidance_analytics.samples data_samples"
        else:
            assert xlsx_values(committed) == xlsx_values(p), p.name


def test_encodings(full):
    _, paths = full
    for p in (paths["permits"][0], paths["complaints"][0]):
        raw = p.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert "沂源县" in raw.decode("gb18030")
    pen = paths["penalties"][0].read_bytes()
    assert pen.startswith(b"\xef\xbb\xbf")
    pen.decode("utf-8")
    wb = openpyxl.load_workbook(paths["permits"][1])
    assert wb.sheetnames == ["行政许可", "说明"]
    ws = wb["行政许可"]
    assert ws.cell(1, 1).value == "沂源县行政审批服务局行政许可信息公示"
    assert any(str(r).startswith("A1:") for r in ws.merged_cells.ranges)
    assert str(ws.cell(2, 1).value).startswith("导出时间：")


def test_inspection_dates_are_excel_serials(full):
    _, paths = full
    header, rows = read_rows(paths["inspections"][0])
    col = header.index("检查日期")
    values = [r[col] for r in rows]
    numbers = [v for v in values if isinstance(v, (int, float))]
    assert len(numbers) > 0.99 * len(values)
    assert all(40179 <= v <= 46022 for v in numbers)  # 2010 … 2025


def test_headers_recognised(full):
    _, paths = full
    ignored = set(getattr(schema, "IGNORED_HEADERS", ()))
    personal = set(schema.PERSONAL_HEADERS)
    for kind, p in all_files(paths):
        aliases = schema.alias_map(schema.KIND_SPECS[kind])
        extra = {schema.header_key(h) for h in EXTRA_HEADERS[kind]} | {schema.header_key(h) for h in ignored}
        header, _ = read_rows(p)
        known = set(aliases) | personal | extra
        unknown = [h for h in header if schema.header_key(h) not in known]
        assert not unknown, (p.name, unknown)
        mapped = {aliases[schema.header_key(h)] for h in header if schema.header_key(h) in aliases}
        required = {c.name for c in schema.KIND_SPECS[kind].required}
        assert required <= mapped, (p.name, required - mapped)


def test_credit_codes(full):
    _, paths = full
    biz = pd.read_csv(paths["truth"] / "businesses.csv", dtype=str, keep_default_na=False)
    wrong = set(biz.loc[biz["wrong_check"] == "True", "uscc"])
    assert 2 <= len(wrong) <= 0.02 * len(biz)
    assert all(uscc_ok(c) for c in biz.loc[biz["placeholder"] == "False", "uscc_issued"])
    assert all(org_ok(c[8:17]) for c in biz.loc[biz["placeholder"] == "False", "uscc_issued"])
    assert all(c[2:8] == "370323" and c[:2] in ("91", "92", "52") for c in biz["uscc_issued"])
    seen_wrong = seen_ph = checked = 0
    for _, p in all_files(paths):
        header, rows = read_rows(p)
        for i, h in enumerate(header):
            if h not in CODE_HEADERS:
                continue
            for r in rows:
                code = norm_code(r[i] if r[i] is not None else "")
                if not code:
                    continue
                checked += 1
                if code == PLACEHOLDER:
                    seen_ph += 1
                elif code in wrong:
                    assert not uscc_ok(code)
                    seen_wrong += 1
                else:
                    assert uscc_ok(code), (p.name, code)
    assert checked > 5000 and seen_wrong > 0 and seen_ph > 0


def test_domain_test_vectors_agree_with_generator():
    from guidance_analytics.samples import uscc_valid

    vec = pd.read_csv(REPO / "guidance_analytics" / "data" / "uscc_test_vectors.csv", dtype=str)
    for code, ok in zip(vec["code"], vec["uscc_check_digit_ok"], strict=True):
        assert uscc_valid(code) == (ok == "True") == uscc_ok(code), code


PHONE = re.compile(r"(?<!\d)1\d{10}(?!\d)")


def test_no_real_looking_phone_numbers(full):
    _, paths = full
    inline = 0
    for _, p in all_files(paths):
        header, rows = read_rows(p)
        text = "\n".join(",".join("" if c is None else str(c) for c in r) for r in [header, *rows])
        numbers = PHONE.findall(unicodedata.normalize("NFKC", text))
        assert all(n.startswith("100") for n in numbers), (p.name, [n for n in numbers if n[:3] != "100"][:5])
        inline += len(re.findall(r"联系电话100\d{8}", text))
    targets = pd.read_csv(paths["truth"] / "complaint_targets.csv", dtype=str, keep_default_na=False)
    assert inline >= (targets["inline_phone"] == "True").sum() > 0
    # personal columns are filled with the fake numbers and synthetic names only
    comp = frame(paths["complaints"][0])
    assert comp["来电号码"].str.fullmatch(r"100\d{8}").all()
    assert (
        not comp["来电人"].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").any()
        or comp["来电人"].isin(["市民", "匿名", "群众"]).any()
    )


def test_legal_representatives_are_anonymous(full):
    _, paths = full
    for p in (paths["permits"][0], paths["penalties"][0]):
        df = frame(p)
        col = "法定代表人姓名" if "法定代表人姓名" in df else "法定代表人"
        assert df[col].str.fullmatch(r".某某").all()


def _observed(paths) -> pd.DataFrame:
    """Problems found by inspections + substantiated complaints, per township/division/type/month."""
    ins = frame(paths["inspections"][0])
    ins = ins[ins["检查结果"].isin(["发现问题已当场整改", "责令限期整改", "移送立案"])]
    serial = pd.to_numeric(ins["检查日期"], errors="coerce")
    obs = [
        pd.DataFrame(
            {
                "month": (pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D")).dt.to_period("M"),
                "township": ins["所属乡镇"],
                "division": ins["行业代码"].str[:2],
                "vtype": ins["违法行为类型"],
            }
        )
    ]
    biz = pd.read_csv(paths["truth"] / "businesses.csv", dtype=str)
    targets = pd.read_csv(paths["truth"] / "complaint_targets.csv", dtype=str, keep_default_na=False)
    c1 = frame(paths["complaints"][0]).rename(
        columns={"工单编号": "order_no", "受理时间": "t", "是否属实": "s"}
    )
    c2 = frame(paths["complaints"][1]).rename(
        columns={"工单号": "order_no", "来电时间": "t", "核实情况": "s"}
    )
    c2["t"] = c2["t"].str.replace(r"(\d+)年(\d+)月(\d+)日", r"\1-\2-\3", regex=True)
    c = pd.concat([c1[["order_no", "t", "s"]], c2[["order_no", "t", "s"]]]).drop_duplicates(
        "order_no", keep="last"
    )
    c = c[c["s"].isin(["属实", "部分属实"])].merge(targets[["order_no", "truth_id"]], on="order_no")
    c = c.merge(biz[["truth_id", "township", "division"]], on="truth_id")
    obs.append(
        pd.DataFrame(
            {
                "month": pd.to_datetime(c["t"], errors="coerce").dt.to_period("M"),
                "township": c["township"],
                "division": c["division"],
                "vtype": None,
            }
        )
    )
    return pd.concat(obs, ignore_index=True).dropna(subset=["month"])


def test_planted_hotspots_raise_counts(full):
    _, paths = full
    hot = pd.read_csv(paths["truth"] / "planted_hotspots.csv", dtype=str, keep_default_na=False)
    assert 6 <= hot.loc[hot["recurrent"] == "False", "hotspot_id"].nunique() <= 10
    assert (hot["recurrent"] == "True").any()
    for col in ("expected_in_cell", "expected_without_factor", "factor"):
        hot[col] = hot[col].astype(float)
    assert np.allclose(hot["expected_in_cell"], hot["expected_without_factor"] * hot["factor"], atol=0.05 * 4)
    realised = hot["latent_in_cell"].astype(float)
    assert (realised > 1.5 * hot["expected_without_factor"]).all()
    assert hot["factor"].between(2.0, 4.0).all()
    obs = _observed(paths)
    months = pd.period_range("2021-01", "2024-12", freq="M")
    for hid, g in hot.groupby("hotspot_id"):
        row = g.iloc[0]
        m = pd.Series(True, index=obs.index)
        if row["township"]:
            m &= obs["township"] == row["township"]
        if row["industry_division"]:
            m &= obs["division"] == row["industry_division"]
        if row["violation_type"]:
            m &= obs["vtype"].fillna("").str.contains(row["violation_type"])
        per_month = obs[m].groupby("month").size().reindex(months, fill_value=0)
        cell = sorted(
            {
                p
                for _, r in g.iterrows()
                for p in pd.period_range(r["period_start"], r["period_end"], freq="M")
            }
        )
        if row["recurrent"] == "True":
            other = [p for p in months if p.month not in (7, 8)]
        else:
            planted = {
                p
                for _, r in hot[(hot["by"] == row["by"]) & (hot["field"] == row["field"])].iterrows()
                for p in pd.period_range(r["period_start"], r["period_end"], freq="M")
            }
            near = [p for p in months if abs((p - cell[0]).n) <= 12 and p not in planted]
            other = [p for p in near if not (row["industry_division"] == "62" and p.month in (7, 8))]
        ratio = per_month[cell].mean() / max(per_month[other].mean(), 0.5)
        assert ratio >= 1.4, (hid, ratio)


def test_risky_businesses_and_exposure_field(full):
    _, paths = full
    biz = pd.read_csv(paths["truth"] / "businesses.csv", dtype=str)
    risky = pd.read_csv(paths["truth"] / "risky_businesses.csv", dtype=str)
    assert 0.015 <= len(risky) / len(biz) <= 0.05
    viol = pd.read_csv(paths["truth"] / "violations.csv", dtype=str)
    per = viol.groupby("truth_id").size()
    r_rate = per.reindex(risky["truth_id"], fill_value=0).mean()
    n_rate = per.reindex(biz.loc[biz["risk_kind"] == "normal", "truth_id"], fill_value=0).mean()
    assert r_rate > 3 * n_rate
    boom = pd.read_csv(paths["truth"] / "exposure_only_field.csv")
    row = boom.iloc[0]
    assert row["active_licences_after"] > 3 * row["active_licences_before"]
    assert 0.8 < row["expected_rate_after"] / row["expected_rate_before"] < 1.25
    assert 0.5 < row["rate_after"] / row["rate_before"] < 2.0


def test_complaint_targets_truth(full):
    _, paths = full
    t = pd.read_csv(paths["truth"] / "complaint_targets.csv", dtype=str, keep_default_na=False)
    share = (t["matchable"] == "False").mean()
    assert 0.10 <= share <= 0.20
    matched = t[t["matchable"] == "True"]
    assert (matched["truth_id"] != "").all()
    assert set(matched["variant"]) >= {"full", "core", "sign", "sign_generic", "township_sign"}
    # variants are not simply the official name
    assert (matched["target_name"] != matched["name"]).mean() > 0.6
    assert (t.loc[t["matchable"] == "False", "uscc"] == "").all()


def test_defects_planted_and_recorded(full):
    _, paths = full
    d = pd.read_csv(paths["truth"] / "defects.csv", dtype=str, keep_default_na=False)
    kinds = set(d["defect"])
    for k in (
        "bad_date",
        "missing_required",
        "unknown_enum",
        "exact_duplicate_row",
        "stray_spaces",
        "fullwidth_code",
        "wrong_check_char",
        "updated_row",
        "open_then_updated",
        "placeholder_code",
        "text_date_in_serial_column",
        "legacy_request_type",
    ):
        assert k in kinds, k
    # exact duplicates really are duplicate rows
    for _, p in all_files(paths):
        header, rows = read_rows(p)
        n_dup = int(
            d.loc[(d["file"] == p.name) & (d["defect"] == "exact_duplicate_row"), "count"].astype(int).sum()
        )
        keys = [tuple(r) for r in rows]
        assert len(keys) - len(set(keys)) == n_dup, p.name
    # updated rows: open in the first complaint file, closed in the later one
    c1 = frame(paths["complaints"][0])
    c2 = frame(paths["complaints"][1])
    upd = d.loc[d["defect"] == "updated_row", "keys"].iloc[0].split(";")
    early = c1[c1["工单编号"].isin(upd)]
    late = c2[c2["工单号"].isin(upd)]
    assert len(early) == len(upd) == len(late) > 0
    assert (early["办结时间"] == "").all() and (early["办理结果"] == "").all()
    assert (late["办结日期"] != "").all() and (late["处理结果"] != "").all()
    # bad dates are present verbatim
    pen = frame(paths["penalties"][0])
    assert pen["处罚决定日期"].str.contains("/13/45").sum() >= 1
    assert c1["诉求类型"].eq("其它类").sum() >= 1
    assert c1["工单编号"].eq("").sum() >= 1
    amounts = pen["罚款金额（万元）"][pen["罚款金额（万元）"] != ""]
    assert amounts.str.fullmatch(r"\d+\.\d{6}").all()


# --------------------------------------------------------------------------- truth ↔ records alignment
def _truth_ids(biz: pd.DataFrame, names: pd.Series, codes: pd.Series) -> pd.Series:
    """Business of each record: by official name, else by the (normalised) credit code."""
    by_name = dict(zip(biz["name"], biz["truth_id"], strict=True))
    real = biz[biz["uscc"] != PLACEHOLDER]
    by_code = {
        **dict(zip(real["uscc_issued"], real["truth_id"], strict=True)),
        **dict(zip(real["uscc"], real["truth_id"], strict=True)),
    }
    tid = names.str.replace(r"\s+", "", regex=True).map(by_name)
    return tid.fillna(codes.map(norm_code).map(by_code))


def _problem_inspections(paths, biz: pd.DataFrame) -> pd.DataFrame:
    ins = frame(paths["inspections"][0])
    serial = pd.to_numeric(ins["检查日期"], errors="coerce")
    day = (pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D")).fillna(
        pd.to_datetime(ins["检查日期"], format="%Y/%m/%d", errors="coerce")
    )
    rec = pd.DataFrame(
        {
            "truth_id": _truth_ids(biz, ins["被检查单位"], ins["统一社会信用代码"]),
            "day": day,
            "types": ins["违法行为类型"],
        }
    )
    assert rec["truth_id"].notna().all() and rec["day"].notna().all()
    return rec[rec["types"] != ""]


def _within(m: pd.DataFrame, lo: int, hi: int, a: str, b: str) -> np.ndarray:
    gap = (m[b] - m[a]).dt.days
    return ((gap >= lo) & (gap <= hi)).to_numpy(dtype=bool)


@pytest.mark.parametrize("which", ["full", "small"])
def test_records_belong_to_the_business_of_the_truth(which, full, small_pair):
    """Every violation the truth marks as found is recorded for the SAME business (name or code), with
    its type, by a problem inspection at most 75 days later; every penalty follows a problem
    inspection of that business; violation complaints name the violating business."""
    paths = full[1] if which == "full" else small_pair[0]
    biz = pd.read_csv(paths["truth"] / "businesses.csv", dtype=str, keep_default_na=False)
    viol = pd.read_csv(paths["truth"] / "violations.csv", dtype=str)
    viol["date"] = pd.to_datetime(viol["date"])
    prob = _problem_inspections(paths, biz)

    found = viol[viol["found"] == "True"]
    assert len(found) > 20
    m = found.merge(prob, on="truth_id")
    typed = np.array([t in s for t, s in zip(m["violation_type"], m["types"], strict=True)], dtype=bool)
    recorded = set(m.loc[_within(m, 0, 75, "date", "day") & typed, "violation_id"])
    missing = found[~found["violation_id"].isin(recorded)]
    assert missing.empty, missing.head().to_dict("records")

    # most problem records are backed by a latent violation of the same business and type
    p = prob.reset_index().merge(viol, on="truth_id")
    typed = np.array([t in s for t, s in zip(p["violation_type"], p["types"], strict=True)], dtype=bool)
    backed = p.loc[_within(p, 0, 75, "date", "day") & typed, "index"].nunique()
    assert backed / len(prob) >= 0.9

    pen = frame(paths["penalties"][0])
    pen = (
        pd.DataFrame(
            {
                "truth_id": _truth_ids(
                    biz, pen["行政相对人名称"], pen["行政相对人代码_1（统一社会信用代码）"]
                ),
                "decided": pd.to_datetime(pen["处罚决定日期"], format="%Y年%m月%d日", errors="coerce"),
                "vtype": pen["违法行为类型"],
                "waiver": pen["处罚类别"] == "不予行政处罚",
            }
        )
        .dropna(subset=["decided"])
        .reset_index()
    )
    assert pen["truth_id"].notna().all() and len(pen) > 5
    # penalties follow a problem inspection by 15–80 days; 不予处罚 decisions an on-the-spot
    # correction (the business's first violation) by 3–20 days
    for waiver, (lo, hi) in ((False, (15, 80)), (True, (3, 20))):
        part = pen[pen["waiver"] == waiver]
        assert len(part) > (5 if not waiver else 0 if which == "full" else -1)
        q = part.merge(prob, on="truth_id")
        typed = np.array([t in s for t, s in zip(q["vtype"], q["types"], strict=True)], dtype=bool)
        assert set(q.loc[_within(q, lo, hi, "day", "decided") & typed, "index"]) == set(part["index"])

    targets = pd.read_csv(paths["truth"] / "complaint_targets.csv", dtype=str, keep_default_na=False)
    caused = targets[targets["origin"] == "violation"].merge(
        viol[["violation_id", "truth_id"]], on="violation_id", suffixes=("", "_violation")
    )
    assert len(caused) == (targets["origin"] == "violation").sum() > 0
    assert (caused["truth_id"] == caused["truth_id_violation"]).all()


def test_risky_businesses_have_more_recorded_problems(full):
    """Planted risky businesses carry clearly more problem inspections than normal ones, and found
    violations per business line up with recorded problems per business."""
    _, paths = full
    biz = pd.read_csv(paths["truth"] / "businesses.csv", dtype=str, keep_default_na=False)
    viol = pd.read_csv(paths["truth"] / "violations.csv", dtype=str)
    per = _problem_inspections(paths, biz).groupby("truth_id").size().reindex(biz["truth_id"], fill_value=0)
    kind = biz.set_index("truth_id")["risk_kind"]
    risky = pd.read_csv(paths["truth"] / "risky_businesses.csv", dtype=str)
    assert set(risky["truth_id"]) == set(kind[kind == "risky"].index)
    r_rate = per[risky["truth_id"]].mean()
    n_rate = per[kind[kind == "normal"].index].mean()
    assert r_rate > 3 * n_rate, (r_rate, n_rate)
    found = viol[viol["found"] == "True"].groupby("truth_id").size().reindex(biz["truth_id"], fill_value=0)
    assert np.corrcoef(found.to_numpy(), per.to_numpy())[0, 1] > 0.8


def test_planted_guidance(full):
    """约谈 / 提示提醒 of the planted guidance multiply the latent rate by 1 + effect for 12 months
    (effects written here from the documented plan, not read from the generator), the reviewed
    lists register whole, and the committed lists are current."""
    out, _ = full
    truth = pd.read_csv(out / "truth" / "guidance.csv", dtype={"uscc": str})
    assert set(truth["method"]) == {"约谈", "提示提醒"}
    planted = {"约谈": 0.5, "提示提醒": 0.7}
    assert (truth["effect"] + 1).round(6).tolist() == truth["method"].map(planted).tolist()
    # the 6-month latent expectation with the effect is the one without times 1 + effect
    # (the file rounds both to 4 decimals: compare products, not the ratio of two rounded small numbers)
    expected = truth["latent_post_6m_without"] * truth["method"].map(planted)
    assert np.allclose(truth["latent_post_6m"], expected, rtol=0, atol=1e-4)
    # risky businesses are interviewed, the others reminded; nobody twice within 12 months
    assert ((truth["risk_kind"] == "risky") == (truth["method"] == "约谈")).all()
    days = pd.to_datetime(truth["guided_on"])
    for _, g in truth.assign(day=days).sort_values("day").groupby("truth_id"):
        assert (g["day"].diff().dropna() >= pd.Timedelta(days=365 - 10)).all()
    lists = sorted((out / "guidance").glob("指导记录_*.csv"))
    rows = pd.concat([pd.read_csv(p, dtype=str, encoding="utf-8-sig") for p in lists])
    assert len(rows) == len(truth) and set(rows["是否采纳"]) == {"是"}
    assert sorted(rows["统一社会信用代码"]) == sorted(truth["uscc"])
    assert all(uscc_ok(c) for c in rows["统一社会信用代码"])
    for p in lists:
        assert (COMMITTED / "guidance" / p.name).read_bytes() == p.read_bytes(), p.name
    # the effect shows in the latent violations of the guided: fewer in the 6 months after than
    # in the 6 months before, on average (selection is on persistent risk, not on a bad spell)
    viol = pd.read_csv(out / "truth" / "violations.csv", parse_dates=["date"])
    before, after = [], []
    for r in truth.itertuples(index=False):
        d = viol.loc[viol["truth_id"] == r.truth_id, "date"]
        t0 = pd.Timestamp(r.guided_on).to_period("M").to_timestamp()
        before.append(((d >= t0 - pd.DateOffset(months=6)) & (d < t0)).sum())
        after.append(((d >= t0) & (d < t0 + pd.DateOffset(months=6))).sum())
    m = truth["method"] == "约谈"
    assert np.mean(np.array(after)[m]) < 0.8 * np.mean(np.array(before)[m])
