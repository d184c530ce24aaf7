"""Matching complaint targets (被反映对象) to licence holders.

:func:`match_targets` links each work order to at most one business by credit code, exact name,
name core, fuzzy name, trade name, then address; :class:`BusinessIndex` holds the look-up
structures over the business table so that one import builds them once and matches page after
page against them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from .codes import USCC_IN_TEXT
from .identity import (
    GENERIC_SHOP_WORDS,
    OTHER_TOWNSHIP,
    cores_of_norms,
    name_core,
    normalize_address,
    normalize_name,
    text_series,
    township_canonical,
)
from .schema import USCC_PLACEHOLDER

__all__ = ["KEY_COLUMNS", "MATCH_COLUMNS", "BusinessIndex", "match_targets", "screen_targets", "target_keys"]


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
_VAGUE_RE = re.compile("|".join(map(re.escape, _VAGUE_WORDS)))


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text}


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _texts(values: Any) -> pa.Array:
    """Strings as an arrow array, empty strings and anything that is not a string as null."""
    values = np.asarray(values, dtype=object)
    try:
        arr = pa.array(values, pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a non-string value: keep the strings only
        arr = pa.array([v if isinstance(v, str) else None for v in values.tolist()], pa.string())
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _present(values: np.ndarray, min_len: int = 1) -> np.ndarray:
    """Mask of the non-empty strings (of at least ``min_len`` characters) of an object array."""
    lengths = pc.fill_null(pc.utf8_length(_texts(values)), 0).to_numpy(zero_copy_only=False)
    return lengths >= max(min_len, 1)


def _isin(values: pd.Series, keys: Iterable[str]) -> np.ndarray:
    """``values.isin(keys)`` as a bool array, with arrow's hash look-up (pandas' is slow on many keys)."""
    if getattr(values.dtype, "storage", None) == "pyarrow":
        arr = pa.chunked_array(values.array.__arrow_array__())
    else:
        arr = pa.array(text_series(values).to_numpy(dtype=object), pa.string(), from_pandas=True)
    found = pc.is_in(arr, value_set=pa.array(list(keys), pa.string()))
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False).astype(bool, copy=True)


def _group_ids(keys: np.ndarray, ids: np.ndarray, min_len: int = 1) -> dict[str, list[str]]:
    """key → ids having it, in row order, for the non-empty keys (of ``min_len`` characters or more)."""
    keep = _present(keys, min_len)
    k, v = keys[keep], ids[keep]
    codes, uniques = pd.factorize(k)  # keys in order of first appearance
    if len(uniques) == len(k):  # nearly always: every key once
        return dict(zip(uniques.tolist(), [[b] for b in v.tolist()], strict=True))
    order = np.argsort(codes, kind="stable")  # rows of each key together, in row order
    starts = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0])
    groups = np.split(v[order], starts[1:])
    return dict(zip(uniques.tolist(), [g.tolist() for g in groups], strict=True))


def _singles(groups: dict[str, list[str]]) -> dict[str, str]:
    """key → id of the keys that belong to exactly one id."""
    if len(groups) and all(map((1).__eq__, map(len, groups.values()))):
        return dict(zip(groups, map(itemgetter(0), groups.values()), strict=True))
    return {k: ids[0] for k, ids in groups.items() if len(ids) == 1}


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
    >>> businesses = pd.DataFrame({"business_id": ["B1", "B2"],
    ...                            "name": ["沂源县老王饭店", "沂源县佳佳乐超市有限公司"]})
    >>> index = BusinessIndex(businesses)            # once, then match page after page
    >>> page = pd.DataFrame({"target_name": ["老王饭店", "佳佳乐超市"], "address": [None, None],
    ...                      "township": [None, None]})
    >>> match_targets(page, index)["business_id"].tolist()
    ['B1', 'B2']
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
            township_canonical(text_series(biz["township"])).to_numpy(dtype=object)
            if "township" in biz
            else np.full(len(biz), np.nan, dtype=object)
        )
        self.size = len(biz)
        self.town_of: dict[str, str | None] = dict(
            zip(b_id, np.where(pd.notna(b_town), b_town, None).tolist(), strict=True)
        )
        self.known_ids = set(b_id)
        # built column-wise (pandas / arrow), not by appending to dicts business by business
        self.by_norm = _group_ids(b_norm, b_id)
        self.by_core = _group_ids(b_core, b_id)
        by_addr = _group_ids(b_addr, b_id, min_len=MIN_ADDRESS_LEN)
        has_core = _present(b_core)
        self.core_of: dict[str, str] = dict(zip(b_id[has_core], b_core[has_core], strict=True))
        #: names and cores that belong to exactly one business (the column-wise stages)
        self.single_norm = _singles(self.by_norm)
        self.single_core = _singles(self.by_core)
        cores = list(self.by_core)
        brands = _brands(cores)
        by_brand: dict[str, list[str]] = defaultdict(list)
        for core, brand in zip(cores, brands, strict=True):
            if brand is not None:
                by_brand[brand].extend(self.by_core[core])
        self.by_brand = dict(by_brand)
        self.fuzzy = _FuzzyIndex(self.by_core)
        self.addresses = _AddressIndex(by_addr)

    @staticmethod
    def _column(biz: pd.DataFrame, name: str, fn: Any) -> np.ndarray:
        """A given normalised column, computed from ``name`` where absent or missing."""
        if name in biz:
            given = text_series(biz[name])
            if given.notna().all() or "name" not in biz:
                return given.to_numpy(dtype=object)
            return given.fillna(text_series(fn(biz["name"]))).to_numpy(dtype=object)
        return fn(biz["name"]).to_numpy(dtype=object)

    def _fast_stages(
        self,
        names: pd.Series,
        res_id: np.ndarray,
        res_method: np.ndarray,
        res_conf: np.ndarray,
        res_note: np.ndarray,
    ) -> np.ndarray:
        """Settle the common cases column-wise; return the mask of targets left to the staged matcher.

        Settled here, with the answers :func:`_match_one` would give: a name whose normalised form
        belongs to exactly one business (``exact``); else a name unknown as a whole whose core
        belongs to exactly one business (``core``); and, against an empty business table, every
        target (unmatched). Names holding an 18-character run of code characters always go to
        the staged matcher (credit-code stage first).
        """
        given = names.notna().to_numpy(dtype=bool, copy=True)
        if given.any():
            given &= (names.astype("str").str.strip() != "").to_numpy(dtype=bool, na_value=False)
        norm = normalize_name(names)
        code_like = norm.str.contains(r"[0-9A-Z]{18}", regex=True).to_numpy(dtype=bool, na_value=False)
        slow = code_like.copy()
        open_ = ~code_like
        if self.size == 0:
            res_note[open_ & given] = NOTE_NOT_FOUND
            res_note[open_ & ~given] = NOTE_EMPTY
            return slow
        exact = norm.map(self.single_norm).to_numpy(dtype=object, na_value=None)
        hit = open_ & pd.notna(exact)
        res_id[hit], res_method[hit], res_conf[hit] = exact[hit], "exact", 1.0
        open_ &= ~hit
        # a norm shared by several businesses: ambiguity is for the staged matcher to settle
        known_norm = _isin(norm, self.by_norm)
        slow |= open_ & known_norm
        open_ &= ~known_norm & given
        if open_.any():
            core = pd.Series(np.nan, index=names.index, dtype="str")
            core[open_] = name_core(names[open_])
            single = core.map(self.single_core).to_numpy(dtype=object, na_value=None)
            hit = open_ & pd.notna(single)
            res_id[hit], res_method[hit], res_conf[hit] = single[hit], "core", 0.9
            open_ &= ~hit
        slow |= open_ | (~code_like & ~given)
        return slow

    def match(self, targets: pd.DataFrame, fuzzy_threshold: float = 0.7) -> pd.DataFrame:
        """Match targets; see :func:`match_targets`."""
        n = len(targets)
        index = targets.index
        if self.size == 0:  # nothing to match against: every target is unmatched, with its reason
            return _unmatched(targets)
        empty = pd.Series(np.nan, index=index, dtype="object")
        t_name = text_series(targets["target_name"]) if "target_name" in targets else empty
        t_addr = text_series(targets["address"]) if "address" in targets else empty
        t_town = township_canonical(text_series(targets["township"])) if "township" in targets else empty
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
        m = len(uniq)
        res_id = np.full(m, None, dtype=object)
        res_method = np.full(m, None, dtype=object)
        res_conf = np.full(m, np.nan, dtype="float64")
        res_note = np.full(m, None, dtype=object)
        slow = self._fast_stages(u_name, res_id, res_method, res_conf, res_note)

        # everything else: the staged matcher, one distinct target at a time
        rows = np.flatnonzero(slow)
        if len(rows):
            sub = uniq.iloc[rows]
            names = sub["name"].to_numpy(dtype=object)
            towns = sub["town"].to_numpy(dtype=object)
            t_norm = normalize_name(u_name.iloc[rows]).to_numpy(dtype=object)
            t_core = name_core(u_name.iloc[rows]).to_numpy(dtype=object)
            t_addr_key = normalize_address(sub["addr"]).to_numpy(dtype=object)
            for k, i in enumerate(rows):
                res_id[i], res_method[i], res_conf[i], res_note[i] = _match_one(
                    names[k] if isinstance(names[k], str) and names[k].strip() else None,
                    t_norm[k],
                    t_core[k],
                    t_addr_key[k],
                    towns[k] if isinstance(towns[k], str) else None,
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


def _unmatched(targets: pd.DataFrame) -> pd.DataFrame:
    """The result for an empty business table: unmatched, 被反映对象为空 or 未找到…."""
    index = targets.index
    coded = np.zeros(len(index), dtype=bool)
    if "target_name" in targets:
        names = targets["target_name"].astype("str").str.strip()
        named = (names.notna() & (names != "")).to_numpy(dtype=bool, na_value=False)
        # a credit-code-like run (18 code characters once normalised): the note says so
        suspect = names.str.len().to_numpy(dtype="float64", na_value=0) >= 18
        if suspect.any():
            counts = names[suspect].str.upper().str.count(r"[0-9A-Z０-９Ａ-Ｚ]")
            suspect[suspect] = counts.to_numpy(dtype="float64", na_value=0) >= 18
        if suspect.any():
            coded[suspect] = (
                normalize_name(names[suspect])
                .str.contains(r"[0-9A-Z]{18}", regex=True)
                .to_numpy(dtype=bool, na_value=False)
            )
    else:
        named = np.zeros(len(index), dtype=bool)
    # one of three notes a row: taken from the three words (a row-long array of Python texts would
    # cost ten times as much to hand to arrow)
    which = np.where(coded, 2, np.where(named, 1, 0)).astype(np.int8)
    notes = pa.array([NOTE_EMPTY, NOTE_NOT_FOUND, NOTE_USCC_UNKNOWN], pa.large_string()).take(pa.array(which))
    return pd.DataFrame(
        {
            "business_id": pd.Series(np.nan, index=index, dtype="str"),
            "match_method": pd.Series(np.nan, index=index, dtype="str"),
            "match_confidence": pd.Series(np.nan, index=index, dtype="float64"),
            "match_note": pd.Series(pd.array(notes, dtype="str"), index=index),
        },
        index=index,
    )


#: Notes that mean "several businesses fit": a new business among them changes nothing by itself,
#: but the target must be matched again against all businesses.
_AMBIGUOUS = (NOTE_AMBIGUOUS_NAME, NOTE_AMBIGUOUS_CORE, NOTE_AMBIGUOUS_FUZZY, NOTE_AMBIGUOUS_ADDRESS)


def screen_targets(
    targets: pd.DataFrame,
    new: BusinessIndex,
    fuzzy_threshold: float = 0.7,
    keys: pd.DataFrame | None = None,
) -> np.ndarray:
    """Which targets a few new or changed businesses can affect: the ones to match again.

    A target's match can change only if one of ``new`` is a candidate for it at some stage of
    :func:`match_targets`. Kept (a superset of those): a target holding a credit-code-like run;
    the same normalised name or core as a new business; a new core contained in the target's core
    or containing it (3+ characters), or the shorter a subsequence with the same first and last
    character (4+), or character-bigram Jaccard ≥ ``fuzzy_threshold`` — pairs found by counting
    shared bigrams in one sparse product; the same trade name in the same township; an address
    that finds a new business's address. The caller matches the kept ones against all businesses.

    Parameters
    ----------
    targets : pandas.DataFrame
        ``target_name`` and optionally ``address``, ``township`` (as for :func:`match_targets`).
    new : BusinessIndex
        The new or changed businesses only.
    fuzzy_threshold : float
        As for :func:`match_targets`.
    keys : pandas.DataFrame, optional
        The targets' :func:`target_keys` (as stored per work order), aligned with ``targets``;
        computed here when not given.

    Returns
    -------
    numpy.ndarray of bool, aligned with ``targets``.
    """
    n = len(targets)
    if n == 0 or new.size == 0:
        return np.zeros(n, dtype=bool)
    if keys is None:
        keys = target_keys(targets)
    norm, core, addr_key, towns = (_stored(keys[c]) for c in KEY_COLUMNS)
    keep = _isin(norm, new.by_norm)
    keep |= norm.str.contains(r"[0-9A-Z]{18}", regex=True).to_numpy(dtype=bool, na_value=False)

    # name cores of the distinct names, against the new cores
    first = ~norm.duplicated() & norm.notna()
    uniq = pd.Series(norm[first].to_numpy(dtype=object), dtype="object")
    t_cores = core[first].to_numpy(dtype=object, na_value=np.nan)
    b_cores = list(new.by_core)
    hit_core = np.zeros(len(uniq), dtype=bool)
    bm, tm = _bigram_matrices(b_cores, list(t_cores))
    b_sizes = np.diff(bm.indptr).astype(np.int64)
    t_sizes = np.diff(tm.indptr).astype(np.int64)
    shared = (tm @ bm.T).tocoo()
    ti, bj, s = shared.row, shared.col, shared.data
    # a fuzzy candidate shares half the target's bigrams or all of its own; then one of the scores
    cand = (s >= np.maximum(1, t_sizes[ti] // 2)) | (s == b_sizes[bj])
    ti, bj, s = ti[cand], bj[cand], s[cand]
    jaccard = s / (t_sizes[ti] + b_sizes[bj] - s)
    hit_core[ti[jaccard >= fuzzy_threshold]] = True
    # containment needs every bigram of the shorter core shared; a subsequence the same first and
    # last characters: only such pairs are checked one by one
    first_t, last_t = _ends(core[first])
    first_b = np.array([c[0] for c in b_cores], dtype=object)
    last_b = np.array([c[-1] for c in b_cores], dtype=object)
    check = (jaccard < fuzzy_threshold) & ~hit_core[ti]
    check &= (s == np.minimum(t_sizes[ti], b_sizes[bj])) | (
        (first_t[ti] == first_b[bj]) & (last_t[ti] == last_b[bj])
    )
    for i, j in zip(ti[check], bj[check], strict=True):
        if not hit_core[i] and _contains_or_follows(t_cores[i], b_cores[j]):
            hit_core[i] = True
    hit_core |= _isin(core[first], b_cores)
    hit = dict(zip(uniq, hit_core, strict=True))
    keep |= norm.map(hit).eq(True).to_numpy(dtype=bool)

    # trade name in the same township (or anywhere when the target has none)
    brands = {
        name: brand
        for name, brand in zip(uniq.tolist(), _brands(list(t_cores)), strict=True)
        if brand is not None and brand in new.by_brand
    }
    if brands:
        pairs = {(brand, new.town_of.get(b)) for brand in set(brands.values()) for b in new.by_brand[brand]}
        t_brand = norm.map(brands).astype("str")
        pair_keys = [f"{brand}\x1f{town}" for brand, town in pairs if isinstance(town, str)]
        in_town = _isin(t_brand + "\x1f" + towns, pair_keys)
        keep |= t_brand.notna().to_numpy(dtype=bool) & (towns.isna().to_numpy(dtype=bool) | in_town)
    # addresses
    if new.addresses.by_addr:
        hits = {
            a: bool(new.addresses.lookup(a))
            for a in pd.unique(addr_key.dropna())
            if len(a) >= MIN_ADDRESS_LEN
        }
        keep |= addr_key.map(hits).eq(True).to_numpy(dtype=bool)
    return keep


def _ends(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """First and last character of each text ('' when missing or empty), as object arrays."""
    arr = pa.chunked_array(values.astype("str").array.__arrow_array__())
    arr = pc.fill_null(arr, "")
    first = pc.utf8_slice_codeunits(arr, 0, 1).to_numpy(zero_copy_only=False)
    last = pc.utf8_slice_codeunits(arr, -1, 2**31 - 1).to_numpy(zero_copy_only=False)
    return np.asarray(first, dtype=object), np.asarray(last, dtype=object)


#: Screening keys kept per work order (``complaints``, migration 008): normalised name, its core,
#: address key and township (given, else named by the address); '' where there is none.
KEY_COLUMNS = ("match_norm", "match_core", "match_address", "match_town")


def target_keys(targets: pd.DataFrame) -> pd.DataFrame:
    """The keys :func:`screen_targets` screens targets by, '' where a target has none.

    ``match_norm`` (:func:`normalize_name`), ``match_core`` (its :func:`name_core`),
    ``match_address`` (:func:`normalize_address`) and ``match_town`` (the canonical township,
    else the one the address names). Stored per work order, so that each licence import screens
    the stored keys instead of normalising every unmatched target again.

    Examples
    --------
    >>> keys = target_keys(pd.DataFrame({"target_name": ["沂源县南麻街道老王家常菜馆", None],
    ...                                  "address": [None, "鲁村镇府前路18号"], "township": [None, None]}))
    >>> keys.values.tolist()
    [['沂源县南麻街道老王家常菜馆', '老王家常菜馆', '', ''], ['', '', '府前路18号', '鲁村镇']]
    """
    empty = pd.Series(np.nan, index=targets.index, dtype="object")
    names = text_series(targets["target_name"]) if "target_name" in targets else empty
    norm = normalize_name(names)
    towns = township_canonical(text_series(targets["township"])) if "township" in targets else empty
    addr = text_series(targets["address"]) if "address" in targets else empty
    from_addr = township_canonical(addr)
    towns = towns.where(towns.notna(), from_addr.where(from_addr != OTHER_TOWNSHIP))
    uniq = pd.Series(pd.unique(norm.dropna()), dtype="object")
    cores = dict(zip(uniq.tolist(), cores_of_norms(uniq.astype("str")).tolist(), strict=True))
    out = {
        "match_norm": norm,
        "match_core": norm.map(cores),
        "match_address": normalize_address(addr),
        "match_town": towns,
    }
    return pd.DataFrame(
        {k: text_series(v).fillna("").astype("str").to_numpy() for k, v in out.items()}, index=targets.index
    ).astype("str")


def _stored(values: pd.Series) -> pd.Series:
    """A stored key column as ``str`` with NaN for none ('' or missing)."""
    text = values.astype("str")
    return text.where(text.notna() & (text != ""))


class _FuzzyIndex:
    """Bigram inverted index over business cores, for candidate collection (built column-wise)."""

    def __init__(self, by_core: dict[str, list[str]]) -> None:
        self.cores = list(by_core)
        self.ids = [by_core[c] for c in self.cores]
        self.grams = _LazyGrams(self.cores)
        if self.cores:
            (matrix,), vocabulary = _gram_matrices((self.cores,), 2)
            self.sizes = np.diff(matrix.indptr).astype(np.int64)
            self.posting: Any = _Postings(matrix, vocabulary)
        else:
            self.sizes = np.zeros(0, dtype=np.int64)
            self.posting = {}

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
        codes = [c for c in USCC_IN_TEXT.findall(upper) if c != USCC_PLACEHOLDER]
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
    if len(core) < 3 or _VAGUE_RE.search(core):
        return None
    brand = core[:2]
    return None if brand in GENERIC_SHOP_WORDS else brand


def _brands(cores: list[Any]) -> list[str | None]:
    """:func:`_brand` of many cores (None for missing ones), column-wise."""
    if not cores:
        return []
    text = _texts(cores)
    brand = pc.utf8_slice_codeunits(text, 0, 2)
    vague = pc.fill_null(pc.match_substring_regex(text, _VAGUE_RE.pattern), True)
    short = pc.fill_null(pc.less(pc.utf8_length(text), 3), True)
    generic = pc.is_in(brand, value_set=pa.array(sorted(GENERIC_SHOP_WORDS), pa.string()))
    bad = pc.or_(pc.or_(vague, short), pc.fill_null(generic, True))
    return pc.if_else(bad, pa.scalar(None, pa.string()), brand).to_pylist()


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


def _bigram_matrices(*groups: list[Any]) -> list[Any]:
    """One binary sparse matrix (cores × character bigrams, shared vocabulary) per group of cores,
    built with arrow kernels: the bigram sets of :func:`_bigrams` (a 1-character core is its own)."""
    return _gram_matrices(groups, 2)[0]


def _gram_matrices(groups: tuple[list[Any], ...], n: int) -> tuple[list[Any], pa.Array]:
    """Binary sparse matrices (texts × character n-grams) over one vocabulary, and that vocabulary.

    Row ``i`` of a matrix marks the distinct n-grams of text ``i`` (for ``n == 2`` a 1-character
    text is its own gram, as in :func:`_bigrams`; shorter texts and missing ones have none).
    """
    texts = [_texts(g) for g in groups]
    rows: list[list[np.ndarray]] = []
    grams: list[pa.Array] = []
    for arr in texts:
        lengths = pc.fill_null(pc.utf8_length(arr), 0).to_numpy(zero_copy_only=False)
        part_rows, part_grams = [], []
        for i in range(max(int(lengths.max(initial=0)) - n + 1, 1)):
            sel = lengths >= i + n if (i or n != 2) else (lengths >= 1)
            idx = np.flatnonzero(sel)
            part_rows.append(idx)
            part_grams.append(pc.utf8_slice_codeunits(arr.take(pa.array(idx)), i, i + n))
        rows.append(part_rows)
        grams.extend(part_grams)
    encoded = pc.dictionary_encode(pa.chunked_array(grams, pa.string())).combine_chunks()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    width = max(len(encoded.dictionary), 1)
    out, at = [], 0
    for arr, part_rows in zip(texts, rows, strict=True):
        r = np.concatenate(part_rows) if part_rows else np.zeros(0, np.int64)
        c = codes[at : at + len(r)]
        at += len(r)
        m = sparse.csr_matrix((np.ones(len(r), np.int32), (r, c)), shape=(len(arr), width))
        m.sum_duplicates()
        m.data[:] = 1  # a set: a gram twice in one text counts once
        out.append(m)
    return out, encoded.dictionary


class _Postings:
    """gram → sorted row numbers holding it, over a binary sparse matrix (a read-only mapping)."""

    def __init__(self, matrix: Any, vocabulary: pa.Array) -> None:
        csc = matrix.tocsc()
        csc.sort_indices()
        self._indptr = csc.indptr
        self._indices = csc.indices.astype(np.int64)
        self._column = {g: j for j, g in enumerate(vocabulary.to_pylist())}

    def get(self, gram: str, default: Any = None) -> Any:
        j = self._column.get(gram)
        if j is None:
            return default
        lo, hi = self._indptr[j], self._indptr[j + 1]
        return self._indices[lo:hi] if hi > lo else default


class _LazyGrams:
    """``grams[j]``: the bigram set of core ``j``, computed when first asked for."""

    def __init__(self, cores: list[str]) -> None:
        self._cores = cores
        self._done: dict[int, set[str]] = {}

    def __getitem__(self, j: int) -> set[str]:
        found = self._done.get(j)
        if found is None:
            found = self._done[j] = _bigrams(self._cores[j])
        return found

    def __len__(self) -> int:
        return len(self._cores)


def _contains_or_follows(core: str, other: str) -> bool:
    """The containment (0.8) or subsequence (0.75) condition of :func:`_fuzzy_score`."""
    short, long_ = (core, other) if len(core) <= len(other) else (other, core)
    if len(short) >= MIN_CONTAINED_LEN and short not in GENERIC_SHOP_WORDS and short in long_:
        return True
    return (
        len(short) >= MIN_CONTAINED_LEN + 1
        and short[0] == long_[0]
        and short[-1] == long_[-1]
        and _is_subsequence(short, long_)
    )


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
        self.keys = list(by_addr)
        if self.keys:
            (matrix,), vocabulary = _gram_matrices((self.keys,), gram)
            self._by_gram = _Postings(matrix, vocabulary)  # any gram → keys holding it
            heads = pc.utf8_slice_codeunits(pa.array(self.keys, pa.string()), 0, gram)
            (head_matrix,), head_vocabulary = _gram_matrices((heads.to_pylist(),), gram)
            self._by_head = _Postings(head_matrix, head_vocabulary)  # first gram → keys
        else:
            self._by_gram = self._by_head = None

    def _keys(self, postings: _Postings | None, gram: str) -> list[str]:
        rows = postings.get(gram) if postings is not None else None
        return [] if rows is None else [self.keys[j] for j in rows.tolist()]

    def lookup(self, addr: str) -> list[str]:
        """Businesses whose address key equals, contains or is contained in ``addr``."""
        if addr in self.by_addr:
            return list(self.by_addr[addr])
        g = self.gram
        keys: set[str] = set()
        for i in range(len(addr) - g + 1):  # business key inside the target address
            for key in self._keys(self._by_head, addr[i : i + g]):
                if key in addr:
                    keys.add(key)
        for key in self._keys(self._by_gram, addr[:g]):  # target address inside a business key
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
