"""Business identity: credit codes, names, townships, and matching complaints to businesses.

* Unified social credit codes (统一社会信用代码, GB 32100-2015) and their embedded organisation
  code (GB 11714): format and check-character tests, scalar and vectorised.
* ``business_id``: the credit code when it has a valid format, else a stable surrogate from the
  normalised name.
* Names: :func:`normalize_name` (what identifies a registered name) and :func:`name_core` (what a
  citizen would still write: no region, no legal form).
* :func:`township_canonical`: raw township text → one of the 12 townships of 沂源县 or 其他.
* :func:`match_targets`: complaint targets (被反映对象) → licence holders, by credit code, exact
  name, name core, fuzzy name, trade name, then address.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, overload

import numpy as np
import pandas as pd

from guidance_analytics.schema import USCC_PLACEHOLDER

__all__ = [
    "USCC_CHARSET",
    "USCC_PLACEHOLDER",
    "OTHER_TOWNSHIP",
    "MATCH_COLUMNS",
    "normalize_uscc",
    "uscc_valid_format",
    "uscc_check_ok",
    "org_code_check_ok",
    "uscc_valid_format_series",
    "uscc_check_ok_series",
    "org_code_check_ok_series",
    "surrogate_id",
    "business_id_for",
    "business_ids",
    "normalize_name",
    "name_core",
    "normalize_address",
    "townships",
    "township_canonical",
    "match_targets",
    "BusinessIndex",
]

# --------------------------------------------------------------------------------------------
# credit codes
# --------------------------------------------------------------------------------------------

#: The 31 characters of GB 32100-2015 (no I, O, S, V, Z).
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_USCC_RE = re.compile(rf"[{USCC_CHARSET}]{{18}}")
_USCC_IN_TEXT = re.compile(rf"(?<![0-9A-Z])[{USCC_CHARSET}]{{18}}(?![0-9A-Z])")

# lookup tables over byte values (255 = not allowed)
_USCC_LUT = np.full(256, 255, dtype=np.int64)
for _i, _c in enumerate(USCC_CHARSET):
    _USCC_LUT[ord(_c)] = _i
_ORG_LUT = np.full(256, 255, dtype=np.int64)
for _c in "0123456789":
    _ORG_LUT[ord(_c)] = int(_c)
for _c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _ORG_LUT[ord(_c)] = ord(_c) - 55


def normalize_uscc(code: object) -> str | None:
    """Normalise one credit code: NFKC, no spaces or dashes, upper case; ``None`` when empty."""
    if code is None or (isinstance(code, float) and np.isnan(code)) or code is pd.NA:
        return None
    text = unicodedata.normalize("NFKC", str(code))
    text = re.sub(r"[\s\-_]", "", text).upper()
    return text or None


def _normalize_uscc_series(s: pd.Series) -> pd.Series:
    text = s.astype("object").where(s.notna()).astype("str")
    text = text.str.normalize("NFKC").str.replace(r"[\s\-_]", "", regex=True).str.upper()
    return text.mask(text == "")


def uscc_valid_format(code: object) -> bool:
    """True when ``code`` is 18 characters of the GB 32100 charset (after normalisation).

    The placeholder ``00000000000000000X`` has a valid format; see :func:`business_id_for`.
    """
    text = normalize_uscc(code)
    return text is not None and _USCC_RE.fullmatch(text) is not None


def uscc_check_ok(code: object) -> bool:
    """True when the 18th character is the GB 32100-2015 check character.

    Weights are ``3**(i-1) mod 31``; check value ``(31 - Σ mod 31) mod 31``. False for a code
    of invalid format. A mismatch is a warning, not a reason to reject a record.
    """
    text = normalize_uscc(code)
    if text is None or _USCC_RE.fullmatch(text) is None:
        return False
    total = sum(_USCC_VALUE[c] * int(w) for c, w in zip(text[:17], _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31] == text[17]


def _org_check_char(body: str) -> str | None:
    values = [int(_ORG_LUT[ord(c)]) if ord(c) < 256 else 255 for c in body]
    if len(values) != 8 or any(v == 255 for v in values):
        return None
    check = 11 - sum(v * int(w) for v, w in zip(values, _ORG_WEIGHTS, strict=True)) % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def org_code_check_ok(code: object) -> bool:
    """True when the organisation code embedded at positions 9–17 passes its GB 11714 check.

    ``code`` may be a full 18-character credit code or a 9-character organisation code
    (``12345678-9`` dashes allowed). Weights 3,7,9,10,5,8,4,2; ``11 - Σ mod 11`` with 10 → X
    and 11 → 0.
    """
    text = normalize_uscc(code)
    if text is None:
        return False
    if len(text) == 18:
        text = text[8:17]
    if len(text) != 9:
        return False
    expected = _org_check_char(text[:8])
    return expected is not None and expected == text[8]


def _code_matrix(s: pd.Series, valid: pd.Series) -> np.ndarray:
    """Rows of byte values for the valid 18-char codes."""
    codes = s[valid].to_numpy(dtype=object)
    if len(codes) == 0:
        return np.zeros((0, 18), dtype=np.int64)
    raw = "".join(codes).encode("ascii")
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18).astype(np.int64)


def uscc_valid_format_series(s: pd.Series) -> pd.Series:
    """Vectorised :func:`uscc_valid_format` (False for missing)."""
    norm = _normalize_uscc_series(pd.Series(s))
    return norm.str.fullmatch(_USCC_RE.pattern).fillna(False).astype(bool)


def uscc_check_ok_series(s: pd.Series) -> pd.Series:
    """Vectorised :func:`uscc_check_ok`.

    Returns
    -------
    pandas.Series
        ``boolean`` dtype: NA where the code is missing, False where its format is invalid.
    """
    s = pd.Series(s)
    norm = _normalize_uscc_series(s)
    valid = norm.str.fullmatch(_USCC_RE.pattern).fillna(False).astype(bool)
    out = pd.Series(False, index=s.index, dtype="boolean")
    out[norm.isna()] = pd.NA
    if valid.any():
        m = _USCC_LUT[_code_matrix(norm, valid)]
        total = (m[:, :17] * _USCC_WEIGHTS).sum(axis=1)
        out[valid] = (31 - total % 31) % 31 == m[:, 17]
    return out


def org_code_check_ok_series(s: pd.Series) -> pd.Series:
    """Vectorised :func:`org_code_check_ok` for full credit codes (``boolean``, NA when missing)."""
    s = pd.Series(s)
    norm = _normalize_uscc_series(s)
    valid = norm.str.fullmatch(r"[0-9A-Z]{18}").fillna(False).astype(bool)
    out = pd.Series(False, index=s.index, dtype="boolean")
    out[norm.isna()] = pd.NA
    if valid.any():
        m = _ORG_LUT[_code_matrix(norm, valid)]
        body, given = m[:, 8:16], m[:, 16]
        check = 11 - (body * _ORG_WEIGHTS).sum(axis=1) % 11
        expected = np.where(check == 10, ord("X") - 55, np.where(check == 11, 0, check))
        given_is_digit_or_x = (given < 10) | (given == ord("X") - 55)
        out[valid] = (expected == given) & given_is_digit_or_x & (body < 36).all(axis=1)
    return out


# --------------------------------------------------------------------------------------------
# business id
# --------------------------------------------------------------------------------------------


def surrogate_id(name_norm: str) -> str:
    """``"S"`` + the first 17 hex characters (lower case) of sha1(name_norm, UTF-8)."""
    return "S" + hashlib.sha1(name_norm.encode("utf-8")).hexdigest()[:17]


def business_id_for(uscc: object, name_norm: object) -> str | None:
    """Business identity: the credit code, or a stable surrogate from the normalised name.

    Parameters
    ----------
    uscc : str or None
        Credit code as given (normalised here).
    name_norm : str or None
        Output of :func:`normalize_name`.

    Returns
    -------
    str or None
        The normalised code when it has a valid format and is not the placeholder
        ``00000000000000000X`` (a failing check character is still accepted), else
        :func:`surrogate_id` of ``name_norm``; ``None`` when both are missing.
    """
    code = normalize_uscc(uscc)
    if code is not None and code != USCC_PLACEHOLDER and _USCC_RE.fullmatch(code):
        return code
    if name_norm is None or (isinstance(name_norm, float) and np.isnan(name_norm)) or name_norm is pd.NA:
        return None
    name = str(name_norm)
    return surrogate_id(name) if name else None


def business_ids(uscc: pd.Series, name_norm: pd.Series) -> pd.Series:
    """Vectorised :func:`business_id_for` (``str`` dtype, NaN when both inputs are missing)."""
    uscc = pd.Series(uscc)
    name_norm = pd.Series(name_norm, index=uscc.index)
    code = _normalize_uscc_series(uscc)
    use_code = code.str.fullmatch(_USCC_RE.pattern).fillna(False).astype(bool) & (code != USCC_PLACEHOLDER)
    out = code.where(use_code)
    need = ~use_code & name_norm.notna() & (name_norm.astype("str") != "")
    if need.any():
        names = name_norm[need].astype(str)
        uniq = {n: surrogate_id(n) for n in names.unique()}
        out[need] = names.map(uniq)
    return out.astype("str")


# --------------------------------------------------------------------------------------------
# townships
# --------------------------------------------------------------------------------------------

#: Bucket for places outside the 12 townships (development zones, other counties, unknown).
OTHER_TOWNSHIP = "其他"
_DATA = Path(__file__).with_name("data")
_REGION_PREFIXES = ("山东省", "山东", "淄博市", "淄博", "沂源县", "沂源")
_OTHER_WORDS = ("经济开发区", "开发区", "高新区", "工业园区", "产业园", "园区", "经开区")


@lru_cache(maxsize=1)
def townships() -> pd.DataFrame:
    """The 12 townships of 沂源县 (``code, name, type, short``) from ``data/townships.csv``."""
    with (_DATA / "townships.csv").open(encoding="utf-8-sig", newline="") as fh:
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


def _text_series(s: Any) -> pd.Series:
    s = pd.Series(s) if not isinstance(s, pd.Series) else s
    return s.astype("object").where(s.notna())


def _map_unique(s: pd.Series, fn: Any) -> pd.Series:
    text = _text_series(s)
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
        return _map_unique(s, _normalize_name_one)
    if s is None or (isinstance(s, float) and np.isnan(s)):
        return None
    return _normalize_name_one(str(s)) or None


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
        return _map_unique(s, lambda v: _core_one(_normalize_name_one(v)))
    if s is None or (isinstance(s, float) and np.isnan(s)):
        return None
    return _core_one(_normalize_name_one(str(s))) or None


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
        return _map_unique(s, _normalize_address_one)
    if s is None or (isinstance(s, float) and np.isnan(s)):
        return None
    return _normalize_address_one(str(s)) or None


# --------------------------------------------------------------------------------------------
# matching
# --------------------------------------------------------------------------------------------

#: Columns of :func:`match_targets`' result.
MATCH_COLUMNS = ("business_id", "match_method", "match_confidence", "match_note")

NOTE_EMPTY = "被反映对象为空"
NOTE_NOT_FOUND = "未找到名称相符的许可持有人"
NOTE_AMBIGUOUS_NAME = "名称对应多个经营主体"
NOTE_AMBIGUOUS_CORE = "名称核心对应多个经营主体"
NOTE_AMBIGUOUS_FUZZY = "名称近似对应多个经营主体"
NOTE_AMBIGUOUS_ADDRESS = "地址对应多个经营主体"
NOTE_USCC_UNKNOWN = "统一社会信用代码未对应到许可持有人"

#: Minimum address key length used for address matching (shorter keys say nothing).
MIN_ADDRESS_LEN = 5
#: Minimum length of the shorter core for containment matches.
MIN_CONTAINED_LEN = 3
#: Bigrams shared by more businesses than this are ignored when collecting fuzzy candidates.
MAX_POSTING = 300
#: Words that make a target a description, not a name (no trade-name matching).
_VAGUE_WORDS = (
    "一家",
    "某",
    "这家",
    "那家",
    "附近",
    "对面",
    "旁边",
    "门口",
    "楼下",
    "隔壁",
    "不知名",
    "无名",
)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text}


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _pick(
    candidates: Iterable[str], township: str | None, town_of: dict[str, str | None]
) -> tuple[str | None, bool]:
    """One business among candidates: unique, or unique in the same township.

    Returns ``(business_id, ambiguous)``.
    """
    ids = list(dict.fromkeys(candidates))
    if len(ids) == 1:
        return ids[0], False
    if not ids:
        return None, False
    if township is not None:
        same = [b for b in ids if town_of.get(b) == township]
        if len(same) == 1:
            return same[0], False
    return None, True


def match_targets(
    targets: pd.DataFrame,
    businesses: pd.DataFrame | BusinessIndex,
    fuzzy_threshold: float = 0.7,
) -> pd.DataFrame:
    """Match complaint targets (被反映对象) to businesses.

    Stages, first hit wins:

    1. ``uscc`` (1.0): an 18-character credit code in the target text equal to a business_id.
    2. ``exact`` (1.0): :func:`normalize_name` of the target equals a business' ``name_norm``.
    3. ``core`` (0.9): same :func:`name_core`. Several businesses with that core → the one in
       the target's township; still several → unmatched, "名称核心对应多个经营主体".
    4. ``fuzzy``: 0.8 when one core contains the other (the shorter at least 3 characters and
       not a bare shop type such as 饭店); 0.75 when the shorter core (≥ 4 characters) is an
       in-order subsequence of the longer with the same first and last character
       (南麻老王菜馆 → 老王家常菜馆); 0.7 when character-bigram Jaccard ≥ ``fuzzy_threshold``.
       The best-scoring candidates must reduce to one business (township preference as
       above), else unmatched with "名称近似对应多个经营主体". Candidates come from a bigram
       index, never a cross product.
    5. ``brand`` (0.65; 0.6 when the target has no township): the trade name (字号, the first
       two characters of a core of 3+ characters) is that of exactly one business in the
       target's township — citizens write 运菊饭店 for 沂源县张家坡镇运菊炸鸡店. Descriptions
       (城北路一家饭店, 某小区物业) have no trade name.
    6. ``address`` (0.6): the target address key (:func:`normalize_address`) equals, contains
       or is contained in the address key of exactly one business (keys ≥ 5 characters);
       several → the one in the target's township, then the one whose name shares the most
       character bigrams with the target (沂河路一家KTV → 宇富KTV); still several →
       unmatched ("地址对应多个经营主体" when the target name is empty).

    The target's township, when missing, is taken from its address if the address names one.
    Each distinct (name, address, township) is matched once.

    Parameters
    ----------
    targets : pandas.DataFrame
        Columns ``target_name`` and optionally ``address`` and ``township`` (raw or
        canonical). Any index; the result is aligned to it.
    businesses : pandas.DataFrame or BusinessIndex
        Columns ``business_id``, ``name`` and optionally ``name_norm``, ``name_core``,
        ``address``, ``township`` (computed from ``name``/raw values when absent), or a
        :class:`BusinessIndex` built from such a frame (reuse it when matching in pages).
    fuzzy_threshold : float, default 0.7
        Bigram Jaccard similarity needed for a fuzzy match.

    Returns
    -------
    pandas.DataFrame
        Index of ``targets``; columns ``business_id`` (str/NaN), ``match_method``
        (uscc/exact/core/fuzzy/brand/address or NaN), ``match_confidence`` (float/NaN) and
        ``match_note`` (Chinese reason when unmatched, NaN when matched).
    """
    index = businesses if isinstance(businesses, BusinessIndex) else BusinessIndex(businesses)
    return index.match(targets, fuzzy_threshold=fuzzy_threshold)


class BusinessIndex:
    """Look-up structures over a business table, built once, for repeated matching.

    Parameters
    ----------
    businesses : pandas.DataFrame
        Columns ``business_id``, ``name`` and optionally ``name_norm``, ``name_core``,
        ``address``, ``township``. Rows without a business_id are ignored; a repeated
        business_id keeps its first row.

    Examples
    --------
    >>> index = BusinessIndex(businesses)          # doctest: +SKIP
    >>> for page in pages:                          # doctest: +SKIP
    ...     matches = match_targets(page, index)
    """

    def __init__(self, businesses: pd.DataFrame) -> None:
        biz = businesses[businesses["business_id"].notna()].drop_duplicates("business_id")
        b_id = biz["business_id"].astype(str).to_numpy(dtype=object)
        b_norm = self._column(biz, "name_norm", normalize_name)
        b_core = self._column(biz, "name_core", name_core)
        b_addr = (
            normalize_address(biz["address"]).to_numpy(dtype=object)
            if "address" in biz
            else np.full(len(biz), np.nan, dtype=object)
        )
        b_town = (
            township_canonical(_text_series(biz["township"])).to_numpy(dtype=object)
            if "township" in biz
            else np.full(len(biz), np.nan, dtype=object)
        )
        self.size = len(biz)
        self.town_of: dict[str, str | None] = {
            b: (t if isinstance(t, str) else None) for b, t in zip(b_id, b_town, strict=True)
        }
        self.known_ids = set(b_id)
        by_norm: dict[str, list[str]] = defaultdict(list)
        by_core: dict[str, list[str]] = defaultdict(list)
        by_addr: dict[str, list[str]] = defaultdict(list)
        for b, nn, cc, aa in zip(b_id, b_norm, b_core, b_addr, strict=True):
            if isinstance(nn, str) and nn:
                by_norm[nn].append(b)
            if isinstance(cc, str) and cc:
                by_core[cc].append(b)
            if isinstance(aa, str) and len(aa) >= MIN_ADDRESS_LEN:
                by_addr[aa].append(b)
        self.core_of: dict[str, str] = {
            b: cc for b, cc in zip(b_id, b_core, strict=True) if isinstance(cc, str) and cc
        }
        self.by_norm = dict(by_norm)
        self.by_core = dict(by_core)
        by_brand: dict[str, list[str]] = defaultdict(list)
        for core, ids in self.by_core.items():
            brand = _brand(core)
            if brand is not None:
                by_brand[brand].extend(ids)
        self.by_brand = dict(by_brand)
        self.fuzzy = _FuzzyIndex(self.by_core)
        self.addresses = _AddressIndex(dict(by_addr))

    @staticmethod
    def _column(biz: pd.DataFrame, name: str, fn: Any) -> np.ndarray:
        """A given normalised column, computed from ``name`` where absent or missing."""
        if name in biz:
            given = _text_series(biz[name])
            if given.notna().all() or "name" not in biz:
                return given.to_numpy(dtype=object)
            return given.fillna(_text_series(fn(biz["name"]))).to_numpy(dtype=object)
        return fn(biz["name"]).to_numpy(dtype=object)

    def match(self, targets: pd.DataFrame, fuzzy_threshold: float = 0.7) -> pd.DataFrame:
        """Match targets; see :func:`match_targets`."""
        n = len(targets)
        index = targets.index
        empty = pd.Series(np.nan, index=index, dtype="object")
        t_name = _text_series(targets["target_name"]) if "target_name" in targets else empty
        t_addr = _text_series(targets["address"]) if "address" in targets else empty
        t_town = township_canonical(_text_series(targets["township"])) if "township" in targets else empty
        # no township given: take it from the address when the address names one
        from_addr = township_canonical(t_addr)
        t_town = t_town.where(t_town.notna(), from_addr.where(from_addr != OTHER_TOWNSHIP))

        # one match per distinct (name, address, township); rows share the answer
        keys = pd.DataFrame(
            {
                "name": t_name.to_numpy(dtype=object),
                "addr": t_addr.to_numpy(dtype=object),
                "town": t_town.to_numpy(dtype=object),
            }
        )
        group = keys.groupby(["name", "addr", "town"], dropna=False, sort=False).ngroup().to_numpy()
        first = pd.Series(np.arange(n)).groupby(group, sort=True).first().to_numpy()
        uniq = keys.iloc[first].reset_index(drop=True)
        u_name = uniq["name"].where(uniq["name"].notna())
        names = u_name.to_numpy(dtype=object)
        towns = uniq["town"].to_numpy(dtype=object)
        t_norm = normalize_name(u_name).to_numpy(dtype=object)
        t_core = name_core(u_name).to_numpy(dtype=object)
        t_addr_key = normalize_address(uniq["addr"]).to_numpy(dtype=object)

        m = len(uniq)
        res_id = np.full(m, None, dtype=object)
        res_method = np.full(m, None, dtype=object)
        res_conf = np.full(m, np.nan, dtype="float64")
        res_note = np.full(m, None, dtype=object)
        for i in range(m):
            res_id[i], res_method[i], res_conf[i], res_note[i] = _match_one(
                names[i] if isinstance(names[i], str) and names[i].strip() else None,
                t_norm[i],
                t_core[i],
                t_addr_key[i],
                towns[i] if isinstance(towns[i], str) else None,
                self,
                fuzzy_threshold,
            )

        return pd.DataFrame(
            {
                "business_id": pd.Series(res_id[group], index=index, dtype="str"),
                "match_method": pd.Series(res_method[group], index=index, dtype="str"),
                "match_confidence": pd.Series(res_conf[group], index=index, dtype="float64"),
                "match_note": pd.Series(res_note[group], index=index, dtype="str"),
            },
            index=index,
        )


class _FuzzyIndex:
    """Bigram inverted index over business cores, for candidate collection."""

    def __init__(self, by_core: dict[str, list[str]]) -> None:
        self.cores = list(by_core)
        self.ids = [by_core[c] for c in self.cores]
        self.grams = [_bigrams(c) for c in self.cores]
        self.sizes = np.array([len(g) for g in self.grams], dtype=np.int64)
        posting: dict[str, list[int]] = defaultdict(list)
        for j, grams in enumerate(self.grams):
            for g in grams:
                posting[g].append(j)
        self.posting = {g: np.array(p, dtype=np.int64) for g, p in posting.items()}

    def candidates(self, core: str, limit: int = 200) -> list[int]:
        """Cores sharing at least half of ``core``'s bigrams, or all of their own."""
        grams = _bigrams(core)
        lists = [p for p in (self.posting.get(g) for g in grams) if p is not None]
        usable = [p for p in lists if len(p) <= MAX_POSTING] or lists
        if not usable:
            return []
        js, counts = np.unique(np.concatenate(usable), return_counts=True)
        need = max(1, len(grams) // 2)
        keep = (counts >= need) | (counts == self.sizes[js])
        js, counts = js[keep], counts[keep]
        order = np.argsort(-counts, kind="stable")[:limit]
        return js[order].tolist()


def _match_one(
    name: str | None,
    norm: Any,
    core: Any,
    addr: Any,
    town: str | None,
    idx: BusinessIndex,
    threshold: float,
) -> tuple[str | None, str | None, float, str | None]:
    note: str | None = None
    if name:
        upper = unicodedata.normalize("NFKC", name).upper()
        codes = [c for c in _USCC_IN_TEXT.findall(upper) if c != USCC_PLACEHOLDER]
        for code in codes:
            if code in idx.known_ids:
                return code, "uscc", 1.0, None
        if codes:
            note = NOTE_USCC_UNKNOWN
    if isinstance(norm, str) and norm:
        found = idx.by_norm.get(norm)
        if found:
            b, _ = _pick(found, town, idx.town_of)
            if b is not None:
                return b, "exact", 1.0, None
            note = note or NOTE_AMBIGUOUS_NAME
    if isinstance(core, str) and core:
        found = idx.by_core.get(core)
        if found:
            b, _ = _pick(found, town, idx.town_of)
            if b is not None:
                return b, "core", 0.9, None
            # several businesses share the core: only the address may still tell them apart
            return _address_stage(addr, town, idx, NOTE_AMBIGUOUS_CORE, among=found)
        hit, fuzzy_note = _fuzzy_stage(core, town, idx.town_of, idx.fuzzy, threshold)
        if hit is not None:
            return hit
        note = note or fuzzy_note
        hit = _brand_stage(core, town, idx)
        if hit is not None:
            return hit
    return _address_stage(
        addr,
        town,
        idx,
        note or (NOTE_NOT_FOUND if name else NOTE_EMPTY),
        core=core if isinstance(core, str) else None,
    )


def _brand(core: str) -> str | None:
    """Trade name (字号) guess: the first two characters of a core of 3+ characters.

    Enterprise names are region + trade name + trade/type + legal form; once region and legal
    form are gone the trade name leads. Descriptions rather than names (城北路一家饭店,
    某小区物业) have none.
    """
    if len(core) < 3 or any(word in core for word in _VAGUE_WORDS):
        return None
    brand = core[:2]
    return None if brand in GENERIC_SHOP_WORDS else brand


def _brand_stage(core: str, town: str | None, idx: BusinessIndex) -> tuple[str, str, float, None] | None:
    """Same trade name as exactly one business in the target's township (or in the county
    when the target has no township)."""
    brand = _brand(core)
    if brand is None:
        return None
    found = idx.by_brand.get(brand)
    if not found:
        return None
    if town is not None:
        same = [b for b in found if idx.town_of.get(b) == town]
        if len(same) == 1:
            return same[0], "brand", 0.65, None
        return None
    if len(found) == 1:
        return found[0], "brand", 0.6, None
    return None


def _fuzzy_score(core: str, grams: set[str], other: str, other_grams: set[str], threshold: float) -> float:
    """Similarity class of two different cores: 0.8, 0.75, 0.7 or 0 (no match)."""
    short, long_ = (core, other) if len(core) <= len(other) else (other, core)
    if len(short) >= MIN_CONTAINED_LEN and short not in GENERIC_SHOP_WORDS and short in long_:
        return 0.8
    if (
        len(short) >= MIN_CONTAINED_LEN + 1
        and short[0] == long_[0]
        and short[-1] == long_[-1]
        and _is_subsequence(short, long_)
    ):
        return 0.75
    if len(grams & other_grams) / len(grams | other_grams) >= threshold:
        return 0.7
    return 0.0


def _fuzzy_stage(
    core: str, town: str | None, town_of: dict[str, str | None], fuzzy: _FuzzyIndex, threshold: float
) -> tuple[Any, str | None]:
    """Best fuzzy candidates; one business (after township preference) or ambiguous."""
    grams = _bigrams(core)
    scored: list[tuple[float, str]] = []
    for j in fuzzy.candidates(core):
        score = _fuzzy_score(core, grams, fuzzy.cores[j], fuzzy.grams[j], threshold)
        if score:
            scored.extend((score, b) for b in fuzzy.ids[j])
    if not scored:
        return None, None
    best = max(s for s, _ in scored)
    top = [b for s, b in scored if s == best]
    b, _ = _pick(top, town, town_of)
    if b is not None:
        return (b, "fuzzy", best, None), None
    return None, NOTE_AMBIGUOUS_FUZZY


class _AddressIndex:
    """Address keys of businesses, indexed for equality and containment look-ups."""

    def __init__(self, by_addr: dict[str, list[str]], gram: int = 4) -> None:
        self.by_addr = by_addr
        self.gram = gram
        self.by_head: dict[str, list[str]] = defaultdict(list)  # first gram → keys
        self.by_gram: dict[str, list[str]] = defaultdict(list)  # any gram → keys
        for key in by_addr:
            self.by_head[key[:gram]].append(key)
            for g in {key[i : i + gram] for i in range(len(key) - gram + 1)}:
                self.by_gram[g].append(key)

    def lookup(self, addr: str) -> list[str]:
        """Businesses whose address key equals, contains or is contained in ``addr``."""
        if addr in self.by_addr:
            return list(self.by_addr[addr])
        g = self.gram
        keys: set[str] = set()
        for i in range(len(addr) - g + 1):  # business key inside the target address
            for key in self.by_head.get(addr[i : i + g], ()):
                if key in addr:
                    keys.add(key)
        for key in self.by_gram.get(addr[:g], ()):  # target address inside a business key
            if addr in key:
                keys.add(key)
        return [b for key in sorted(keys) for b in self.by_addr[key]]


def _by_shared_bigrams(core: str, found: list[str], town: str | None, idx: BusinessIndex) -> str | None:
    """The one candidate (same township first) whose core shares the most bigrams with ``core``."""
    pool = [b for b in found if idx.town_of.get(b) == town] or found
    grams = _bigrams(core)
    scores = [(len(grams & _bigrams(idx.core_of.get(b) or "")), b) for b in pool]
    best = max((sc for sc, _ in scores), default=0)
    winners = [b for sc, b in scores if sc == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def _address_stage(
    addr: Any,
    town: str | None,
    idx: BusinessIndex,
    note: str,
    among: list[str] | None = None,
    core: str | None = None,
) -> tuple[str | None, str | None, float, str | None]:
    """Address match with one business, or one in the target's township.

    With ``among`` (businesses sharing the target's name core) the address only chooses
    among them and a hit keeps the ``core`` method.
    """
    if not (isinstance(addr, str) and len(addr) >= MIN_ADDRESS_LEN):
        return None, None, float("nan"), note
    found = sorted(set(idx.addresses.lookup(addr)))
    if among is not None:
        found = [b for b in found if b in set(among)]
    b, ambiguous = _pick(found, town, idx.town_of)
    if b is None and ambiguous and among is None and core:
        # several businesses at that address: the one whose name shares words with the target
        b = _by_shared_bigrams(core, found, town, idx)
    if b is not None:
        return (b, "core", 0.9, None) if among is not None else (b, "address", 0.6, None)
    if ambiguous and note == NOTE_EMPTY:
        return None, None, float("nan"), NOTE_AMBIGUOUS_ADDRESS
    return None, None, float("nan"), note
