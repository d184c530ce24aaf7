"""Tests for guidance_analytics.ingest identity: credit codes, names, townships, matching."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from guidance_analytics.ingest import (
    OTHER_TOWNSHIP,
    BusinessIndex,
    business_id_for,
    business_ids,
    match_targets,
    name_core,
    normalize_address,
    normalize_name,
    org_code_check_ok,
    org_code_check_ok_series,
    township_canonical,
    townships,
    uscc_check_ok,
    uscc_check_ok_series,
    uscc_valid_format,
    uscc_valid_format_series,
)

PACKAGED = Path(__file__).resolve().parents[2] / "guidance_analytics" / "data" / "townships.csv"


@pytest.fixture(scope="module")
def vectors() -> pd.DataFrame:
    """The credit-code test vectors the package ships (a copy of ``shared/domain``'s, see below)."""
    frame = pd.read_csv(PACKAGED.with_name("uscc_test_vectors.csv"), dtype=str)
    frame["check"] = frame["uscc_check_digit_ok"] == "True"
    frame["org"] = frame["embedded_org_code_ok"] == "True"
    return frame


# ------------------------------------------------------------------ credit codes


def test_uscc_vectors_scalar(vectors: pd.DataFrame) -> None:
    for code, check, org, expected in zip(
        vectors["code"], vectors["check"], vectors["org"], vectors["expected"], strict=True
    ):
        assert uscc_check_ok(code) is check, code
        assert org_code_check_ok(code) is org, code
        assert uscc_valid_format(code) is (expected != "invalid_charset"), code


def test_uscc_vectors_series(vectors: pd.DataFrame) -> None:
    codes = vectors["code"]
    assert uscc_check_ok_series(codes).astype(bool).tolist() == vectors["check"].tolist()
    assert org_code_check_ok_series(codes).astype(bool).tolist() == vectors["org"].tolist()
    assert uscc_valid_format_series(codes).tolist() == (vectors["expected"] != "invalid_charset").tolist()


def test_uscc_normalisation_and_missing() -> None:
    assert uscc_check_ok(" 91330201ma2cmd7b12 ")
    assert uscc_check_ok("９１３３０２０１ＭＡ２ＣＭＤ７Ｂ１２")
    assert not uscc_check_ok(None)
    assert not uscc_valid_format("91330201MA2CMD7B1")  # 17 chars
    out = uscc_check_ok_series(pd.Series(["91330201MA2CMD7B12", None, "", "123", "91330201MA2CMD7B13"]))
    assert out.dtype == "boolean"
    assert out.iloc[0] is np.True_ or bool(out.iloc[0])
    assert pd.isna(out.iloc[1]) and pd.isna(out.iloc[2])
    assert not out.iloc[3] and not out.iloc[4]
    assert org_code_check_ok("MA2CMD7B-1")
    assert not org_code_check_ok("MA2CMD7B-2")


def test_business_id() -> None:
    sur = "S" + hashlib.sha1("老王饭店".encode()).hexdigest()[:17]
    assert business_id_for("91330201MA2CMD7B12", "老王饭店") == "91330201MA2CMD7B12"
    assert business_id_for("91330206MA2EL6266X", "x") == "91330206MA2EL6266X"  # bad check: still the id
    assert business_id_for("00000000000000000X", "老王饭店") == sur
    assert business_id_for("9133020661026074IL", "老王饭店") == sur
    assert business_id_for(None, "老王饭店") == sur
    assert len(sur) == 18
    assert business_id_for(None, None) is None
    ids = business_ids(
        pd.Series(["91330201ma2cmd7b12", "00000000000000000X", None, None]),
        pd.Series(["x", "老王饭店", "老王饭店", None]),
    )
    assert ids.tolist()[:3] == ["91330201MA2CMD7B12", sur, sur]
    assert pd.isna(ids.iloc[3])


# ------------------------------------------------------------------ townships


def test_packaged_uscc_vectors_match_shared_copy(shared_file) -> None:
    shared = shared_file("domain/uscc_test_vectors.csv")
    assert PACKAGED.with_name("uscc_test_vectors.csv").read_bytes() == shared.read_bytes()


def test_packaged_townships_match_shared_copy(shared_file) -> None:
    table = townships()
    assert len(table) == 12
    assert PACKAGED.read_bytes() == shared_file("domain/yiyuan_townships.csv").read_bytes()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("南麻街道", "南麻街道"),
        ("南麻", "南麻街道"),
        ("南麻镇", "南麻街道"),
        ("历山", "历山街道"),
        ("历山镇", "历山街道"),
        ("鲁村", "鲁村镇"),
        ("鲁村镇", "鲁村镇"),
        ("南鲁山", "南鲁山镇"),
        ("大张庄镇", "大张庄镇"),
        ("沂源县张家坡镇", "张家坡镇"),
        ("山东省淄博市沂源县燕崖镇人民政府", "燕崖镇"),
        ("南麻街道办事处", "南麻街道"),
        ("  石 桥 镇 ", "石桥镇"),
        ("经济开发区", OTHER_TOWNSHIP),
        ("沂源经济开发区", OTHER_TOWNSHIP),
        ("博山区", OTHER_TOWNSHIP),
        ("370323102", "鲁村镇"),
    ],
)
def test_township_canonical(raw: str, expected: str) -> None:
    assert township_canonical(raw) == expected


def test_township_canonical_series() -> None:
    out = township_canonical(pd.Series(["南麻镇", None, "鲁村"], dtype="object"))
    assert out.iloc[0] == "南麻街道"
    assert pd.isna(out.iloc[1])
    assert out.iloc[2] == "鲁村镇"
    assert township_canonical(None) is None


# ------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("raw", "norm", "core"),
    [
        ("沂源县南麻街道老王家常菜馆", "沂源县南麻街道老王家常菜馆", "老王家常菜馆"),
        ("老王家常菜馆", "老王家常菜馆", "老王家常菜馆"),
        ("南麻老王菜馆", "南麻老王菜馆", "老王菜馆"),
        ("沂源县 老王饭店（南麻店）", "沂源县老王饭店南麻店", "老王饭店"),
        ("山东沂源鲁村镇李四五金有限公司", "山东沂源鲁村镇李四五金有限公司", "李四五金"),
        ("淄博ABC科技股份有限公司沂源分公司", "淄博ABC科技股份有限公司沂源分公司", "ABC科技"),
        ("沂源县历山街道好再来饭店(个体工商户)", "沂源县历山街道好再来饭店个体工商户", "好再来饭店"),
        ("张家坡镇惠民药店", "张家坡镇惠民药店", "惠民药店"),
        ("沂源县南麻镇新华书店", "沂源县南麻镇新华书店", "新华书店"),
        ("老王饭店二店", "老王饭店二店", "老王饭店"),
        ("沂源县佳佳乐超市", "沂源县佳佳乐超市", "佳佳乐超市"),
        ("沂源县福源五金经营部", "沂源县福源五金经营部", "福源五金"),
        ("abc·商店", "ABC商店", "ABC商店"),
        ("南麻饭店", "南麻饭店", "南麻饭店"),  # too short to strip
    ],
)
def test_names(raw: str, norm: str, core: str) -> None:
    assert normalize_name(raw) == norm
    assert name_core(raw) == core
    assert name_core(norm) == core


def test_names_series_and_missing() -> None:
    s = pd.Series(["沂源县老王饭店", None, "  "], dtype="object")
    assert normalize_name(s).iloc[0] == "沂源县老王饭店"
    assert normalize_name(s).iloc[1:].isna().all()
    assert name_core(s).iloc[0] == "老王饭店"
    assert normalize_name(None) is None
    assert normalize_address("山东省淄博市沂源县南麻街道振兴路12号") == "振兴路12号"


# ------------------------------------------------------------------ matching


@pytest.fixture()
def businesses() -> pd.DataFrame:
    rows = [
        ("91370323MA3C000001", "沂源县南麻街道老王家常菜馆", "南麻街道振兴路12号", "南麻街道"),
        ("B2", "沂源县佳佳乐超市有限公司", "历山街道胜利路8号", "历山街道"),
        ("B3", "沂源县南麻街道张记饭店", "南麻街道城东路1号", "南麻街道"),
        ("B4", "沂源县鲁村镇张记饭店", "鲁村镇府前街3号", "鲁村镇"),
        ("B5", "沂源县历山街道李家烧烤店", "历山街道新城路5号", "历山街道"),
        ("B6", "沂源县东里镇李家烧烤店", "东里镇东里村", "东里镇"),
        ("B7", "沂源县惠民大药房有限公司", "南麻街道鲁山路66号", "南麻街道"),
        ("B8", "沂源县南麻街道美味餐厅", "南麻街道鲁山路66号", "南麻街道"),
        ("B9", "沂源县悦庄镇宏达建材经营部", "悦庄镇悦庄村南", "悦庄镇"),
        ("B10", "沂源县悦庄镇竹正大酒店", "悦庄镇沿街楼5号", "悦庄镇"),
        ("B11", "沂源县西里镇竹正茶楼", "西里镇沿街楼9号", "西里镇"),
        ("B12", "沂源县南麻街道宇富KTV", "沂源县南麻街道沂河路339号", "南麻街道"),
        ("B13", "沂源县南麻街道华川酒水店", "沂源县南麻街道沂河路339号", "南麻街道"),
        ("B14", "沂源县历山街道安鸿餐饮服务有限公司", "沂源县历山街道城北路254号", "历山街道"),
        ("B15", "沂源县南麻街道泉鑫炸鸡店", "沂源县南麻街道城北路254号", "南麻街道"),
    ]
    frame = pd.DataFrame(rows, columns=["business_id", "name", "address", "township"])
    frame["name_norm"] = normalize_name(frame["name"])
    frame["name_core"] = name_core(frame["name"])
    return frame


CASES = [
    # target_name, address, township, business_id, method, note
    ("91370323MA3C000001", None, None, "91370323MA3C000001", "uscc", None),
    ("沂源县佳佳乐超市有限公司", None, None, "B2", "exact", None),
    ("老王家常菜馆", None, None, "91370323MA3C000001", "core", None),
    ("南麻老王菜馆", None, None, "91370323MA3C000001", "fuzzy", None),
    ("张记饭店", None, "南麻", "B3", "core", None),
    ("张记饭店", None, None, None, None, "名称核心对应多个经营主体"),
    ("张记饭店", "沂源县鲁村镇府前街3号", None, "B4", "core", None),
    ("李家烧烤", None, "东里镇", "B6", "fuzzy", None),
    ("佳佳乐超市", None, None, "B2", "core", None),
    ("惠民大药房鲁山路店", None, None, "B7", "fuzzy", None),
    ("宏达建材", "悦庄镇悦庄村南", "悦庄镇", "B9", "core", None),
    ("路边小摊", "历山街道新城路5号", None, "B5", "address", None),
    ("", "历山街道胜利路8号门口", None, "B2", "address", None),
    (None, "鲁山路66号", None, None, None, "地址对应多个经营主体"),
    (None, None, None, None, None, "被反映对象为空"),
    ("某某无名商店", None, None, None, None, "未找到名称相符的许可持有人"),
    # trade name (字号) + a different shop type, same township only
    ("竹正饭店", None, "悦庄镇", "B10", "brand", None),
    ("竹正饭店", None, "西里", "B11", "brand", None),
    ("竹正饭店", None, "鲁村镇", None, None, "未找到名称相符的许可持有人"),
    ("竹正饭店", None, None, None, None, "未找到名称相符的许可持有人"),
    # several businesses at one address: the shop type in the target decides
    ("沂河路一家KTV", "沂源县南麻街道沂河路339号", "南麻街道", "B12", "address", None),
    ("沂河路一家饭店", "沂源县南麻街道沂河路339号", "南麻街道", None, None, "未找到名称相符的许可持有人"),
    # the same street address in two townships: the township decides
    ("城北路一家饭店", "沂源县南麻街道城北路254号", None, "B15", "address", None),
    ("城北路一家饭店", "城北路254号", "历山街道", "B14", "address", None),
    ("91370323MA3C999999", None, None, None, None, "统一社会信用代码未对应到许可持有人"),
]


def test_match_targets_known_answers(businesses: pd.DataFrame) -> None:
    targets = pd.DataFrame(
        [c[:3] for c in CASES],
        columns=["target_name", "address", "township"],
        index=range(100, 100 + len(CASES)),
    )
    out = match_targets(targets, businesses)
    assert list(out.columns) == ["business_id", "match_method", "match_confidence", "match_note"]
    assert list(out.index) == list(targets.index)
    for (name, addr, town, bid, method, note), row in zip(CASES, out.itertuples(), strict=True):
        case = (name, addr, town)
        assert (row.business_id if isinstance(row.business_id, str) else None) == bid, case
        assert (row.match_method if isinstance(row.match_method, str) else None) == method, case
        assert (row.match_note if isinstance(row.match_note, str) else None) == note, case
    conf = dict(zip(out["match_method"], out["match_confidence"], strict=False))
    assert conf["uscc"] == 1.0 and conf["exact"] == 1.0 and conf["core"] == 0.9 and conf["address"] == 0.6
    assert 0.7 <= conf["fuzzy"] <= 0.8
    assert 0.6 <= conf["brand"] < 0.7
    assert out.loc[out["business_id"].isna(), "match_confidence"].isna().all()
    # a prebuilt index gives the same answers (for paged re-matching)
    index = BusinessIndex(businesses)
    pd.testing.assert_frame_equal(match_targets(targets, index), out)
    pd.testing.assert_frame_equal(index.match(targets.iloc[::-1]), out.iloc[::-1])


def test_match_targets_computes_missing_columns(businesses: pd.DataFrame) -> None:
    slim = businesses[["business_id", "name"]]
    out = match_targets(pd.DataFrame({"target_name": ["老王家常菜馆"]}), slim)
    assert out["business_id"].tolist() == ["91370323MA3C000001"]


@pytest.mark.slow
def test_match_targets_on_a_large_batch_equals_matching_each_part() -> None:
    """50 000 targets against 10 000 businesses (indexes, never a cross product): the batch gives each
    target the answer it gets alone. Timing: benchmarks/bench_text_batches.py."""
    rng = np.random.default_rng(7)
    syll = list("福源鑫盛兴隆华泰德利顺丰安康宏达永昌金玉满堂春秋")
    kinds = ["饭店", "超市", "药店", "烧烤店", "五金店", "美发店", "诊所", "宾馆", "建材经营部", "水果店"]
    towns = townships()["name"].tolist()
    names = {"".join(rng.choice(syll, 3)) + kinds[i % len(kinds)] for i in range(12_000)}
    names_list = sorted(names)[:10_000]
    biz = pd.DataFrame(
        {
            "business_id": [f"B{i}" for i in range(len(names_list))],
            "name": ["沂源县" + n for n in names_list],
            "address": [f"{towns[i % 12]}某某路{i}号" for i in range(len(names_list))],
            "township": [towns[i % 12] for i in range(len(names_list))],
        }
    )
    biz["name_norm"] = normalize_name(biz["name"])
    biz["name_core"] = name_core(biz["name"])
    picks = rng.integers(0, len(names_list), 50_000)
    target_names = [names_list[i] if k % 3 else "某" + names_list[i][1:] for k, i in enumerate(picks)]
    targets = pd.DataFrame(
        {
            "target_name": target_names,
            "address": [f"某某路{i}号" for i in picks],
            "township": [towns[i % 12] for i in picks],
        }
    )
    out = match_targets(targets, biz)
    assert len(out) == len(targets) and (out.index == targets.index).all()
    assert out["business_id"].notna().mean() > 0.6
    part = targets.iloc[::97]
    pd.testing.assert_frame_equal(match_targets(part, biz), out.loc[part.index])


def test_match_targets_edge_cases(businesses: pd.DataFrame) -> None:
    empty = match_targets(pd.DataFrame({"target_name": pd.Series([], dtype="str")}), businesses)
    assert len(empty) == 0 and list(empty.columns) == [
        "business_id",
        "match_method",
        "match_confidence",
        "match_note",
    ]
    none = match_targets(pd.DataFrame({"target_name": ["老王家常菜馆"]}), businesses.iloc[0:0])
    assert none["match_note"].tolist() == ["未找到名称相符的许可持有人"]
    twins = pd.concat([businesses, businesses.iloc[[1]].assign(business_id="B2X", township="鲁村镇")])
    out = match_targets(
        pd.DataFrame({"target_name": ["沂源县佳佳乐超市有限公司"] * 2, "township": ["鲁村", None]}), twins
    )
    assert out["business_id"].iloc[0] == "B2X" and out["match_method"].iloc[0] == "exact"
    assert pd.isna(out["business_id"].iloc[1])
    assert out["match_note"].iloc[1] == "名称核心对应多个经营主体"
    # a bare shop type never matches by containment
    generic = match_targets(pd.DataFrame({"target_name": ["饭店", "某饭店"]}), businesses)
    assert generic["business_id"].isna().all()


def test_normalize_name_beyond_ascii_and_han() -> None:
    names = pd.Series(["Straße Café（沂源）", "ｋｔｖ　之家", "老王_饭店", "Ⅳ号店", "…", None], dtype="str")
    out = normalize_name(names)
    assert out.iloc[:4].tolist() == ["STRASSECAFÉ沂源", "KTV之家", "老王饭店", "IV号店"]
    assert out.iloc[4:].isna().all()
    assert normalize_name(pd.Series(["Straße"], dtype="object")).iloc[0] == "STRASSE"


def test_match_targets_against_an_empty_business_table(businesses: pd.DataFrame) -> None:
    targets = pd.DataFrame(
        {
            "target_name": ["老王家常菜馆", None, "  ", "91370323MA3C999999 某店"],
            "address": [None, "沂源县南麻街道城北路254号", None, None],
        }
    )
    out = match_targets(targets, businesses.iloc[0:0])
    assert out["business_id"].isna().all() and out["match_method"].isna().all()
    assert out["match_note"].tolist() == [
        "未找到名称相符的许可持有人",
        "被反映对象为空",
        "被反映对象为空",
        "统一社会信用代码未对应到许可持有人",
    ]
