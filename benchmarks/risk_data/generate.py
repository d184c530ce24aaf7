"""Simulated inspection register with the behaviour of real (recast) food-inspection records.

Written for the risk benchmark, independent of ``guidance_analytics.samples``. It reproduces the facts
that issue 10 reports from a large public food-inspection register recast in the bureau's formats:

* result mix about 67 % 未发现问题, 19 % 发现问题已当场整改, 13.5 % 责令限期整改, < 1 % 移送立案;
* per 3-month window 10–19 % of the businesses inspected get a 责令限期整改 or worse;
* inspections follow past problems: a serious finding is followed by a re-inspection (复查) within
  one or two months, a minor one sometimes, and 专项检查 campaigns pick businesses with recent
  problems. Large, well-run outlets (supermarkets, canteens, chains) are inspected on a tight routine
  schedule and collect many minor on-the-spot findings but few serious ones, so a raw count of past
  problems mostly measures how often a business is inspected;
* severity persists: each business has a latent risk (persistent, shifted by industry, size and
  subject type) plus a transient state (monthly AR(1)); a serious finding deters for a while
  (the transient state drops), a complaint is more likely when the state is bad;
* 双随机抽查: a monthly uniform random draw (about a quarter of inspections), so an unbiased random
  baseline exists.

Output (UTF-8 with BOM, headers from ``guidance_analytics/schema.py``):

* ``permits.csv`` — 行政许可 (current 双公示 headers + 经营地址, 所属乡镇（街道）, 行业代码), one row
  per licence and renewal, 当前状态 正常/注销;
* ``inspections.csv`` — 检查编号, 检查日期, 被检查单位, 统一社会信用代码, 检查类型, 检查结果, 发现问题,
  问题数量, 违法行为类型, 检查人员, 经营地址, 所属乡镇, 行业代码;
* ``truth.csv`` — latent risk, size class and dates per business (for diagnostics only: the
  benchmark's scorers never read it);
* ``risk_state.npz``, ``events.csv`` (every inspection with its *true* kind: 复查 is written as
  日常检查 in ``inspections.csv``) and ``params.json`` (the world's parameters) — for the
  benchmark's ceilings only (``risk_data/posterior.py``); writing them draws no random number.

Credit codes are synthetic but GB 32100-valid (region 370323; the organisation-code part carries its
GB 11714 check character and the 18th character its GB 32100 check). Townships are assigned
deterministically from the business index (hash), weighted towards the two urban 街道.

Usage: ``python benchmarks/risk_data/generate.py OUT_DIR [--businesses 12000] [--seed 7]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # letters allowed in the organisation part
REGION = "370323"

TOWNSHIPS = (  # name, weight (urban 街道 hold most businesses)
    ("历山街道", 0.26),
    ("南麻街道", 0.24),
    ("鲁村镇", 0.06),
    ("东里镇", 0.06),
    ("悦庄镇", 0.05),
    ("西里镇", 0.04),
    ("大张庄镇", 0.05),
    ("中庄镇", 0.05),
    ("张家坡镇", 0.05),
    ("燕崖镇", 0.04),
    ("石桥镇", 0.05),
    ("南鲁山镇", 0.05),
)

# industry class, share of businesses, risk shift, P(large), P(medium), licence item, name suffixes
INDUSTRIES = (
    ("6210", 0.17, 0.35, 0.06, 0.40, "食品经营许可", ("饭店", "酒楼", "菜馆", "餐厅")),
    ("6220", 0.08, 0.20, 0.10, 0.40, "食品经营许可", ("快餐店", "快餐")),
    ("6291", 0.17, 0.45, 0.00, 0.15, "食品经营许可", ("小吃店", "面馆", "包子铺", "煎饼铺", "粥店")),
    ("6231", 0.02, 0.00, 0.02, 0.30, "食品经营许可", ("茶馆", "茶社")),
    ("6241", 0.01, 0.40, 0.40, 0.50, "食品经营许可", ("配餐中心", "餐饮管理有限公司")),
    ("5211", 0.05, -0.10, 0.15, 0.40, "食品经营许可", ("百货店", "商店")),
    ("5212", 0.05, -0.05, 0.55, 0.35, "食品经营许可", ("超市", "购物广场")),
    ("5213", 0.12, -0.15, 0.03, 0.25, "食品经营许可", ("便利店", "便民店")),
    ("5224", 0.06, 0.30, 0.00, 0.20, "食品经营许可", ("肉食店", "熟食店", "水产店")),
    ("5222", 0.03, 0.10, 0.02, 0.25, "食品经营许可", ("糕点店", "面包房")),
    ("5229", 0.04, 0.00, 0.02, 0.20, "食品经营许可", ("食品店", "副食店")),
    ("5251", 0.06, -0.45, 0.15, 0.50, "药品经营许可", ("大药房", "药店")),
    ("6129", 0.04, -0.10, 0.05, 0.40, "公共场所卫生许可", ("宾馆", "旅馆")),
    ("8051", 0.02, 0.10, 0.05, 0.45, "公共场所卫生许可", ("洗浴中心", "浴池")),
    ("1411", 0.02, 0.40, 0.05, 0.30, "食品小作坊登记", ("糕点坊", "食品加工坊")),
    ("1392", 0.02, 0.50, 0.00, 0.20, "食品小作坊登记", ("豆腐坊", "豆制品加工坊")),
    ("8393", 0.02, -0.30, 0.05, 0.40, "民办学校办学许可", ("培训学校", "艺术培训中心")),
    ("9011", 0.02, 0.20, 0.05, 0.50, "娱乐场所经营许可", ("KTV", "歌舞厅")),
)

NAME_CHARS = (
    "鑫 隆 福 顺 兴 盛 源 泰 祥 瑞 丰 和 康 嘉 佳 宏 昌 达 鸿 旺 利 万 金 银 永 恒 诚 信 "
    "德 华 美 乐 悦 安 宁 新 亿 鼎 晨 阳 春 秋 润 泽 宇 明 光 雅 博 益 众 合 腾 飞 凯 锦 绣 "
    "天 海 山 沂 鲁 齐 豪 友 家 兰 梅 竹 松 林 荣 贵 红 星 月 富 乾 坤 广 远 志 成"
).split()
ROADS = (
    "鲁山路",
    "胜利路",
    "健康路",
    "振兴路",
    "城南路",
    "荆山路",
    "螳螂河路",
    "沂河路",
    "新城路",
    "中心大街",
)
ORDER_PROBLEMS = (
    ("使用超过保质期的食品原料", "经营超过保质期食品"),
    ("未取得健康证明从事接触直接入口食品工作", "从业人员管理不规范"),
    ("食品与非食品混放、生熟不分", "食品贮存不规范"),
    ("防蝇防鼠设施缺失", "环境卫生不达标"),
    ("未建立进货查验记录", "进货查验不落实"),
    ("餐饮具未消毒", "餐饮具清洗消毒不到位"),
    ("超范围经营", "超范围经营"),
    ("处方药未凭处方销售", "药品经营不规范"),
)
MINOR_PROBLEMS = (
    "台账记录不完整",
    "健康证明未公示",
    "操作间地面不洁",
    "垃圾桶未加盖",
    "温湿度记录缺失",
    "消毒记录不全",
    "许可证未悬挂",
    "员工未穿戴工作衣帽",
    "价签不规范",
    "标签标识不清",
)

TYPES = ("复查", "日常检查", "双随机抽查", "投诉核查", "专项检查")  # 复查 is written as 日常检查
# 专项检查: each quarter's first month two of these industry divisions (drawn without replacement)
CAMPAIGN_DIVISIONS = ("62", "52", "61", "80", "14", "90", "83")
CAMPAIGN_P = (0.35, 0.25, 0.1, 0.08, 0.1, 0.06, 0.06)
# food businesses (these industry divisions) get more minor findings: + FOOD_MINOR_SHIFT on the logit
FOOD_DIVISIONS = ("62", "52", "14", "13")
FOOD_MINOR_SHIFT = 0.3
# monthly decay of the recent-problem weight that 专项检查 campaigns target (half-life about a year)
RECENT_DECAY = 0.945


@dataclass
class Params:
    """Knobs of the simulated world (monthly steps)."""

    businesses: int = 12000
    start: str = "2020-01-01"
    end: str = "2024-12-31"
    seed: int = 7
    share_existing: float = 0.66  # licensed before ``start``
    close_rate_year: float = 0.06
    latent_sd: float = 0.7
    latent_redraw_year: float = 0.12  # a new operator: the latent risk is drawn afresh
    state_rho: float = 0.85  # monthly persistence of the transient state
    state_sd: float = 0.85  # stationary sd of the transient state
    new_business_shift: float = 0.7  # first year after opening
    individual_shift: float = 0.15  # 个体工商户 vs 企业
    # serious finding (责令限期整改 or worse): logit = a + latent + state + type + size
    serious_a: float = -2.8
    serious_type: dict[str, float] = field(
        default_factory=lambda: {
            "复查": 0.0,
            "日常检查": -0.1,
            "双随机抽查": 0.0,
            "投诉核查": 0.9,
            "专项检查": 0.35,
        }
    )
    serious_size: tuple[float, float, float] = (0.0, -0.1, -0.55)  # small, medium, large
    referral_base: float = 0.02
    referral_after_order: float = 0.25
    # minor finding, given no serious one
    minor_a: float = -2.75
    minor_latent: float = 1.0
    minor_type: dict[str, float] = field(
        default_factory=lambda: {
            "复查": 0.1,
            "日常检查": 0.5,
            "双随机抽查": 0.0,
            "投诉核查": 0.5,
            "专项检查": 0.4,
        }
    )
    minor_size: tuple[float, float, float] = (0.0, 0.3, 1.1)
    # deterrence: drop of the transient state after a finding
    deter_order: float = 0.3
    deter_minor: float = 0.25
    # inspection intensity (per business per year)
    random_rate: float = 0.14
    routine_rate: tuple[float, float, float] = (0.015, 0.09, 2.2)
    new_business_routine: float = 0.8  # extra 日常检查 per year in the first year
    complaint_rate: tuple[float, float, float] = (0.025, 0.04, 0.10)
    complaint_gain: float = 0.9
    followup_after_order: tuple[float, float] = (0.6, 0.25)  # P(复查 in month +1), P(in +2)
    followup_after_minor: float = 0.30  # spread over months +1..+3
    campaign_share: float = 0.03  # of the campaign industry's businesses, times the targeting factor
    campaign_targeting: float = 2.0  # × (1 + this × recent-problem weight)
    licence_inspection: bool = True  # 许可勘验 at opening (not a routine inspection)


def gb11714_check(body8: str) -> str:
    """Check character of an 8-character organisation code body (GB 11714)."""
    total = sum(ORG_CHARS.index(c) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def gb32100_check(body17: str) -> str:
    """18th character of a unified social credit code (GB 32100)."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def make_uscc(prefix: str, rng: np.random.Generator) -> str:
    """A GB 32100-valid code: prefix (91 企业 / 92 个体工商户), region 370323, organisation code."""
    if rng.random() < 0.6:  # post-2015 registrations: MA + 6 characters
        body = "MA" + "".join(rng.choice(list(USCC_CHARS[:-1]), 6))
    else:
        body = "".join(rng.choice(list("0123456789"), 8))
    body = body.replace("I", "1").replace("O", "0")
    if not all(c in ORG_CHARS for c in body):  # pragma: no cover - charset is a subset
        raise ValueError(body)
    head = prefix + REGION + body + gb11714_check(body)
    return head + gb32100_check(head)


def _hash_unit(key: str) -> float:
    return int(hashlib.sha1(key.encode()).hexdigest()[:12], 16) / float(16**12)


def township_of(index: int) -> str:
    """Deterministic township of business ``index`` (weighted by ``TOWNSHIPS``)."""
    u = _hash_unit(f"township:{index}")
    acc = 0.0
    for name, weight in TOWNSHIPS:
        acc += weight
        if u < acc:
            return name
    return TOWNSHIPS[-1][0]


def _businesses(p: Params, rng: np.random.Generator, months: pd.PeriodIndex) -> pd.DataFrame:
    n = p.businesses
    ind_share = np.array([row[1] for row in INDUSTRIES])
    ind = rng.choice(len(INDUSTRIES), n, p=ind_share / ind_share.sum())
    p_large = np.array([INDUSTRIES[i][3] for i in ind])
    p_medium = np.array([INDUSTRIES[i][4] for i in ind])
    u = rng.random(n)
    size = np.where(u < p_large, 2, np.where(u < p_large + p_medium, 1, 0))
    individual = (size == 0) & (rng.random(n) < 0.85) | (size == 1) & (rng.random(n) < 0.45)
    shift = np.array([INDUSTRIES[i][2] for i in ind]) + p.individual_shift * individual
    latent = rng.normal(0.0, p.latent_sd, n) + shift
    n_months = len(months)
    existing = rng.random(n) < p.share_existing
    open_month = np.where(existing, -rng.integers(1, 96, n), rng.integers(0, n_months, n))
    monthly_close = p.close_rate_year / 12
    life = rng.geometric(monthly_close, n)
    close_month = np.maximum(open_month, 0) + life
    close_month = np.where(close_month < n_months, close_month, 10**6)
    towns = [township_of(i) for i in range(n)]
    names, seen = [], set()
    for i in range(n):
        town = towns[i]
        suffixes = INDUSTRIES[ind[i]][6]
        for attempt in range(50):
            word = "".join(rng.choice(NAME_CHARS, 2))
            suffix = suffixes[(i + attempt) % len(suffixes)]
            legal = "" if individual[i] else ("有限公司" if not suffix.endswith("有限公司") else "")
            name = f"沂源县{town}{word}{suffix}{legal}"
            if name not in seen:
                break
        else:  # pragma: no cover - 90 chars squared per township and suffix is plenty
            name = f"沂源县{town}{word}{suffix}{i}"
        seen.add(name)
        names.append(name)
    codes = [make_uscc("92" if individual[i] else "91", rng) for i in range(n)]
    addresses = [
        f"沂源县{towns[i]}{ROADS[rng.integers(len(ROADS))]}{rng.integers(1, 400)}号" for i in range(n)
    ]
    return pd.DataFrame(
        {
            "index": np.arange(n),
            "name": names,
            "uscc": codes,
            "individual": individual,
            "industry": [INDUSTRIES[i][0] for i in ind],
            "industry_ix": ind,
            "size": size,
            "latent": latent,
            "shift": shift,
            "township": towns,
            "address": addresses,
            "open_month": open_month,
            "close_month": close_month,
        }
    )


def _simulate(
    p: Params,
    rng: np.random.Generator,
    biz: pd.DataFrame,
    months: pd.PeriodIndex,
    trace: list[np.ndarray] | None = None,
    follow_trace: list[np.ndarray] | None = None,
) -> pd.DataFrame:
    n, n_months = len(biz), len(months)
    size = biz["size"].to_numpy()
    latent = biz["latent"].to_numpy().copy()
    base_shift = biz["shift"].to_numpy()
    open_m = biz["open_month"].to_numpy()
    close_m = biz["close_month"].to_numpy()
    ind = biz["industry_ix"].to_numpy()
    innov = p.state_sd * np.sqrt(1 - p.state_rho**2)
    state = rng.normal(0.0, p.state_sd, n)
    follow_at = np.full(n, -1)
    follow_after_order = np.zeros(n, dtype=bool)
    recent = np.zeros(n)  # decayed count of problems (half-life about a year)
    size_s = np.asarray(p.serious_size)
    size_m = np.asarray(p.minor_size)
    routine = np.asarray(p.routine_rate)[size] / 12
    complaint_base = np.asarray(p.complaint_rate)[size] / 12
    food = np.array([INDUSTRIES[i][0][:2] in FOOD_DIVISIONS for i in ind])
    rows = []
    for m in range(n_months):
        alive = (open_m <= m) & (m < close_m)
        state = p.state_rho * state + rng.normal(0.0, innov, n)
        redraw = rng.random(n) < p.latent_redraw_year / 12
        latent[redraw] = rng.normal(0.0, p.latent_sd, redraw.sum()) + base_shift[redraw]
        recent *= RECENT_DECAY
        age = m - open_m
        shift = latent + state + p.new_business_shift * (age < 12)
        if trace is not None:  # the risk this month's inspections face (diagnostics only; no draw)
            trace.append((shift + size_s[size]).astype(np.float32))
        if follow_trace is not None:  # the month of a scheduled 复查 (-1: none), as the month starts
            follow_trace.append(follow_at.astype(np.int16))
        planned: dict[str, np.ndarray] = {}
        planned["复查"] = alive & (follow_at == m)
        planned["日常检查"] = alive & (rng.random(n) < routine + p.new_business_routine / 12 * (age < 12))
        planned["双随机抽查"] = alive & (rng.random(n) < p.random_rate / 12)
        lam = complaint_base * np.exp(p.complaint_gain * (latent + state))
        planned["投诉核查"] = alive & (rng.random(n) < 1 - np.exp(-lam))
        # 专项检查: each quarter's first month two industry divisions get a campaign, targeted at
        # businesses with recent problems
        camp = np.zeros(n, dtype=bool)
        if m % 3 == 0:
            divisions = rng.choice(list(CAMPAIGN_DIVISIONS), 2, replace=False, p=list(CAMPAIGN_P))
            in_div = np.isin(biz["industry"].str[:2].to_numpy(), divisions)
            p_camp = p.campaign_share * (1 + p.campaign_targeting * np.minimum(recent, 2.0))
            camp = alive & in_div & (rng.random(n) < p_camp)
        planned["专项检查"] = camp
        if p.licence_inspection:
            opened = open_m == m
            for i in np.flatnonzero(opened):
                rows.append((i, m, "许可勘验", 0, 0))
        follow_at[planned["复查"]] = -1
        for kind in TYPES:
            idx = np.flatnonzero(planned[kind])
            if idx.size == 0:
                continue
            eta = p.serious_a + shift[idx] + p.serious_type[kind] + size_s[size[idx]]
            serious = rng.random(idx.size) < 1 / (1 + np.exp(-eta))
            after_order = follow_after_order[idx] & (kind == "复查")
            p_ref = np.where(after_order, p.referral_after_order, p.referral_base)
            referral = serious & (rng.random(idx.size) < p_ref)
            eta_m = (
                p.minor_a
                + p.minor_latent * latent[idx]
                + p.minor_type[kind]
                + size_m[size[idx]]
                + FOOD_MINOR_SHIFT * food[idx]
            )
            minor = ~serious & (rng.random(idx.size) < 1 / (1 + np.exp(-eta_m)))
            sev = np.where(referral, 3, np.where(serious, 2, np.where(minor, 1, 0)))
            for i, s in zip(idx, sev, strict=True):
                rows.append((i, m, kind, int(s), 0))
            # consequences: deterrence, recent-problem weight, re-inspection schedule
            state[idx[serious]] -= p.deter_order
            state[idx[minor]] -= p.deter_minor
            shift[idx[serious]] -= p.deter_order
            shift[idx[minor]] -= p.deter_minor
            recent[idx[serious | minor]] += 1.0
            if kind == "复查":
                follow_after_order[idx] = False
            s_idx = idx[serious]
            u = rng.random(s_idx.size)
            when = np.where(
                u < p.followup_after_order[0], m + 1, np.where(u < sum(p.followup_after_order), m + 2, -1)
            )
            keep = when > 0
            follow_at[s_idx[keep]] = when[keep]
            follow_after_order[s_idx[keep]] = True
            m_idx = idx[minor]
            m_idx = m_idx[(rng.random(m_idx.size) < p.followup_after_minor) & (follow_at[m_idx] < 0)]
            follow_at[m_idx] = m + rng.integers(1, 4, m_idx.size)
            follow_after_order[m_idx] = False
    out = pd.DataFrame(rows, columns=["index", "month", "kind", "severity", "_"]).drop(columns="_")
    first = pd.to_datetime([months[m].to_timestamp() for m in out["month"]])
    days_in = first.days_in_month.to_numpy()
    day = np.floor(rng.random(len(out)) * days_in).astype(int)
    out["date"] = first + pd.to_timedelta(day, unit="D")
    # the day within the month is drawn independently of the order of events in that month; a
    # 复查 is always scheduled for a later month than the finding it follows
    return out.sort_values(["index", "date"], kind="stable").reset_index(drop=True)


RESULT_LABELS = {0: "未发现问题", 1: "发现问题已当场整改", 2: "责令限期整改", 3: "移送立案"}


def _inspection_table(
    p: Params, rng: np.random.Generator, biz: pd.DataFrame, ev: pd.DataFrame
) -> pd.DataFrame:
    ev = ev.sort_values(["date", "index"], kind="stable").reset_index(drop=True)
    ym = ev["date"].dt.strftime("%Y%m")
    seq = ev.groupby(ym).cumcount() + 1
    numbers = "JC" + ym + seq.map("{:05d}".format)
    b = biz.set_index("index").loc[ev["index"]].reset_index(drop=True)
    problems, counts, vtypes = [], [], []
    for sev in ev["severity"].to_numpy():
        if sev == 0:
            problems.append("")
            counts.append(0)
            vtypes.append("")
        elif sev == 1:
            k = int(rng.integers(1, 4))
            problems.append("；".join(rng.choice(MINOR_PROBLEMS, k, replace=False)))
            counts.append(k)
            vtypes.append("")
        else:
            main = ORDER_PROBLEMS[int(rng.integers(len(ORDER_PROBLEMS)))]
            extra = int(rng.integers(0, 3))
            text = [main[0], *rng.choice(MINOR_PROBLEMS, extra, replace=False)]
            problems.append("；".join(text))
            counts.append(1 + extra)
            vtypes.append(main[1])
    inspectors = [
        f"执法证号3703230{rng.integers(100, 400)}、执法证号3703230{rng.integers(100, 400)}"
        for _ in range(len(ev))
    ]
    kind = ev["kind"].replace({"复查": "日常检查"})
    return pd.DataFrame(
        {
            "检查编号": numbers,
            "检查日期": ev["date"].dt.strftime("%Y-%m-%d"),
            "被检查单位": b["name"],
            "统一社会信用代码": b["uscc"],
            "检查类型": kind,
            "检查结果": ev["severity"].map(RESULT_LABELS),
            "发现问题": problems,
            "问题数量": counts,
            "违法行为类型": vtypes,
            "检查人员": inspectors,
            "经营地址": b["address"],
            "所属乡镇": b["township"],
            "行业代码": b["industry"],
            "_kind": ev["kind"],
            "_index": ev["index"],
        }
    )


def _permit_table(
    p: Params, rng: np.random.Generator, biz: pd.DataFrame, months: pd.PeriodIndex
) -> pd.DataFrame:
    start = months[0].to_timestamp()
    end = months[-1].to_timestamp(how="end").normalize()
    rows = []
    serial = 0
    for r in biz.itertuples(index=False):
        opened = start + pd.DateOffset(months=int(r.open_month)) + pd.Timedelta(days=int(rng.integers(0, 28)))
        closed = (
            start + pd.DateOffset(months=int(r.close_month)) + pd.Timedelta(days=int(rng.integers(0, 28)))
            if r.close_month < 10**6
            else None
        )
        item = INDUSTRIES[int(r.industry_ix)][5]
        decided = opened
        while decided <= end and (closed is None or decided < closed):
            serial += 1
            valid_to = decided + pd.DateOffset(years=5) - pd.Timedelta(days=1)
            renewal = decided > opened
            status = "正常"
            if closed is not None and closed <= valid_to:
                status = "注销"
            rows.append(
                {
                    "行政相对人名称": r.name,
                    "行政相对人类别": "个体工商户" if r.individual else "法人及非法人组织",
                    "行政相对人代码_1（统一社会信用代码）": r.uscc,
                    "法定代表人": "王某某",
                    "行政许可决定文书名称": f"{item.replace('登记', '')}决定书",
                    "行政许可决定文书号": f"源审批许〔{decided.year}〕{serial}号",
                    "许可类别": "普通",
                    "许可证书名称": item.replace("许可", "许可证") if "许可" in item else item,
                    "许可编号": f"YY{decided.year}{serial:07d}",
                    "许可内容": item,
                    "许可决定日期": decided.strftime("%Y-%m-%d"),
                    "有效期自": decided.strftime("%Y-%m-%d"),
                    "有效期至": valid_to.strftime("%Y-%m-%d"),
                    "许可机关": "沂源县行政审批服务局",
                    "当前状态": status,
                    "数据来源单位": "沂源县行政审批服务局",
                    "备注": "延续" if renewal else "",
                    "经营地址": r.address,
                    "所属乡镇（街道）": r.township,
                    "行业代码": r.industry,
                }
            )
            decided = valid_to + pd.Timedelta(days=1)
    return pd.DataFrame(rows)


def generate(out_dir: str | Path, params: Params | None = None) -> dict[str, Path]:
    """Write ``permits.csv``, ``inspections.csv``, ``truth.csv``, ``risk_state.npz``,
    ``events.csv`` and ``params.json`` into ``out_dir``."""
    p = params or Params()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(p.seed)
    months = pd.period_range(p.start, p.end, freq="M")
    biz = _businesses(p, rng, months)
    trace: list[np.ndarray] = []
    follow_trace: list[np.ndarray] = []
    ev = _simulate(p, rng, biz, months, trace, follow_trace)
    insp = _inspection_table(p, rng, biz, ev)
    permits = _permit_table(p, rng, biz, months)
    paths = {
        "permits": out / "permits.csv",
        "inspections": out / "inspections.csv",
        "truth": out / "truth.csv",
    }
    permits.to_csv(paths["permits"], index=False, encoding="utf-8-sig")
    insp.drop(columns=["_kind", "_index"]).to_csv(paths["inspections"], index=False, encoding="utf-8-sig")
    truth = biz[
        ["uscc", "name", "industry", "size", "individual", "latent", "township", "open_month", "close_month"]
    ]
    truth.to_csv(paths["truth"], index=False, encoding="utf-8-sig")
    # the full state of the world each month (latent + transient + new-business + size shift of the
    # serious-finding log-odds), for the "knows everything" ceiling of the benchmark; no scorer reads it
    paths["state"] = out / "risk_state.npz"
    np.savez_compressed(
        paths["state"],
        shift=np.stack(trace),
        follow_at=np.stack(follow_trace),
        uscc=np.asarray(truth["uscc"], dtype=str),
        months=np.asarray(months.astype(str), dtype=str),
    )
    # every inspection with its true kind (复查 included) and the world's parameters, for the
    # Bayes-posterior ceiling (risk_data/posterior.py); no random number is drawn here
    paths["events"] = out / "events.csv"
    ev[["index", "month", "kind", "severity"]].to_csv(paths["events"], index=False, encoding="utf-8")
    paths["params"] = out / "params.json"
    paths["params"].write_text(
        json.dumps(dataclasses.asdict(p), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return paths


def read_params(path: str | Path) -> Params:
    """The :class:`Params` written by :func:`generate` (``params.json``)."""
    return Params(**json.loads(Path(path).read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--businesses", type=int, default=Params.businesses)
    ap.add_argument("--seed", type=int, default=Params.seed)
    args = ap.parse_args(argv)
    paths = generate(args.out_dir, Params(businesses=args.businesses, seed=args.seed))
    for kind, path in paths.items():
        rows = sum(1 for _ in path.open(encoding="utf-8-sig")) - 1 if path.suffix == ".csv" else "-"
        print(kind, path, rows, "rows")


if __name__ == "__main__":
    main()
