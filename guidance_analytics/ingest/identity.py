"""Business identity: names, name cores, townships and addresses.

* Names: :func:`normalize_name` (what identifies a registered name) and :func:`name_core` (what a
  citizen would still write: no region, no legal form).
* :func:`township_canonical`: raw township text → one of the 12 townships of 沂源县 or 其他.
* :func:`normalize_address`: an address reduced to what identifies a place.

Credit codes and business ids are in :mod:`guidance_analytics.ingest.codes`; matching complaint
targets to businesses is in :mod:`guidance_analytics.ingest.matching`.

>>> normalize_name("沂源县 老王饭店（个体）")
'沂源县老王饭店个体'
>>> township_canonical("南麻镇")
'南麻街道'
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from typing import Any, overload

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core import packaged_file

__all__ = [
    "GENERIC_SHOP_WORDS",
    "OTHER_TOWNSHIP",
    "name_core",
    "normalize_address",
    "normalize_name",
    "text_series",
    "township_canonical",
    "townships",
]


# --------------------------------------------------------------------------------------------
# townships
# --------------------------------------------------------------------------------------------

#: Bucket for places outside the 12 townships (development zones, other counties, unknown).
OTHER_TOWNSHIP = "其他"
_REGION_PREFIXES = ("山东省", "山东", "淄博市", "淄博", "沂源县", "沂源")
_OTHER_WORDS = ("经济开发区", "开发区", "高新区", "工业园区", "产业园", "园区", "经开区")


@lru_cache(maxsize=1)
def townships() -> pd.DataFrame:
    """The 12 townships of 沂源县 (``code, name, type, short``) from ``data/townships.csv``."""
    with packaged_file("townships.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    frame = pd.DataFrame(rows)[["code", "name", "type"]]
    frame["short"] = frame["name"].str.replace(r"(街道|镇|乡)$", "", regex=True)
    return frame


@lru_cache(maxsize=1)
def _township_aliases() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Exact alias → canonical, and (word, canonical) pairs for searching, longest first."""
    table = townships()
    exact: dict[str, str] = {}
    for code, name, short, kind in zip(
        table["code"], table["name"], table["short"], table["type"], strict=True
    ):
        exact[code] = name
        for alias in (
            name,
            short,
            short + "街道",
            short + "镇",
            short + "乡",
            short + "办事处",
            short + "街道办事处",
            short + "镇人民政府",
        ):
            exact[alias] = name
        if kind == "街道":  # streets that were towns before (南麻镇 → 南麻街道, 历山镇 → 历山街道)
            exact[short + "镇"] = name
    for word in _OTHER_WORDS:
        exact[word] = OTHER_TOWNSHIP
        exact["沂源" + word] = OTHER_TOWNSHIP
        exact["沂源县" + word] = OTHER_TOWNSHIP
        exact["省级" + word] = OTHER_TOWNSHIP
    exact[OTHER_TOWNSHIP] = OTHER_TOWNSHIP
    words = sorted(
        {(a, c) for a, c in exact.items() if len(a) >= 2},
        key=lambda item: -len(item[0]),
    )
    return exact, words


def _township_one(text: str) -> str:
    exact, words = _township_aliases()
    key = re.sub(r"[\s\W_]+", "", unicodedata.normalize("NFKC", text))
    if not key:
        return OTHER_TOWNSHIP
    changed = True
    while changed:
        changed = False
        for prefix in _REGION_PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix):
                key = key[len(prefix) :]
                changed = True
    if key in exact:
        return exact[key]
    for word, canon in words:
        if word in key:
            return canon
    return OTHER_TOWNSHIP


@overload
def township_canonical(s: pd.Series) -> pd.Series: ...
@overload
def township_canonical(s: str | None) -> str | None: ...


def township_canonical(s: pd.Series | str | None) -> pd.Series | str | None:
    """Map raw township text to one of the 12 canonical names, or :data:`OTHER_TOWNSHIP`.

    Accepts full names, short forms (南麻, 历山, 鲁村 …), the old 南麻镇/历山镇 (now 街道),
    ``…办事处``/``…人民政府`` and region prefixes (山东省淄博市沂源县…). Development zones and
    anything unrecognised become 其他. Missing stays missing.

    Parameters
    ----------
    s : pandas.Series or str or None

    Returns
    -------
    pandas.Series (``str`` dtype) or str or None
    """
    if isinstance(s, pd.Series):
        if s.dtype == "str" and getattr(s.dtype, "storage", None) == "pyarrow":
            # each distinct value once, without an object round trip (columns repeat 12 names)
            encoded = pc.dictionary_encode(pa.chunked_array(s.array.__arrow_array__())).combine_chunks()
            names = pa.array([_township_one(v) for v in encoded.dictionary.to_pylist()], pa.string())
            return pd.Series(pd.array(pc.take(names, encoded.indices), dtype="str"), index=s.index)
        text = s.astype("object").where(s.notna())
        uniq = {v: _township_one(str(v)) for v in pd.unique(text.dropna())}
        out = text.map(uniq)
        return out.astype("str")
    if s is None or (isinstance(s, float) and np.isnan(s)):
        return None
    return _township_one(str(s))


# --------------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------------

_NAME_STRIP = re.compile(r"[\s\W_]+")
_LEGAL_FORMS = (
    "有限责任公司",
    "股份有限公司",
    "股份合作公司",
    "有限公司",
    "分公司",
    "总公司",
    "公司",
    "个人独资企业",
    "普通合伙",
    "有限合伙",
    "合伙企业",
    "个体工商户",
    "个体户",
    "个体",
    "经营部",
    "门市部",
    "营业部",
    "商行",
    "分店",
    "总店",
    "旗舰店",
    "集团",
)
#: Words that say what kind of shop it is but not which one: never a core on their own.
GENERIC_SHOP_WORDS = frozenset(
    (
        "饭店 酒店 宾馆 旅馆 旅社 招待所 超市 便利店 商店 小卖部 药店 药房 大药房 餐厅 餐馆 菜馆 饭馆 "
        "饭庄 酒楼 小吃 快餐 面馆 食堂 烧烤 烧烤店 诊所 门诊 卫生室 医院 五金 五金店 建材 水果店 "
        "理发店 美发店 浴池 网吧 书店 批发部 加油站 幼儿园 学校 农资 汽修 修理部 洗车 茶馆 商贸 "
        "商贸公司 贸易 科技 实业 工贸 物流 运输"
    ).split()
)


def _core_ok(rest: str) -> bool:
    """A strip is allowed when it leaves at least 2 characters that are not only a shop type."""
    return len(rest) >= 2 and rest not in GENERIC_SHOP_WORDS


_SHOP_NUMBER = re.compile(r"(?:第?[一二三四五六七八九十0-9]+号?|[东西南北中]+)店$")


@lru_cache(maxsize=1)
def _region_words() -> tuple[str, ...]:
    table = townships()
    words = set(_REGION_PREFIXES) | {"淄博市沂源县", "沂源县城"}
    for name, short in zip(table["name"], table["short"], strict=True):
        words.update({name, short, short + "镇", short + "街道", short + "乡"})
    return tuple(sorted(words, key=len, reverse=True))


def _normalize_name_one(text: str) -> str:
    return _NAME_STRIP.sub("", unicodedata.normalize("NFKC", text)).upper()


@lru_cache(maxsize=1)
def _core_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Regexes for region prefixes, legal-form suffixes and region/branch suffixes."""
    regions = "|".join(map(re.escape, _region_words()))
    legal = "|".join(map(re.escape, sorted(_LEGAL_FORMS, key=len, reverse=True)))
    return (
        re.compile(rf"^(?:{regions})"),
        re.compile(rf"(?:{legal})$"),
        re.compile(rf"(?:{regions})(?:分店|店)?$"),
    )


def _core_one(norm: str) -> str:
    """Strip region words (start, end), legal forms and branch suffixes (end) until stable."""
    prefix, legal, region_tail = _core_patterns()
    current = norm
    while True:
        m = prefix.match(current)
        if m and _core_ok(current[m.end() :]):
            current = current[m.end() :]
            continue
        cut = None
        for pattern in (legal, region_tail, _SHOP_NUMBER):
            m = pattern.search(current)
            if m and m.group() != "中店" and _core_ok(current[: m.start()]):
                cut = m.start()
                break
        if cut is None:
            return current
        current = current[:cut]


def text_series(s: Any) -> pd.Series:
    s = pd.Series(s) if not isinstance(s, pd.Series) else s
    return s.astype("object").where(s.notna())


def _map_unique(s: pd.Series, fn: Any) -> pd.Series:
    text = text_series(s)
    uniq = {v: fn(str(v)) for v in pd.unique(text.dropna())}
    out = text.map(uniq)
    out = out.where(out != "")
    return out.astype("str")


@overload
def normalize_name(s: pd.Series) -> pd.Series: ...
@overload
def normalize_name(s: str | None) -> str | None: ...


def normalize_name(s: pd.Series | str | None) -> pd.Series | str | None:
    """Normalised full business name: NFKC, no whitespace/punctuation/brackets, Latin upper case.

    ``"沂源县 老王饭店（南麻店）"`` → ``"沂源县老王饭店南麻店"``. Empty results become missing.

    Parameters
    ----------
    s : pandas.Series or str or None

    Returns
    -------
    pandas.Series (``str`` dtype) or str or None
    """
    if isinstance(s, pd.Series):
        return _normalize_names(s)
    if s is None or (isinstance(s, float) and np.isnan(s)):
        return None
    return _normalize_name_one(str(s)) or None


def _normalize_names(s: pd.Series) -> pd.Series:
    """Vectorised :func:`_normalize_name_one` (arrow kernels; exact Python fallback).

    Arrow's NFKC, letter/number classes and upper-casing agree with Python's on ASCII and Han
    text; any result holding another character is recomputed with the scalar function.
    """
    text = s if s.dtype == "str" else text_series(s).map(str, na_action="ignore").astype("str")
    if getattr(text.dtype, "storage", None) != "pyarrow" or text.isna().all():
        return _map_unique(s, _normalize_name_one)
    arr = pa.chunked_array(text.array.__arrow_array__())
    arr = pc.utf8_normalize(arr, "NFKC")
    arr = pc.utf8_upper(pc.replace_substring_regex(arr, r"[^\p{L}\p{N}]+", ""))
    unsafe = pc.invert(pc.match_substring_regex(arr, r"^[\x{0}-\x{7f}\p{Han}]*$"))
    unsafe = pc.fill_null(unsafe, False).to_numpy(zero_copy_only=False)
    out = pd.Series(pd.array(arr, dtype="str"), index=s.index)
    if unsafe.any():
        out[unsafe] = _map_unique(text[unsafe], _normalize_name_one)
    return out.mask(out == "")


@overload
def name_core(s: pd.Series) -> pd.Series: ...
@overload
def name_core(s: str | None) -> str | None: ...


def name_core(s: pd.Series | str | None) -> pd.Series | str | None:
    """Name core: the normalised name without region words and legal-form words.

    Removed at the start: 山东省, 淄博市, 沂源县 (and short forms), the 12 township names with
    their short forms (南麻, 历山, 鲁村 …, old 南麻镇). Removed at the end: legal forms
    (有限责任公司, 股份有限公司, 有限公司, 公司, 分公司, 个体工商户, 个体, 经营部, 门市部, 商行,
    分店 …), branch suffixes (``南麻店``, ``二店``) and trailing region words. Shop-type words
    (饭店, 超市, 药店, 菜馆 …) are kept. A strip never leaves fewer than 2 characters.

    ``"沂源县南麻街道老王家常菜馆"`` and ``"老王家常菜馆"`` share the core ``"老王家常菜馆"``;
    ``"山东沂源鲁村镇李四五金有限公司"`` → ``"李四五金"``.

    Parameters
    ----------
    s : pandas.Series or str or None
        Raw or already normalised names (normalised again here; idempotent).

    Returns
    -------
    pandas.Series (``str`` dtype) or str or None
    """
    if isinstance(s, pd.Series):
        return _cores(s)
    if s is None or (isinstance(s, float) and np.isnan(s)):
        return None
    return _core_one(_normalize_name_one(str(s))) or None


def cores_of_norms(norms: pd.Series) -> pd.Series:
    """:func:`name_core` of names that are :func:`normalize_name` results already (not normalised again).

    >>> cores_of_norms(pd.Series(["沂源县南麻街道老王家常菜馆", "山东沂源鲁村镇李四五金有限公司"])).tolist()
    ['老王家常菜馆', '李四五金']
    """
    return _cores(norms, normalized=True)


def _cores(s: pd.Series, normalized: bool = False) -> pd.Series:
    """Vectorised ``_core_one(_normalize_name_one(v))`` over the distinct names (arrow kernels).

    The same loop as :func:`_core_one`, column-wise: each round strips, per name, the longest
    leading region word when at least 2 characters that are not only a shop type remain; else
    cuts the longest legal-form suffix, else the longest region(+店/分店) suffix, else the
    longest branch-number suffix (``_SHOP_NUMBER``), each only when its rest passes the same test
    and the suffix is not 中店. Names still changing go round again. (The regexes' alternatives
    are listed longest first, and at one position only one word of a length can match, so "the
    first alternative that matches" is "the longest word that matches".)
    """
    norm = _normalize_names(s)
    if getattr(norm.dtype, "storage", None) != "pyarrow" or norm.isna().all():
        return _map_unique(s, lambda v: _core_one(_normalize_name_one(v)))
    encoded = pc.dictionary_encode(pa.chunked_array(norm.array.__arrow_array__())).combine_chunks()
    cur = encoded.dictionary.cast(pa.string())
    generic = pa.array(sorted(GENERIC_SHOP_WORDS), pa.string())
    prefixes = _by_length(_region_words())
    legal = _by_length(_LEGAL_FORMS)
    tails = _by_length({r + x for r in _region_words() for x in ("", "店", "分店")})
    number_tail = r"(?:第?[一二三四五六七八九十0-9]+号?|[东西南北中]+)店$"
    number_split = r"^(?P<head>.*?)(?P<tail>(?:第?[一二三四五六七八九十0-9]+号?|[东西南北中]+)店)$"

    def ok(rest: Any, suffix: Any = None) -> np.ndarray:
        good = pc.utf8_length(rest).to_numpy(zero_copy_only=False) >= 2
        good &= ~pc.is_in(rest, value_set=generic).to_numpy(zero_copy_only=False)
        if suffix is not None:
            good &= pc.not_equal(suffix, "中店").to_numpy(zero_copy_only=False)
        return good

    active = np.arange(len(cur))
    while len(active):
        sub = cur.take(pa.array(active))
        new: list[tuple[np.ndarray, pa.Array]] = []
        done = np.zeros(len(sub), dtype=bool)
        plen = _longest(sub, prefixes, start=True)
        for k in np.unique(plen[plen > 0]).tolist():
            rows = np.flatnonzero(plen == k)
            rest = pc.utf8_slice_codeunits(sub.take(pa.array(rows)), k)
            good = ok(rest)
            _put(new, done, rows[good], rest.filter(pa.array(good)))
        for words in (legal, tails, None):
            left = np.flatnonzero(~done)
            if not len(left):
                break
            part = sub.take(pa.array(left))
            if words is None:
                hit = pc.fill_null(pc.match_substring_regex(part, number_tail), False)
                rows = left[hit.to_numpy(zero_copy_only=False)]
                if len(rows):
                    split = pc.extract_regex(sub.take(pa.array(rows)), number_split)
                    heads = split.field("head")
                    good = ok(heads, split.field("tail"))
                    _put(new, done, rows[good], heads.filter(pa.array(good)))
                continue
            slen = _longest(part, words, start=False)
            for k in np.unique(slen[slen > 0]).tolist():
                rows = left[slen == k]
                piece = sub.take(pa.array(rows))
                heads = pc.utf8_slice_codeunits(piece, 0, -k)
                good = ok(heads, pc.utf8_slice_codeunits(piece, -k))
                _put(new, done, rows[good], heads.filter(pa.array(good)))
        changed = np.flatnonzero(done)
        if len(changed):
            rows = np.concatenate([r for r, _ in new])
            values = pa.concat_arrays([v for _, v in new]).take(pa.array(np.argsort(rows, kind="stable")))
            mask = np.zeros(len(cur), dtype=bool)
            mask[active[changed]] = True
            cur = pc.replace_with_mask(cur, pa.array(mask), values)
        active = active[changed]
    cores = cur.take(encoded.indices)
    cores = pc.if_else(pc.equal(cores, ""), pa.scalar(None, pa.string()), cores)
    return pd.Series(pd.array(cores, dtype="str"), index=s.index)


def _by_length(words: Any) -> dict[int, pa.Array]:
    """Words grouped by length, longest first (as arrow value sets)."""
    groups: dict[int, list[str]] = {}
    for w in words:
        groups.setdefault(len(w), []).append(w)
    return {n: pa.array(sorted(groups[n]), pa.string()) for n in sorted(groups, reverse=True)}


def _longest(arr: pa.Array, words: dict[int, pa.Array], start: bool) -> np.ndarray:
    """Per string, the length of the longest of ``words`` it starts (or ends) with; 0 for none."""
    found = np.zeros(len(arr), dtype=np.int64)
    for n, value_set in words.items():
        piece = pc.utf8_slice_codeunits(arr, 0, n) if start else pc.utf8_slice_codeunits(arr, -n)
        hit = pc.fill_null(pc.is_in(piece, value_set=value_set), False).to_numpy(zero_copy_only=False)
        found[hit & (found == 0)] = n
    return found


def _put(new: list[tuple[np.ndarray, pa.Array]], done: np.ndarray, rows: np.ndarray, values: Any) -> None:
    """Record ``values`` as the next state of ``rows`` (positions in this round's names)."""
    if len(rows):
        new.append((rows, pa.array(values, pa.string()) if not isinstance(values, pa.Array) else values))
        done[rows] = True


def _renormalized(s: pd.Series) -> pd.Series:
    """:func:`normalize_name` results as they are where ASCII or Han only (idempotent there), else
    normalised again."""
    text = s if s.dtype == "str" else text_series(s).map(str, na_action="ignore").astype("str")
    if getattr(text.dtype, "storage", None) != "pyarrow":
        return _normalize_names(s)
    arr = pa.chunked_array(text.array.__arrow_array__())
    plain = pc.fill_null(pc.match_substring_regex(arr, r"^[\x{0}-\x{7f}\p{Han}]*$"), True)
    plain = plain.to_numpy(zero_copy_only=False)
    out = text.copy()
    if not plain.all():
        out[~plain] = _normalize_names(text[~plain])
    return out.mask(out == "")


def _normalize_address_one(text: str) -> str:
    key = _NAME_STRIP.sub("", unicodedata.normalize("NFKC", text)).upper()
    prefix = _core_patterns()[0]
    while True:
        m = prefix.match(key)
        if not m or m.end() >= len(key):
            return key
        key = key[m.end() :]


@overload
def normalize_address(s: pd.Series) -> pd.Series: ...
@overload
def normalize_address(s: str | None) -> str | None: ...


def normalize_address(s: pd.Series | str | None) -> pd.Series | str | None:
    """Address key: normalised like a name, with leading province/city/county/township removed."""
    if isinstance(s, pd.Series):
        return _normalize_addresses(s)
    if s is None or (isinstance(s, float) and np.isnan(s)):
        return None
    return _normalize_address_one(str(s)) or None


def _normalize_addresses(s: pd.Series) -> pd.Series:
    """Vectorised :func:`_normalize_address_one`: :func:`_normalize_names`, then, round after round,
    the longest leading region word removed (the regex's choice) unless nothing would be left."""
    norm = _normalize_names(s)
    if getattr(norm.dtype, "storage", None) != "pyarrow" or norm.isna().all():
        return _map_unique(s, _normalize_address_one)
    prefixes = _by_length(_region_words())
    arr = pa.chunked_array(norm.array.__arrow_array__()).combine_chunks().cast(pa.string())
    active = np.arange(len(arr))
    while len(active):  # strip the longest leading region word while something is left after it
        sub = arr.take(pa.array(active))
        plen = _longest(sub, prefixes, start=True)
        length = pc.fill_null(pc.utf8_length(sub), 0).to_numpy(zero_copy_only=False)
        strip = (plen > 0) & (plen < length)
        if not strip.any():
            break
        rows, parts = [], []
        for k in np.unique(plen[strip]).tolist():
            at = np.flatnonzero(strip & (plen == k))
            rows.append(active[at])
            parts.append(pc.utf8_slice_codeunits(sub.take(pa.array(at)), k))
        order = np.concatenate(rows)
        mask = np.zeros(len(arr), dtype=bool)
        mask[order] = True
        values = pa.concat_arrays(parts).take(pa.array(np.argsort(order, kind="stable")))
        arr = pc.replace_with_mask(arr, pa.array(mask), values)
        active = np.sort(order)
    out = pd.Series(pd.array(arr, dtype="str"), index=s.index)
    return out.mask(out == "")
