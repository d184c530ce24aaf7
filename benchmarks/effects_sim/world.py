"""The simulated county: businesses, latent violation rates, and every random number of a run.

Independent of ``guidance_analytics.samples``: nothing here imports the package.

Model (month ``t`` of the data window, business ``i``, only while ``i`` operates)::

    log lam[i, t] = b0 + field[ind(i)] + town[township(i)] + season[sector(i), month(t)]
                    + shock[division(i), t]              # field-period AR(1) shock
                    + alpha[i]                           # persistent risk (latent rate)
                    + x[i, t]                            # transient AR(1) risk
                    + episode_shift * s[i, t]            # episodic bad spells (Markov 0/1)

Guidance multiplies ``lam`` by ``1 + effect`` from the guidance month on for ``effect_months``.
What the bureau sees is generated from ``lam`` (all counts Poisson):

* routine inspections (双随机抽查 / 日常检查) at a rate that depends on the business's persistent
  risk class only, plus 专项检查 campaigns in a division for a month; each finds a problem with
  probability ``q = 1 - exp(-lam)``;
* substantiated complaints at rate ``kappa * lam`` (found true when checked), unsubstantiated ones
  at a constant rate; a complaint is checked by a 投诉核查 inspection in the same month with
  probability ``p_check`` (problem found: ``det_sub`` for a substantiated complaint, ``q`` else);
* a problem's severity (当场整改 / 限期整改 / 移送立案); a 移送立案 leads to a penalty decided
  15–75 days later with probability ``p_penalty``.

Every random number is drawn once per seed (:func:`make_world`), so runs with the same seed and a
different selection or effect share the same world and the same potential events (common random
numbers). Substantiated complaints are generated at the largest rate and thinned by
``m / m_max``, which keeps the realisations monotone in the effect.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

DATA_START = pd.Timestamp("2021-01-01")
N_MONTHS = 48  # 2021-01 .. 2024-12

#: 12 townships of 沂源县 (code, name, weight of businesses, log-rate effect)
TOWNSHIPS = (
    ("370323001", "历山街道", 0.22, 0.10),
    ("370323002", "南麻街道", 0.18, 0.05),
    ("370323102", "鲁村镇", 0.07, -0.05),
    ("370323103", "东里镇", 0.06, 0.00),
    ("370323104", "悦庄镇", 0.06, -0.10),
    ("370323105", "西里镇", 0.05, 0.05),
    ("370323106", "大张庄镇", 0.06, -0.05),
    ("370323107", "中庄镇", 0.06, 0.10),
    ("370323108", "张家坡镇", 0.05, 0.00),
    ("370323109", "燕崖镇", 0.05, -0.15),
    ("370323110", "石桥镇", 0.07, 0.05),
    ("370323111", "南鲁山镇", 0.07, -0.05),
)
ROADS = ("人民路", "鲁山路", "健康路", "胜利路", "振兴路", "商业街", "文化路", "新华路", "工业路", "府前街")


@dataclass(frozen=True)
class Industry:
    """A GB/T 4754-2017 class with its licence, names and risk profile."""

    code: str
    name: str
    sector: str  # season and text family: food_service, food_retail, pharmacy, lodging, ...
    share: float
    field_effect: float  # log-rate effect
    insp_mult: float  # routine inspection rate multiplier
    licence: str
    certificate: str
    suffixes: tuple[str, ...]
    company_word: str


INDUSTRIES = (
    Industry(
        "6210",
        "正餐服务",
        "food_service",
        0.17,
        0.35,
        1.3,
        "食品经营许可",
        "食品经营许可证",
        ("饭店", "酒楼", "菜馆", "家常菜馆"),
        "餐饮",
    ),
    Industry(
        "6220",
        "快餐服务",
        "food_service",
        0.08,
        0.25,
        1.2,
        "食品经营许可",
        "食品经营许可证",
        ("快餐店", "快餐"),
        "餐饮",
    ),
    Industry(
        "6291",
        "小吃服务",
        "food_service",
        0.16,
        0.30,
        1.1,
        "小餐饮登记",
        "小餐饮登记证",
        ("小吃部", "面馆", "包子铺", "煎饼铺", "粥店"),
        "餐饮",
    ),
    Industry(
        "5212",
        "超级市场零售",
        "food_retail",
        0.07,
        0.05,
        1.0,
        "食品经营许可",
        "食品经营许可证",
        ("超市", "购物中心"),
        "商贸",
    ),
    Industry(
        "5213",
        "便利店零售",
        "food_retail",
        0.10,
        0.00,
        0.9,
        "食品经营许可",
        "食品经营许可证",
        ("便利店", "便民店"),
        "商贸",
    ),
    Industry(
        "5229",
        "其他食品零售",
        "food_retail",
        0.09,
        0.10,
        0.9,
        "食品经营许可",
        "食品经营许可证",
        ("食品店", "副食店", "干果店"),
        "食品",
    ),
    Industry(
        "5251",
        "西药零售",
        "pharmacy",
        0.05,
        -0.20,
        1.0,
        "药品经营许可",
        "药品经营许可证",
        ("大药房", "药店"),
        "医药",
    ),
    Industry(
        "6129",
        "其他一般旅馆",
        "lodging",
        0.07,
        0.00,
        0.9,
        "公共场所卫生许可",
        "公共场所卫生许可证",
        ("宾馆", "旅馆", "招待所"),
        "酒店管理",
    ),
    Industry(
        "8051",
        "洗浴服务",
        "lodging",
        0.03,
        0.15,
        0.9,
        "公共场所卫生许可",
        "公共场所卫生许可证",
        ("洗浴中心", "浴池"),
        "休闲",
    ),
    Industry(
        "9011",
        "歌舞厅娱乐活动",
        "entertainment",
        0.03,
        0.20,
        1.0,
        "娱乐场所经营许可",
        "娱乐经营许可证",
        ("KTV", "歌舞厅"),
        "文化娱乐",
    ),
    Industry(
        "5431",
        "普通货物道路运输",
        "transport",
        0.09,
        -0.10,
        0.7,
        "道路运输经营许可",
        "道路运输经营许可证",
        ("运输队", "货运部"),
        "物流",
    ),
    Industry(
        "4710",
        "住宅房屋建筑",
        "construction",
        0.06,
        0.00,
        0.8,
        "建筑工程施工许可",
        "建筑工程施工许可证",
        ("建筑队",),
        "建筑工程",
    ),
)
SECTORS = ("food_service", "food_retail", "pharmacy", "lodging", "entertainment", "transport", "construction")
#: Seasonal log-rate profile (12 calendar months) per sector: summer peak for food.
SEASON = {
    "food_service": (-0.15, -0.15, -0.10, 0.0, 0.10, 0.25, 0.30, 0.30, 0.10, 0.0, -0.15, -0.10),
    "food_retail": (0.10, 0.15, 0.0, -0.05, 0.0, 0.10, 0.15, 0.10, 0.0, -0.05, -0.05, 0.15),
}
NAME_CHARS = "鑫达兴隆盛源福顺祥瑞华鼎泰丰昌宏旺佳和美乐康安宁嘉信诚德聚利恒发金宝凯豪俊友凤睿鲁山沂川"


@dataclass(frozen=True)
class Size:
    """How big the county is and how much guidance it gives."""

    n_start: int  # businesses operating on 2021-01-01
    per_round: int  # businesses selected per guidance round (before 是否采纳 = 否)


SIZES = {
    "county": Size(n_start=2200, per_round=10),  # ~2,500 businesses seen, ~80 entries
    "small": Size(n_start=500, per_round=4),
    # the bundled samples' size: 2,500 businesses, 126 guidance entries in 9 rounds
    # (data_samples/truth/guidance.csv); 15 a round, 10 % declined, gives ~120 entries
    "sample": Size(n_start=2200, per_round=15),
}


@dataclass(frozen=True)
class Params:
    """Every knob of the simulation (defaults: see the module docstring)."""

    # businesses
    open_rate: float = 0.006  # new businesses per month, as a share of n_start
    close_hazard: float = 0.005  # per month
    share_individual: float = 0.7  # 个体工商户 (USCC 92…); else 法人及非法人组织 (91…)
    # latent risk
    b0: float = -2.9
    sigma_alpha: float = 0.8
    p_high: float = 0.05
    high_shift: float = 1.2
    rho: float = 0.6
    sigma_x: float = 0.45
    p_enter: float = 0.025
    p_stay: float = 0.75
    episode_shift: float = 1.3
    shock_rho: float = 0.7
    shock_sd: float = 0.12
    # observation
    insp_rate: float = 0.015  # routine inspections per month (at alpha = 0)
    insp_alpha: float = 0.35  # routine rate multiplier exp(insp_alpha * alpha): risk-classified draws
    campaigns_per_quarter: int = 1
    campaign_rate: float = 0.08  # inspections per business in the campaign division-month
    kappa: float = 0.10  # substantiated complaints per month = kappa * lam
    unsub_rate: float = 0.017
    p_check: float = 0.8
    det_sub: float = 0.9
    p_severity: tuple[float, float, float] = (0.55, 0.30, 0.15)
    p_penalty: float = 0.9
    density: float = 1.0  # scales every observation rate (inspections, campaigns, complaints)
    # guidance design
    rounds: tuple[str, ...] = (
        "2022-07-01",
        "2022-10-01",
        "2023-01-01",
        "2023-04-01",
        "2023-07-01",
        "2023-10-01",
        "2024-01-01",
        "2024-04-01",
        "2024-07-01",
    )
    effect_months: int = 12  # N: months the effect lasts from the guidance month on
    window_months: int = 6  # W: follow-up window of the estimators
    cooldown_months: int = 12  # not selected again within this many months of a guidance
    record_months: int = 12  # selection (1): violations in the last 12 months
    decline_share: float = 0.1  # reviewers answer 是否采纳 = 否 at random for this share
    pool_factor: int = 8  # draw (3): pool = top pool_factor * per_round eligible by risk score
    draw_floor: float = 0.02  # draw weights = floor + score
    interview_min_record: int = 3  # 约谈 when the 12-month record is at least this, else 提示提醒

    def with_overrides(self, **overrides: Any) -> Params:
        return replace(self, **overrides)


@dataclass
class World:
    """The latent county of one seed and its potential events (independent of guidance)."""

    seed: int
    size: Size
    params: Params
    months: pd.DatetimeIndex
    biz: pd.DataFrame  # one row per business (index = position)
    lam0: np.ndarray  # (n, T) latent rate without guidance, 0 where not operating
    open_: np.ndarray  # (n, T) bool, operating during month t
    routine_rate: np.ndarray  # (n, T) routine + campaign inspection rate
    events: pd.DataFrame  # potential events with their uniforms
    campaigns: pd.DataFrame  # division, month index
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.biz)


# -- credit codes (GB 32100-2015 / GB 11714), written here so the simulation stays independent ----
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def make_uscc(prefix: str, region: str, body8: str) -> str:
    """A credit code with valid organisation-code and GB 32100 check characters."""
    check = 11 - sum(_org_value(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True)) % 11
    org = body8 + ("X" if check == 10 else "0" if check == 11 else str(check))
    head = prefix + region + org
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(head, _USCC_WEIGHTS, strict=True))
    return head + USCC_CHARSET[(31 - total % 31) % 31]


# -- the world ------------------------------------------------------------------------------------
def _businesses(rng: np.random.Generator, size: Size, p: Params) -> pd.DataFrame:
    n_open = rng.poisson(p.open_rate * size.n_start, N_MONTHS)
    open_month = np.concatenate([np.full(size.n_start, -1), np.repeat(np.arange(N_MONTHS), n_open)])
    n = len(open_month)
    # months operated before closing (geometric), counted from the first operating month
    life = rng.geometric(p.close_hazard, n)
    first = np.where(open_month < 0, 0, open_month + 1)  # a new business operates from next month
    close_month = first + life - 1  # first month no longer operating
    ind_p = np.array([x.share for x in INDUSTRIES])
    ind = rng.choice(len(INDUSTRIES), n, p=ind_p / ind_p.sum())
    town_p = np.array([t[2] for t in TOWNSHIPS])
    town = rng.choice(len(TOWNSHIPS), n, p=town_p / town_p.sum())
    individual = rng.random(n) < p.share_individual
    alpha = rng.normal(0.0, p.sigma_alpha, n) + p.high_shift * (rng.random(n) < p.p_high)
    # the licence: decision date (pre-existing: 2016–2020), valid five years
    decided = np.empty(n, dtype="datetime64[D]")
    pre = open_month < 0
    days_pre = rng.integers(0, (DATA_START - pd.Timestamp("2016-01-01")).days, pre.sum())
    decided[pre] = (pd.Timestamp("2016-01-01") + pd.to_timedelta(days_pre, unit="D")).values.astype(
        "datetime64[D]"
    )
    months = pd.date_range(DATA_START, periods=N_MONTHS, freq="MS")
    new_idx = np.flatnonzero(~pre)
    decided[new_idx] = (
        months[open_month[new_idx]] + pd.to_timedelta(rng.integers(0, 27, len(new_idx)), unit="D")
    ).values.astype("datetime64[D]")
    names, usccs = _names_and_codes(rng, ind, town, individual)
    return pd.DataFrame(
        {
            "business_id": usccs,
            "uscc": usccs,
            "name": names,
            "subject_type": np.where(individual, "个体工商户", "法人及非法人组织"),
            "industry": [INDUSTRIES[k].code for k in ind],
            "industry_idx": ind,
            "sector": [INDUSTRIES[k].sector for k in ind],
            "township": [TOWNSHIPS[k][1] for k in town],
            "township_idx": town,
            "address": [
                f"沂源县{TOWNSHIPS[t][1]}{ROADS[rng.integers(len(ROADS))]}{rng.integers(1, 400)}号"
                for t in town
            ],
            "legal_rep": [f"{'王李张刘陈杨赵黄周吴'[rng.integers(10)]}某某" for _ in range(n)],
            "alpha": alpha,
            "open_month": open_month,
            "first_month": first,
            "close_month": close_month,
            "licence_decided": pd.to_datetime(decided),
        }
    )


def _names_and_codes(
    rng: np.random.Generator, ind: np.ndarray, town: np.ndarray, individual: np.ndarray
) -> tuple[list[str], list[str]]:
    names: list[str] = []
    seen: set[str] = set()
    codes: list[str] = []
    code_seen: set[str] = set()
    letters = USCC_CHARSET
    for k, t, person in zip(ind, town, individual, strict=True):
        spec = INDUSTRIES[k]
        while True:
            word = "".join(rng.choice(list(NAME_CHARS), 2 + int(rng.random() < 0.3), replace=False))
            if person:
                name = f"沂源县{TOWNSHIPS[t][1]}{word}{spec.suffixes[rng.integers(len(spec.suffixes))]}"
            else:
                name = f"沂源县{word}{spec.company_word}有限公司"
            if name not in seen:
                seen.add(name)
                names.append(name)
                break
        while True:
            body = "MA" + "".join(letters[i] for i in rng.integers(0, len(letters), 6))
            code = make_uscc("92" if person else "91", "370323", body)
            if code not in code_seen:
                code_seen.add(code)
                codes.append(code)
                break
    return names, codes


def _latent(rng: np.random.Generator, biz: pd.DataFrame, p: Params) -> tuple[np.ndarray, np.ndarray]:
    n, T = len(biz), N_MONTHS
    t_idx = np.arange(T)
    open_ = (t_idx[None, :] >= biz["first_month"].to_numpy()[:, None]) & (
        t_idx[None, :] < biz["close_month"].to_numpy()[:, None]
    )
    # transient AR(1) and episodes, started from their stationary laws
    x = np.empty((n, T))
    x_prev = rng.normal(0, p.sigma_x / np.sqrt(1 - p.rho**2), n)
    pi_ep = p.p_enter / (p.p_enter + 1 - p.p_stay)
    s_prev = rng.random(n) < pi_ep
    s = np.empty((n, T), dtype=bool)
    for t in range(T):
        x_prev = p.rho * x_prev + rng.normal(0, p.sigma_x, n)
        s_prev = np.where(s_prev, rng.random(n) < p.p_stay, rng.random(n) < p.p_enter)
        x[:, t], s[:, t] = x_prev, s_prev
    # field-period shocks per division
    divisions = sorted({c[:2] for c in biz["industry"]})
    shock = np.zeros((len(divisions), T))
    prev = rng.normal(0, p.shock_sd / np.sqrt(1 - p.shock_rho**2), len(divisions))
    for t in range(T):
        prev = p.shock_rho * prev + rng.normal(0, p.shock_sd, len(divisions))
        shock[:, t] = prev
    div_idx = np.array([divisions.index(c[:2]) for c in biz["industry"]])
    cal = (DATA_START.month - 1 + t_idx) % 12
    season = np.zeros((n, T))
    for sector, prof in SEASON.items():
        rows = (biz["sector"] == sector).to_numpy()
        season[rows] = np.asarray(prof)[cal][None, :]
    field_eff = np.array([INDUSTRIES[k].field_effect for k in biz["industry_idx"]])
    town_eff = np.array([TOWNSHIPS[k][3] for k in biz["township_idx"]])
    log_lam = (
        p.b0
        + field_eff[:, None]
        + town_eff[:, None]
        + season
        + shock[div_idx]
        + biz["alpha"].to_numpy()[:, None]
        + x
        + p.episode_shift * s
    )
    lam = np.where(open_, np.exp(log_lam), 0.0)
    return lam, open_


def _campaigns(rng: np.random.Generator, biz: pd.DataFrame, p: Params) -> pd.DataFrame:
    divisions = biz["industry"].str[:2]
    weights = divisions.value_counts(normalize=True)
    rows = []
    for quarter in range(N_MONTHS // 3):
        for _ in range(p.campaigns_per_quarter):
            rows.append(
                {
                    "division": rng.choice(weights.index.to_numpy(), p=weights.to_numpy()),
                    "month": quarter * 3 + int(rng.integers(0, 3)),
                }
            )
    return pd.DataFrame(rows)


def _potential_events(
    rng: np.random.Generator,
    lam0: np.ndarray,
    open_: np.ndarray,
    routine: np.ndarray,
    p: Params,
    m_max: float,
) -> pd.DataFrame:
    """Every event that may happen, with the uniforms that decide its fate (long format)."""
    parts = []
    kappa, unsub = p.density * p.kappa, p.density * p.unsub_rate
    for src, rate in ((0, routine), (2, kappa * lam0 * m_max), (3, np.where(open_, unsub, 0.0))):
        counts = rng.poisson(rate)
        i, t = np.nonzero(counts)
        reps = counts[i, t]
        parts.append(pd.DataFrame({"biz": np.repeat(i, reps), "month": np.repeat(t, reps), "src": src}))
    ev = pd.concat(parts, ignore_index=True)
    k = len(ev)
    for col in (
        "u_day",
        "u_keep",
        "u_check",
        "u_check_lag",
        "u_det",
        "u_sev",
        "u_pen",
        "u_lag",
        "u_label",
        "u_type",
        "u_count",
        "u_hour",
    ):
        ev[col] = rng.random(k)
    ev = ev.sort_values(["month", "biz", "src", "u_day"], kind="stable", ignore_index=True)
    ev["event_id"] = np.arange(k)
    return ev


def make_world(
    seed: int, size: str | Size = "small", params: Params | None = None, effect_bound: float = 0.0
) -> World:
    """The world of ``seed``: businesses, latent rates, campaigns and potential events.

    ``effect_bound`` is the largest effect the world must be able to realise (events are thinned
    from ``1 + max(effect_bound, 0)`` times the untreated rate).
    """
    p = params or Params()
    sz = SIZES[size] if isinstance(size, str) else size
    rng = np.random.default_rng([20240514, int(seed)])
    biz = _businesses(rng, sz, p)
    lam0, open_ = _latent(rng, biz, p)
    campaigns = _campaigns(rng, biz, p)
    routine = (
        p.density
        * p.insp_rate
        * np.array([INDUSTRIES[k].insp_mult for k in biz["industry_idx"]])[:, None]
        * np.exp(p.insp_alpha * biz["alpha"].to_numpy())[:, None]
        * np.ones((1, N_MONTHS))
    )
    div = biz["industry"].str[:2].to_numpy()
    for c in campaigns.itertuples(index=False):
        routine[div == c.division, c.month] += p.density * p.campaign_rate
    routine = np.where(open_, routine, 0.0)
    m_max = 1.0 + max(float(effect_bound), 0.0)
    events = _potential_events(rng, lam0, open_, routine, p, m_max)
    months = pd.date_range(DATA_START, periods=N_MONTHS, freq="MS")
    return World(
        seed=int(seed),
        size=sz,
        params=p,
        months=months,
        biz=biz,
        lam0=lam0,
        open_=open_,
        routine_rate=routine,
        events=events,
        campaigns=campaigns,
        extra={"m_max": m_max},
    )


# -- expectations (the truth) ---------------------------------------------------------------------
def _lag_kernel(p: Params, max_offset: int = 4) -> np.ndarray:
    """P(penalty decided k months after the month of its inspection), k = 0..max_offset."""
    d = (np.arange(2000) + 0.5) / 2000  # day within month (months of 30.44 days)
    lag = (15 + 60 * (np.arange(2000) + 0.5) / 2000) / 30.44
    off = np.floor(d[:, None] + lag[None, :]).astype(int).ravel()
    return np.bincount(np.clip(off, 0, max_offset), minlength=max_offset + 1) / off.size


def expected_violations(world: World, rows: np.ndarray, mult: np.ndarray) -> np.ndarray:
    """Expected violations (problems found + penalties, as ``guidance_effects`` counts them) per
    month for businesses ``rows`` under rate multipliers ``mult`` (len(rows), T)."""
    p = world.params
    lam = world.lam0[rows] * mult
    q = 1.0 - np.exp(-lam)
    open_ = world.open_[rows]
    problems = (
        world.routine_rate[rows] * q
        + p.p_check * p.density * p.kappa * lam * p.det_sub
        + p.p_check * np.where(open_, p.density * p.unsub_rate, 0.0) * q
    )
    referrals = problems * p.p_severity[2] * p.p_penalty
    kern = _lag_kernel(p)
    pen = np.zeros_like(referrals)
    for k, w in enumerate(kern):
        if k == 0:
            pen += w * referrals
        else:
            pen[:, k:] += w * referrals[:, :-k]
    return problems + pen
