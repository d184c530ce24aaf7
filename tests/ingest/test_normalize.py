"""Tests for guidance_analytics.ingest normalisation: text, dates, amounts, enumerations, PII."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from guidance_analytics.ingest import (
    ENUMS,
    PII_MASK,
    normalize_enum,
    normalize_enum_multi,
    normalize_text,
    parse_amounts,
    parse_dates,
    scrub_pii,
)


def S(values: list[object]) -> pd.Series:
    return pd.Series(values, dtype="object")


# ------------------------------------------------------------------ text


def test_normalize_text() -> None:
    out = normalize_text(S(["ＡＢＣ１２３，老王　饭店", "  a \t\n b  ", "", "   ", None, np.nan, 12]))
    assert out.iloc[0] == "ABC123,老王 饭店"
    assert out.iloc[1] == "a b"
    assert out.iloc[2:6].isna().all()
    assert out.iloc[6] == "12"
    assert out.dtype == "str"


# ------------------------------------------------------------------ dates

GOOD_DATES = [
    ("2024/03/05", "2024-03-05 00:00:00"),
    ("2024-03-05", "2024-03-05 00:00:00"),
    ("2024.03.05", "2024-03-05 00:00:00"),
    ("2024-3-5", "2024-03-05 00:00:00"),
    ("2024年3月5日", "2024-03-05 00:00:00"),
    ("2024 年 03 月 05 日", "2024-03-05 00:00:00"),
    ("２０２４／３／５", "2024-03-05 00:00:00"),
    ("20240305", "2024-03-05 00:00:00"),
    ("20240305142311", "2024-03-05 14:23:11"),
    ("2024-03-05 14:23:11", "2024-03-05 14:23:11"),
    ("2024/3/5 9:05", "2024-03-05 09:05:00"),
    ("2024-03-05T14:23:11", "2024-03-05 14:23:11"),
    ("2024-03-05T14:23:11Z", "2024-03-05 14:23:11"),
    ("2024-03-05T14:23:11+08:00", "2024-03-05 14:23:11"),
    ("2024-03-05 14:23:11.250", "2024-03-05 14:23:11.250000"),
    ("2024年3月5日 14:23", "2024-03-05 14:23:00"),
    ("2024年3月5日14时23分", "2024-03-05 14:23:00"),
    ("2024/3/5 下午2:05", "2024-03-05 14:05:00"),
    ("2024/3/5 2:05 PM", "2024-03-05 14:05:00"),
    ("2024/3/5 12:05 AM", "2024-03-05 00:05:00"),
    ("45357", "2024-03-06 00:00:00"),
    ("45357.0", "2024-03-06 00:00:00"),
    ("45357.5", "2024-03-06 12:00:00"),
    ("45357.75", "2024-03-06 18:00:00"),
    ("2099/12/31", "2099-12-31 00:00:00"),
    ("9999-12-31", "9999-12-31 00:00:00"),
    ("2024-02-29", "2024-02-29 00:00:00"),
]

BAD_DATES = [
    "2024年3月",
    "2024-03",
    "2024/13/45",
    "2023-02-29",
    "2024-04-31",
    "2024/3/5 25:00",
    "24/3/5",
    "3/5/2024",
    "三月五日",
    "abc",
    "100",
    "19999",
    "80001",
    "2024030",
    "2024-03-05 下午14:00",
    "长期",
]


def test_parse_dates_good() -> None:
    raw = [v for v, _ in GOOD_DATES]
    parsed, bad = parse_dates(pd.Series(raw, dtype="str"))
    assert parsed.dtype == "datetime64[us]"
    assert not bad.any(), [r for r, b in zip(raw, bad, strict=True) if b]
    for (value, expected), got in zip(GOOD_DATES, parsed, strict=True):
        assert got == pd.Timestamp(expected), value


def test_parse_dates_bad_and_missing() -> None:
    parsed, bad = parse_dates(pd.Series([*BAD_DATES, None, "", "  ", "-", "无", "/", "NULL"], dtype="str"))
    n = len(BAD_DATES)
    assert bad.iloc[:n].all(), [v for v, b in zip(BAD_DATES, bad, strict=True) if not b]
    assert not bad.iloc[n:].any()
    assert parsed.isna().all()


def test_parse_dates_keeps_index_and_handles_objects() -> None:
    s = pd.Series(["2024-03-05", None, 45357], index=[10, 20, 30], dtype="object")
    parsed, bad = parse_dates(s)
    assert list(parsed.index) == [10, 20, 30]
    assert parsed[10] == pd.Timestamp("2024-03-05")
    assert pd.isna(parsed[20])
    assert parsed[30] == pd.Timestamp("2024-03-06")
    assert not bad.any()


def test_parse_dates_all_in_exact_formats() -> None:
    """Every present value in one of the exact export formats (the usual file, where the slower
    patterns are skipped): hand-written answers, placeholders missing and nothing bad; also for a
    column of distinct date-times (parsed value by value)."""
    raw = ["2024-03-05", "2024/03/06 14:23", None, "-", "2024-03-07 08:00:00", "无"]
    parsed, bad = parse_dates(pd.Series(raw, dtype="str"))
    expected = ["2024-03-05", "2024-03-06 14:23", None, None, "2024-03-07 08:00:00", None]
    assert parsed.tolist() == [pd.NaT if e is None else pd.Timestamp(e) for e in expected]
    assert bad.dtype == bool and not bad.any()
    n = 10_000  # distinct date-times: the value-by-value path
    start = pd.Timestamp("2024-01-01 00:00:00")
    texts = [(start + pd.Timedelta(minutes=7 * k)).strftime("%Y-%m-%d %H:%M:%S") for k in range(n)]
    parsed, bad = parse_dates(pd.Series(texts, dtype="str"))
    assert parsed.iloc[0] == start and parsed.iloc[-1] == start + pd.Timedelta(minutes=7 * (n - 1))
    assert parsed.notna().all() and not bad.any()


def test_parse_dates_on_a_batch_agrees_with_each_value() -> None:
    """A 50 000-row batch (parsed once per distinct value) gives every row its own value's answer.
    Timing: benchmarks/bench_text_batches.py."""
    values = [v for v, _ in GOOD_DATES] + BAD_DATES
    big = pd.Series(values * (50_000 // len(values) + 1), dtype="str")[:50_000]
    parsed, bad = parse_dates(big)
    assert int(bad.sum()) == sum(1 for v in big if v in BAD_DATES)
    one_each, one_bad = parse_dates(pd.Series(values, dtype="str"))
    by_value = dict(zip(values, one_each, strict=True))
    expected = big.map(by_value)
    assert parsed.isna().equals(expected.isna())
    assert (parsed[parsed.notna()] == expected[expected.notna()]).all()
    assert bad.equals(big.map(dict(zip(values, one_bad, strict=True))).astype(bool))


def test_parse_dates_month_ends_and_time_limits_in_the_fast_formats() -> None:
    """Days 29-31 and out-of-range times are checked by formatting back, not by the fast pattern
    (which only covers days 1-28): a month end that exists parses, one that does not is bad."""
    good = {
        "2024-02-29": "2024-02-29",
        "2024-01-31 23:59:59": "2024-01-31 23:59:59",
        "2023/12/31 00:00": "2023-12-31 00:00",
        "2024-04-30T08:00:00": "2024-04-30 08:00:00",
        "2024-02-28 09:05:07": "2024-02-28 09:05:07",
    }
    bad_values = [
        "2023-02-29",
        "2024-04-31",
        "2024-02-30 10:00:00",
        "2024-03-05 24:00:00",
        "2024/03/05 12:60",
    ]
    # many rows per format so that the fast (arrow) path is taken, as in a real batch
    values = (list(good) + bad_values) * 30
    parsed, bad = parse_dates(pd.Series(values, dtype="str"))
    for value, got, is_bad in zip(values, parsed, bad, strict=True):
        if value in good:
            assert got == pd.Timestamp(good[value]) and not is_bad, value
        else:
            assert pd.isna(got) and is_bad, value


# ------------------------------------------------------------------ amounts


def test_parse_amounts() -> None:
    raw = S(["1,000", "0.5万元", "300元", "￥12.5", "1.234567", "-3", " 2 000 ", "abc", "1.2.3", "", None])
    amounts, bad = parse_amounts(raw, scale=10000.0)
    assert amounts.iloc[0] == 10_000_000.0
    assert amounts.iloc[1] == 5000.0  # the cell's own unit wins
    assert amounts.iloc[2] == 300.0
    assert amounts.iloc[3] == 125_000.0
    assert amounts.iloc[4] == pytest.approx(12345.67)
    assert amounts.iloc[5] == -30000.0
    assert amounts.iloc[6] == 20_000_000.0
    assert bad.tolist() == [False] * 7 + [True, True, False, False]
    plain, bad = parse_amounts(S(["1,234.50元", "5000", "1.5E+04", "-", "无"]))
    assert plain.tolist()[:3] == [1234.5, 5000.0, 15000.0]
    assert plain.iloc[3:].isna().all() and not bad.any()


# ------------------------------------------------------------------ enumerations


def test_normalize_enum() -> None:
    canon, bad = normalize_enum(
        S(["投诉", " 求决 ", "揭发控告", "申诉", "举　报", "吐槽", None, ""]), ENUMS["request_type"]
    )
    assert canon.tolist()[:5] == ["投诉", "求助", "举报", "投诉", "举报"]
    assert canon.iloc[5:].isna().all()
    assert bad.tolist() == [False] * 5 + [True, False, False]


def test_normalize_enum_multi() -> None:
    raw = S(
        [
            "警告、罚款",
            "罚款；没收违法所得",
            "罚款,罚款",
            "吊销许可证/罚款",
            "警告;乱写",
            "乱写",
            None,
            "责令停产停业整顿",
        ]
    )
    canon, bad = normalize_enum_multi(raw, ENUMS["penalty_type"])
    assert canon.iloc[0] == "警告;罚款"
    assert canon.iloc[1] == "罚款;没收违法所得"
    assert canon.iloc[2] == "罚款"
    assert canon.iloc[3] == "吊销许可证件;罚款"
    assert canon.iloc[4] == "警告"
    assert pd.isna(canon.iloc[5]) and pd.isna(canon.iloc[6])
    assert canon.iloc[7] == "责令停产停业"
    assert bad.tolist() == [False, False, False, False, True, True, False, False]


def test_normalize_enum_multi_whole_value_with_separator() -> None:
    canon, bad = normalize_enum_multi(S(["双随机、一公开"]), ENUMS["inspection_type"])
    assert canon.tolist() == ["双随机抽查"]
    assert not bad.any()


# ------------------------------------------------------------------ PII


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("联系电话13912345678请回电", f"联系电话{PII_MASK}请回电"),
        ("电话139 1234 5678", f"电话{PII_MASK}"),
        ("电话+86-13912345678", f"电话{PII_MASK}"),
        ("座机0533-3221234", f"座机{PII_MASK}"),
        ("座机(0533)3221234", f"座机{PII_MASK}"),
        ("身份证370323199001011234", f"身份证{PII_MASK}"),
        ("身份证37032319900101123X号", f"身份证{PII_MASK}号"),
        ("老身份证370323900101123", f"老身份证{PII_MASK}"),
        ("QQ号1234567", f"QQ号{PII_MASK}"),
        ("手机１３９１２３４５６７８", f"手机{PII_MASK}"),
        ("2024年3月5日花了500元", "2024年3月5日花了500元"),
        ("订单日期20240305", "订单日期20240305"),
        ("门牌号123号", "门牌号123号"),
    ],
)
def test_scrub_pii(text: str, expected: str) -> None:
    assert scrub_pii(S([text])).iloc[0] == expected


def test_scrub_pii_missing_and_every_row_of_a_batch() -> None:
    """Timing of the 50 000-row batch: benchmarks/bench_text_batches.py."""
    out = scrub_pii(S([None, np.nan, ""]))
    assert out.iloc[0:2].isna().all()
    assert out.iloc[2] == ""
    big = pd.Series(["反映南麻街道某饭店卫生差，联系电话13912345678，地址振兴路12号"] * 50_000, dtype="str")
    res = scrub_pii(big)
    assert len(res) == len(big) and res.nunique() == 1
    assert "13912345678" not in res.iloc[-1]
    assert res.iloc[0] == scrub_pii(big.iloc[:1]).iloc[0]


def test_normalize_text_whitespace_like_python_on_both_storages() -> None:
    # Python's \s: line/paragraph separators, information separators, NEL, vertical tab, ideographic space
    raw = ["a\u2028b\x1fc\x0bd\u3000e\x85f", "\u200bzero-width kept\u200b", "x\u00a0\u2003y"]
    expected = ["a b c d e f", "\u200bzero-width kept\u200b", "x y"]
    assert normalize_text(pd.Series(raw, dtype="str")).tolist() == expected  # arrow kernels
    assert normalize_text(S(raw)).tolist() == expected  # any other input dtype


def test_scrub_pii_only_touches_texts_with_enough_digits() -> None:
    texts = pd.Series(["门牌号123号，电话 139 1234 5678", "编号123456", "无数字", None], dtype="str")
    out = scrub_pii(texts)
    assert out.iloc[0] == f"门牌号123号，电话 {PII_MASK}"
    assert out.iloc[1] == "编号123456"  # 6 digits: not personal data
    assert out.iloc[2] == "无数字"
    assert pd.isna(out.iloc[3])
    assert out.index.equals(texts.index)


def test_normalize_enum_repeated_values_and_index() -> None:
    values = pd.Series(["投诉", "求决", None, "投诉", "乱写"], index=[10, 11, 12, 13, 14], dtype="str")
    canon, bad = normalize_enum(values, ENUMS["request_type"])
    assert canon.index.tolist() == [10, 11, 12, 13, 14]
    assert canon.iloc[[0, 1, 3]].tolist() == ["投诉", "求助", "投诉"]
    assert canon.iloc[[2, 4]].isna().all()
    assert bad.tolist() == [False, False, False, False, True]


def test_normalize_enum_canonical_column_comes_back_as_it_is() -> None:
    """Every spelling canonical: the column itself (no copy); one other spelling: mapped."""
    values = pd.Series(["投诉", "举报", None, "投诉"], index=[5, 6, 7, 8], dtype="str")
    canon, bad = normalize_enum(values, ENUMS["request_type"])
    assert canon is values
    assert bad.tolist() == [False] * 4 and bad.index.tolist() == [5, 6, 7, 8]
    other = pd.Series(["投诉", "求决", None, "吐槽"], dtype="str")
    canon, bad = normalize_enum(other, ENUMS["request_type"])
    assert canon.tolist()[:2] == ["投诉", "求助"] and canon.iloc[2:].isna().all()
    assert bad.tolist() == [False, False, False, True]
    empty, bad = normalize_enum(pd.Series([None, None], dtype="str"), ENUMS["request_type"])
    assert empty.isna().all() and not bad.any()


# ------------------------------------------------------------------ row hash


def test_row_hash_is_the_stored_pandas_hash_on_every_path() -> None:
    """Existing workspaces compare re-imports against stored row hashes: the hash must stay
    ``pandas.util.hash_pandas_object(rows.astype("str"), index=False)`` as 16 hex digits, whether a
    column is hashed value by value (mostly distinct) or once per distinct value (repetitive)."""
    from guidance_analytics.ingest.validate import _hash

    one = pd.DataFrame(
        {
            "order_no": ["GD000000001"],
            "received_at": ["2024-03-05 14:23:11"],
            "content": ["反映饭店卫生差"],
            "business": [None],
        },
        dtype="str",
    )
    # the value pandas 3 gives (and earlier versions of the package stored) for this row
    assert _hash(one).tolist() == ["c46da0470464d770"]
    n = 12_000  # more than 4 × 2,000 rows: the mostly-distinct path is taken for order_no, target
    i = np.arange(n)
    frame = pd.DataFrame(
        {
            "order_no": pd.array([f"GD{k:09d}" for k in i], dtype="str"),
            "channel": pd.array(np.where(i % 3 == 0, "电话", "微信"), dtype="str"),
            "content": pd.array([None if k % 7 == 0 else f"反映{k % 50}号饭店" for k in i], dtype="str"),
            # mostly distinct, non-ASCII, with gaps: hashed from arrow's UTF-8 bytes, value by value
            "target": pd.array([None if k % 11 == 0 else f"沂源县{k}号饭店，ＡＢ" for k in i], dtype="str"),
            "received_at": pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(i * 37, unit="min")),
            "fine": pd.Series(np.where(i % 5 == 0, np.nan, i * 10.0)),
        }
    )
    expected = pd.util.hash_pandas_object(frame.astype("str"), index=False).to_numpy()
    assert _hash(frame).tolist() == [f"{v:016x}" for v in expected]


def test_exact_format_dates_read_from_their_bytes_agree_with_the_arrow_parser() -> None:
    """The byte reader of the exact formats (normalize._fixed_width) takes what arrow's parser with
    its round-trip check takes, with the same value, and leaves the rest to it: hand-written
    answers for month ends, leap years, field limits, widths and years, and every format on
    values that fit it, nearly fit it or do not."""
    from guidance_analytics.ingest.normalize import (
        _FAST_FORMATS,
        _fixed_width,
        _strptime_arrow,
        _strptime_exact,
    )

    texts = [
        "2024-02-29",
        "2023-02-29",
        "2000-02-29",
        "1900-02-29",
        "2024-04-31",
        "2024-12-31",
        "2024-00-10",
        "2024-13-01",
        "2024-01-00",
        "0999-01-01",
        "1000-01-01",
        "2999-12-31",
        "3000-01-01",
        "2024-1-05",
        "2024-01-05 ",
        "２０２４-01-05",
        "2024/01/05",
        None,
    ]
    us, ok = _fixed_width(pa.array(texts, pa.large_string()), "%Y-%m-%d")
    taken = {t: str(np.datetime64(int(v), "us"))[:10] for t, v, k in zip(texts, us, ok, strict=True) if k}
    assert taken == {
        "2024-02-29": "2024-02-29",
        "2000-02-29": "2000-02-29",
        "2024-12-31": "2024-12-31",
        "1000-01-01": "1000-01-01",
        "2999-12-31": "2999-12-31",
    }
    times = ["2024-03-05 23:59:59", "2024-03-05 24:00:00", "2024-03-05 12:60:00", "2024-03-05 12:00:60"]
    us, ok = _fixed_width(pa.array(times), "%Y-%m-%d %H:%M:%S")
    assert ok.tolist() == [True, False, False, False]
    assert pd.Timestamp(int(us[0]), unit="us") == pd.Timestamp("2024-03-05 23:59:59")
    assert _fixed_width(pa.array([1, 2]), "%Y-%m-%d") is None  # not text: the arrow parser decides

    rng = np.random.default_rng(11)
    values = []
    for _ in range(6_000):
        y, m, d = (
            rng.choice([999, 1000, 1999, 2024, 2100, 2999, 3000]),
            rng.integers(0, 14),
            rng.integers(0, 33),
        )
        hh, mm, ss = rng.integers(0, 25), rng.integers(0, 61), rng.integers(0, 62)
        shape = rng.integers(0, 6)
        values.append(
            None
            if shape == 0
            else f"{y:04d}-{m:02d}-{d:02d} {hh:02d}:{mm:02d}:{ss:02d}"
            if shape == 1
            else f"{y:04d}/{m:02d}/{d:02d} {hh:02d}:{mm:02d}"
            if shape == 2
            else f"{y:04d}-{m:02d}-{d:02d}"
            if shape == 3
            else f"{y}-{m}-{d}T{hh:02d}:{mm:02d}:{ss:02d}"
            if shape == 4
            else f"{y:04d}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:{ss:02d}"
        )
    series = pd.Series(values, dtype="str", index=pd.RangeIndex(7, 7 + len(values)))
    for fmt in _FAST_FORMATS:
        for part in (series, series.iloc[1000:4000].dropna()):  # the second: an offset array
            got = _strptime_exact(part, fmt)
            want = _strptime_arrow(part, pa.chunked_array(part.array.__arrow_array__()).combine_chunks(), fmt)
            assert got.index.equals(part.index) and got.dtype == want.dtype, fmt
            assert got.isna().equals(want.isna()) and (got[got.notna()] == want[want.notna()]).all(), fmt


def test_row_hash_text_of_date_times_is_pandas_text() -> None:
    """Date-times are written for the row hash from their numbers (validate._datetime_text): the
    same text as ``astype("str")`` — hand-written for both of pandas' layouts (dates only, date and
    time) — and columns it does not write (fractions of a second, years past 9999, only NaT) are
    left to pandas."""
    from guidance_analytics.ingest.validate import _datetime_text, _text_for_hash

    def dt(values: list[str | None]) -> pd.Series:
        return pd.Series(
            pd.to_datetime(values).astype("datetime64[us]"), index=pd.RangeIndex(3, 3 + len(values))
        )

    assert _datetime_text(dt(["2024-03-05 14:23:11", None, "1969-12-31 23:59:59"])).tolist() == [
        "2024-03-05 14:23:11",
        np.nan,
        "1969-12-31 23:59:59",
    ]
    assert _datetime_text(dt(["2024-03-05", "1600-02-29", None])).tolist() == [
        "2024-03-05",
        "1600-02-29",
        np.nan,
    ]
    assert _datetime_text(dt(["2024-03-05 00:00:00", "2024-03-06 00:00:01"])).tolist() == [
        "2024-03-05 00:00:00",
        "2024-03-06 00:00:01",
    ]
    assert _datetime_text(dt(["2024-03-05 14:23:11.5"])) is None
    assert _datetime_text(dt([None, None])) is None
    rng = np.random.default_rng(12)
    for step in (1, 86_400):  # date-times in seconds; midnights only
        us = rng.integers(-400 * 365 * 86_400, 600 * 365 * 86_400, 20_000) // step * step * 1_000_000
        arr = us.view("datetime64[us]")
        arr[rng.random(len(arr)) < 0.2] = np.datetime64("NaT")
        col = pd.Series(arr, index=pd.RangeIndex(5, 5 + len(arr)))
        assert _text_for_hash(col).equals(col.astype("str"))
        assert _datetime_text(col) is not None  # written from the numbers, not left to pandas


def test_normalize_text_control_characters_removed_before_nfkc() -> None:
    """Non-ASCII text is normalised with NFKC first and scanned once for control characters or odd
    white space; with a control character the text is normalised from the removal, as before (a
    removed character lets its neighbours compose: e + \\x01 + combining acute is é). Hand-written
    answers, on a column big enough for arrow's kernels and on a single value."""
    raw = ["e\x01\u0301饭店", "Ａ\u3000\u3000Ｂ，卫生", "工单\n\n内容", "饭店，卫生差", "\x7f饭店 ", None]
    expected = ["\u00e9饭店", "A B,卫生", "工单 内容", "饭店,卫生差", "饭店", np.nan]
    assert normalize_text(pd.Series(raw * 3000, dtype="str")).tolist() == expected * 3000
    assert normalize_text(pd.Series(raw[:1], dtype="str")).tolist() == expected[:1]
    clean = ["饭店，卫生差", "Ａ１号"]  # neither control characters nor odd spaces: NFKC and trim only
    assert normalize_text(pd.Series(clean, dtype="str")).tolist() == ["饭店,卫生差", "A1号"]


def test_nfkc_of_work_order_text_hand_computed() -> None:
    """Full-width forms become ASCII in bytes; any other character takes arrow's NFKC."""
    from guidance_analytics.ingest.normalize import nfkc_text

    cells = [
        "沂源县1531号超市卫生条件差，请核查处理",  # one full-width comma
        "（已办结）：“属实”！ＡＢ～",  # brackets, colon, bang, letters, tilde: U+FF08 … U+FF5E
        "《食品安全法》、【投诉】—·",  # kept as they are
        "共…３㎡，Ⅱ类",  # … ㎡ Ⅱ are other characters: arrow's NFKC for this cell
        None,
        "",
    ]
    expected = [
        "沂源县1531号超市卫生条件差,请核查处理",
        "(已办结):“属实”!AB~",
        "《食品安全法》、【投诉】—·",
        "共...3m2,II类",
        None,
        "",
    ]
    for values in (pa.array(cells, pa.large_string()), pa.array(cells, pa.string())):
        assert nfkc_text(values).to_pylist() == expected
        # a slice (offsets and validity not at 0) and a chunked column
        assert nfkc_text(values.slice(1)).to_pylist() == expected[1:]
        assert nfkc_text(pa.chunked_array([values[:2], values[2:]])).to_pylist() == expected


def test_nfkc_of_work_order_text_agrees_with_arrow_on_every_kept_character() -> None:
    """Each character of the kept set and of U+FF01–FF5E, alone, between CJK text and after
    letters that could compose, normalises as arrow's NFKC has it; random mixes too."""
    import pyarrow.compute as pc

    from guidance_analytics.ingest.normalize import nfkc_text

    chars = [
        *map(chr, range(0x20, 0x7F)),
        "\u00b7",
        "\u2014",
        *map(chr, range(0x2018, 0x201E)),
        "\u3001",
        "\u3002",
        *map(chr, range(0x3008, 0x3012)),
        *map(chr, range(0x3400, 0x4DC0, 97)),
        *map(chr, range(0x4E00, 0xA000, 53)),
        *map(chr, range(0xFF01, 0xFF5F)),
    ]
    others = ["\u2026", "\u3000", "\u00e9", "e\u0301", "\uff61", "\uffe5", "\u2160", "\u1100\u1161", "\u0301"]
    texts = [c for c in chars] + [f"店{c}铺" for c in chars] + [f"A{c}" for c in chars]
    rng = np.random.default_rng(11)
    pool = chars + others
    texts += ["".join(rng.choice(pool, size=rng.integers(0, 12))) for _ in range(3000)]
    texts += ["".join(rng.choice(chars, size=rng.integers(0, 12))) for _ in range(3000)]
    arr = pa.array(texts, pa.large_string())
    assert nfkc_text(arr).to_pylist() == pc.utf8_normalize(arr, "NFKC").to_pylist()
    # a few kinds of full-width forms (replaced one kind at a time) and many (in bytes)
    for kinds in (["，"], ["，", "（", "）", "：", "！", "？"], list(map(chr, range(0xFF01, 0xFF5F)))):
        pool = ["店", "铺", "a", "1", "“", " ", *kinds]
        mix = ["".join(rng.choice(pool, size=rng.integers(0, 9))) for _ in range(500)]
        arr = pa.array([*mix, None], pa.large_string())
        assert nfkc_text(arr).to_pylist() == pc.utf8_normalize(arr, "NFKC").to_pylist()
    mostly_other = pa.array([*others * 5, "ＡＢ"], pa.large_string())
    assert nfkc_text(mostly_other).to_pylist() == pc.utf8_normalize(mostly_other, "NFKC").to_pylist()


def test_dictionary_encodings_are_remembered_by_array_identity() -> None:
    """The same arrow array is encoded once; an equal array built anew, a slice or another type
    of the same buffers is encoded on its own; forget_encoded drops them."""
    from guidance_analytics.ingest import normalize as nz

    nz.forget_encoded()
    words = pa.chunked_array([pa.array(["微信", None, "电话", "微信"], pa.large_string())])
    first = nz.dictionary_encoded(words)
    assert first.dictionary.to_pylist() == ["微信", "电话"]
    assert first.indices.to_pylist() == [0, None, 1, 0]
    assert nz.dictionary_encoded(words) is first
    again = pa.chunked_array([pa.array(["微信", None, "电话", "微信"], pa.large_string())])
    assert nz.dictionary_encoded(again) is not first  # other buffers
    tail = nz.dictionary_encoded(words.slice(2))
    assert (tail.dictionary.to_pylist(), tail.indices.to_pylist()) == (["电话", "微信"], [0, 1])
    as_bytes = nz.dictionary_encoded(words.cast(pa.large_binary()))
    assert as_bytes.dictionary.to_pylist() == ["微信".encode(), "电话".encode()]
    nz.forget_encoded()
    assert nz.dictionary_encoded(words) is not first
    # mostly_distinct's answers are remembered the same way: the same answer, asked again
    keys = pa.chunked_array([pa.array([f"GD{k:05d}" for k in range(9000)])])
    repeats = pa.chunked_array([pa.array(["微信", "电话"] * 4500)])
    assert [nz.mostly_distinct(a) for a in (keys, repeats, keys, repeats)] == [True, False, True, False]
    assert nz.mostly_distinct(keys.slice(0, 7999)) is False  # too short to tell
    nz.forget_encoded()


@pytest.mark.parametrize("special_share", [0.0, 0.02, 0.3, 0.9])
def test_normalize_text_short_way_agrees_with_python(special_share: float) -> None:
    """Texts of kept characters and full-width forms (narrowed in bytes) mixed with texts holding
    control characters, odd white space, runs of spaces or other characters (the full steps):
    the arrow result is the Python one (NFKC, ``\\s+`` → space, strip) for every share of them."""
    rng = np.random.default_rng(int(special_share * 100) + 5)
    plain = ["店", "铺", "，", "（", "）", "Ａ", "１", "a", "9", " ", "、", "“", "—"]
    special = ["\x01", "\t", "\n", "\u3000", "\u00a0", "  ", "\u2026", "\u2460", "e\u0301", "\x1f", "\x7f"]
    texts: list[object] = []
    for _ in range(2000):
        cells = list(rng.choice(plain, size=rng.integers(0, 10)))
        if rng.random() < special_share:
            cells.insert(int(rng.integers(0, len(cells) + 1)), str(rng.choice(special)))
        texts.append("".join(cells))
    texts += [None, "", " ", "  店  ", "，"]

    def python(text: object) -> object:
        if text is None:
            return None
        out = re.sub(r"[\x00-\x08\x0e-\x1b\x7f]", "", str(text))
        out = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", out)).strip()
        return out or None

    arrow = normalize_text(pd.Series(texts, dtype="str"))
    assert arrow.dtype == "str"
    assert [None if pd.isna(v) else v for v in arrow] == [python(t) for t in texts]


def test_normalize_text_ascii_columns_hand_computed() -> None:
    """An ASCII column with odd spacing or control characters is cleaned; one without any comes
    back as the same text (checked in bytes, nothing copied)."""
    odd = pd.Series(["GD01 ", " GD02", "GD\t03", "GD  04", "G\x01D05", "GD06", None, " "], dtype="str")
    assert normalize_text(odd).tolist()[:6] == ["GD01", "GD02", "GD 03", "GD 04", "GD05", "GD06"]
    assert normalize_text(odd).iloc[6:].isna().all()
    clean = pd.Series(["GD01", "2024-03-05 14:23:11", None, "A B"], dtype="str")
    out = normalize_text(clean)
    assert out.tolist()[:2] == ["GD01", "2024-03-05 14:23:11"] and pd.isna(out.iloc[2])
    assert out.iloc[3] == "A B"
    arrow_in = pa.chunked_array(clean.array.__arrow_array__()).chunk(0)
    arrow_out = pa.chunked_array(out.array.__arrow_array__()).chunk(0)
    assert arrow_out.buffers()[2].address == arrow_in.buffers()[2].address
    # the short way of non-ASCII text trims only when some text has a space at an end
    assert normalize_text(pd.Series(["店，", " 铺（）", "店 "], dtype="str")).tolist() == [
        "店,",
        "铺()",
        "店",
    ]
