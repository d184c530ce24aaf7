"""The synthetic county: reference data, credit codes and the business population.

Part of the sample generator (:mod:`guidance_analytics.samples`). Deterministic for a given
``numpy.random.Generator``.
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
REGION = "370323"
PLACEHOLDER = "00000000000000000X"

#: Townships and their relative weight in the business population.
TOWNSHIP_WEIGHTS = {
    "历山街道": 5.0,
    "南麻街道": 5.0,
    "鲁村镇": 1.6,
    "东里镇": 1.2,
    "悦庄镇": 1.3,
    "西里镇": 0.8,
    "大张庄镇": 0.8,
    "中庄镇": 0.9,
    "张家坡镇": 0.6,
    "燕崖镇": 0.8,
    "石桥镇": 0.7,
    "南鲁山镇": 0.9,
}
#: Townships where the 民宿 (B&B) licence boom happens.
BOOM_TOWNSHIPS = {"燕崖镇": 0.4, "中庄镇": 0.35, "石桥镇": 0.25}


def _data_text(name: str) -> str:
    return resources.files("guidance_analytics").joinpath("data", name).read_text(encoding="utf-8")


@cache
def load_words() -> dict:
    return json.loads(_data_text("sample_words.json"))


@cache
def load_industries() -> pd.DataFrame:
    """Generation table (``data/sample_industries.csv``) joined to the GB/T 4754 subset."""
    rows = list(csv.DictReader(io.StringIO(_data_text("sample_industries.csv"))))
    df = pd.DataFrame(rows)
    df["weight"] = df["weight"].astype(float)
    df["indiv_share"] = df["indiv_share"].astype(float)
    df["division"] = df["industry_code"].str[:2]
    ref = pd.DataFrame(list(csv.DictReader(io.StringIO(_data_text("industries.csv")))))
    sections = dict(zip(ref["division"], ref["section"], strict=True))
    df["section"] = df["division"].map(sections)
    return df


@cache
def load_townships() -> pd.DataFrame:
    return pd.DataFrame(list(csv.DictReader(io.StringIO(_data_text("townships.csv")))))


# --------------------------------------------------------------------------- credit codes
def org_check(code8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""

    def val(c: str) -> int:
        return int(c) if c.isdigit() else ord(c) - 55

    rem = 11 - sum(val(c) * w for c, w in zip(code8, _ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(rem, str(rem))


def uscc_check(code17: str) -> str:
    """GB 32100 check character of the first 17 characters."""
    total = sum(_USCC_VALUE[c] * w for c, w in zip(code17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_valid(code: str) -> bool:
    return len(code) == 18 and all(c in _USCC_VALUE for c in code) and uscc_check(code[:17]) == code[17]


def make_uscc(rng: np.random.Generator, prefix: str, new_style: bool) -> str:
    """A valid code: prefix (91/92/52) + region + organisation code (with GB 11714 check) + check."""
    if new_style:
        body = "MA" + "".join(rng.choice(list(USCC_CHARSET[:10] + "ABCDEFGHJKLMNPQRTUWXY"), 6))
    else:
        body = "".join(rng.choice(list("0123456789"), 8))
        body = str(rng.integers(1, 8)) + body[1:]
    org = body + org_check(body)
    if org[-1] not in _USCC_VALUE:  # cannot happen (X and digits are in the charset)
        org = org[:-1] + "0"
    code17 = prefix + REGION + org
    return code17 + uscc_check(code17)


def corrupt_check(rng: np.random.Generator, code: str) -> str:
    """Same code with a different (wrong) check character."""
    good = code[17]
    choices = [c for c in USCC_CHARSET if c != good]
    return code[:17] + str(rng.choice(choices))


# --------------------------------------------------------------------------- businesses
def _pick(rng: np.random.Generator, items: list[str]) -> str:
    return items[int(rng.integers(len(items)))]


def make_businesses(
    rng: np.random.Generator, n: int, start: pd.Timestamp, end: pd.Timestamp, boom: dict
) -> pd.DataFrame:
    """The business population with names, codes, places, industries, life spans and latent risk.

    ``boom`` describes the licence boom: dict(industry_code, start, end, n) — ``n`` extra
    businesses of that class opening between ``start`` and ``end`` (part of ``n``).
    """
    words = load_words()
    ind = load_industries()
    towns = list(TOWNSHIP_WEIGHTS)
    tw = np.array([TOWNSHIP_WEIGHTS[t] for t in towns])
    n_boom = min(int(boom["n"]), max(n // 10, 1))
    n_base = n - n_boom

    iw = ind["weight"].to_numpy()
    ind_idx = rng.choice(len(ind), size=n_base, p=iw / iw.sum())
    boom_row = int(np.flatnonzero(ind["industry_code"].to_numpy() == boom["industry_code"])[0])
    ind_idx = np.concatenate([ind_idx, np.full(n_boom, boom_row)])
    town_idx = rng.choice(len(towns), size=n, p=tw / tw.sum())
    bt = list(BOOM_TOWNSHIPS)
    bw = np.array(list(BOOM_TOWNSHIPS.values()))
    town_idx[n_base:] = [towns.index(bt[i]) for i in rng.choice(len(bt), size=n_boom, p=bw / bw.sum())]

    # life spans: ~75 % opened before the period (stock), the rest during it with a mild trend
    span_days = (end - start).days
    stock = rng.random(n) < 0.75
    open_days = np.where(
        stock,
        -rng.integers(30, 365 * 9, size=n),
        (np.sqrt(rng.random(n)) * span_days).astype(int),  # density rising over time
    )
    b0 = (pd.Timestamp(boom["start"]) - start).days
    b1 = (pd.Timestamp(boom["end"]) - start).days
    open_days[n_base:] = b0 + (rng.random(n_boom) ** 0.8 * (b1 - b0)).astype(int)
    stock[n_base:] = False
    open_date = start + pd.to_timedelta(open_days, unit="D")
    life_years = rng.exponential(30.0, size=n)
    close_date = open_date + pd.to_timedelta((life_years * 365).astype(int), unit="D")
    close_date = close_date.where(close_date <= end, pd.NaT)

    # names
    chars = list(dict.fromkeys(words["zihao_chars"]))
    surnames = list(dict.fromkeys(words["surnames"]))
    used: set[tuple[str, str]] = set()
    by_family: dict[str, list[tuple[str, str]]] = {}
    names: set[str] = set()
    rows = []
    for i in range(n):
        r = ind.iloc[int(ind_idx[i])]
        town = towns[int(town_idx[i])]
        family = r["family"]
        company_words = [w for w in r["company_words"].split("|") if w]
        shop_words = [w for w in r["shop_words"].split("|") if w]
        indiv = bool(shop_words) and rng.random() < r["indiv_share"]
        if family == "school":
            subject, prefix = "法人及非法人组织", "52"
        elif indiv:
            subject, prefix = "个体工商户", "92"
        else:
            subject, prefix = "法人及非法人组织", "91"
        same = by_family.setdefault(family, [])
        town_short = town.removesuffix("街道").removesuffix("镇")
        reuse = subject == "个体工商户" and rng.random() < 0.05
        for attempt in range(60):
            others = [z for z, t in same[-200:] if t != town] if reuse and attempt == 0 else []
            if others:
                zihao = _pick(rng, others)  # same 字号 and trade in another township: ambiguous sign
            else:
                zihao = _pick(rng, chars) + _pick(rng, chars)
                if zihao[0] == zihao[1] or (zihao, family) in used:
                    continue
            if subject == "个体工商户":
                shop = _pick(rng, shop_words)
                name = f"沂源县{town}{zihao}{shop}"
                sign = f"{zihao}{shop}"
                core = f"{town}{zihao}{shop}"
            elif family == "school":
                word = _pick(rng, company_words)
                name = f"沂源县{zihao}{word}"
                sign = f"{zihao}{word}"
                core = sign
            else:
                word = _pick(rng, company_words)
                suffix = "有限公司" if rng.random() < 0.93 else "有限责任公司"
                name = f"沂源县{zihao}{word}{suffix}"
                core = f"{zihao}{word}"
                sign = f"{zihao}{_pick(rng, shop_words)}" if shop_words else core
            if name not in names:
                break
        names.add(name)
        used.add((zihao, family))
        same.append((zihao, town))
        if town in ("历山街道", "南麻街道"):
            address = f"沂源县{town}{_pick(rng, words['roads_town'])}{int(rng.integers(1, 400))}号"
        elif rng.random() < 0.3:
            address = f"沂源县{town}{town_short}{_pick(rng, words['building'])}{int(rng.integers(1, 80))}号"
        else:
            village = _pick(rng, words["village_prefix"]) + _pick(rng, words["village_stem"]) + "村"
            address = f"沂源县{town}{village}{int(rng.integers(1, 300))}号"
        new_style = (not stock[i]) or rng.random() < 0.6
        uscc = make_uscc(rng, prefix, new_style)
        rows.append(
            {
                "truth_id": f"B{i + 1:05d}",
                "name": name,
                "name_core": core,
                "sign_name": sign,
                "zihao": zihao,
                "subject_type": subject,
                "uscc_issued": uscc,
                "township": town,
                "address": address,
                "industry_code": r["industry_code"],
                "industry_name": r["name"],
                "division": r["division"],
                "section": r["section"],
                "family": family,
                "licences": r["licences"],
                "legal_rep": _pick(rng, surnames) + "某某",
            }
        )
    df = pd.DataFrame(rows)
    df["stock"] = stock
    df["boom"] = np.arange(n) >= n_base
    df["open_date"] = open_date
    df["close_date"] = close_date

    # code defects: placeholder for some 个体工商户, wrong check character for a few
    indiv_idx = np.flatnonzero(df["subject_type"].to_numpy() == "个体工商户")
    n_ph = max(1, int(round(len(indiv_idx) * 0.04)))
    ph = rng.choice(indiv_idx, size=min(n_ph, len(indiv_idx)), replace=False)
    others = np.setdiff1d(np.arange(n), ph)
    n_bad = max(2, int(round(n * 0.005)))
    bad = rng.choice(others, size=min(n_bad, len(others)), replace=False)
    df["uscc"] = df["uscc_issued"]
    df["placeholder"] = False
    df.loc[ph, "uscc"] = PLACEHOLDER
    df.loc[ph, "placeholder"] = True
    df["reg_no"] = ""
    df.loc[ph, "reg_no"] = [f"{REGION}600{int(x):06d}" for x in rng.integers(0, 10**6, len(ph))]
    df["wrong_check"] = False
    df.loc[bad, "uscc"] = [corrupt_check(rng, c) for c in df.loc[bad, "uscc_issued"]]
    df.loc[bad, "wrong_check"] = True

    # latent risk: persistent multiplier, ~3 % risky, some deteriorating / improving
    mult = rng.lognormal(-0.125, 0.5, size=n)
    kind = np.array(["normal"] * n, dtype=object)
    u = rng.random(n)
    kind[u < 0.03] = "risky"
    kind[(u >= 0.03) & (u < 0.11)] = "deteriorating"
    kind[(u >= 0.11) & (u < 0.19)] = "improving"
    # the boom class stays plain (normal risk only) so that its rate per licence is constant
    kind[(df["industry_code"] == boom["industry_code"]).to_numpy()] = "normal"
    df["risk_kind"] = kind
    df["risk_mult"] = np.where(kind == "risky", rng.uniform(5.0, 8.0, size=n), mult)
    # trajectory window (months from start) for deteriorating / improving businesses
    df["traj_start"] = rng.integers(0, 30, size=n)
    df["traj_len"] = rng.integers(6, 18, size=n)
    return df
