"""A monthly county: licences (exposure), inspections and the violations they find, as bureau files.

Model, per class ``c`` and month ``t`` (written independently of ``guidance_analytics.samples``):

* **Licences.** ``L0 = base / r`` businesses, ``r`` ~ U(0.03, 0.06) violations per licence per month.
  The stock holds one licence each, decided uniformly over 2015–2019, valid 5 years (15 % 长期,
  有效期至 2099/12/31), renewed at expiry (a new licence from the next day) with probability 0.92,
  else the business leaves. New businesses enter at 5 % of ``L0`` a year. An exposure shock adds as
  many new businesses as there are licences, half in its first month and half in the second.
  ``E[c, t]`` = licences whose validity overlaps month ``t`` — the package's definition of exposure
  (a renewal month counts the old and the new licence, as the package does).
* **Violations.** ``V ~ NegBin(mean mu, size k=30)`` (variance ``mu + mu^2/30``) with
  ``mu = r * E * S * M * K``: ``S`` the seasonal factor (the seasonal class only:
  ``exp(0.5 cos(2 pi (month - 7) / 12))``, July peak, ×1.65 vs ×0.61 in January), ``M`` the product of
  the event multipliers active in the month, ``K`` = 2 in campaign months (else 1).
* **Inspections.** Every violation is an inspection with a problem (发现问题已当场整改 55 %,
  责令限期整改 40 %, 移送立案 5 %). Clean inspections (未发现问题) ~ ``Poisson(r * E * (1/p - 1) * K)``,
  so a routine inspection finds a problem with probability ``p`` (0.15–0.30 by class) outside events,
  and a campaign doubles inspections and violations alike (its share of problems is unchanged; in
  campaign months half the inspections are 专项检查). Events raise violations, not inspections:
  their share of problems rises. Each inspection names a business drawn from the class's licences
  active in that month, with its credit code, address, township and 行业代码.

Files: ``permits.csv`` (GB18030, a title row, the current 双公示 headers + 经营地址 / 所属乡镇（街道） /
行业代码; dates ``2021/3/5``) and ``inspections.csv`` (UTF-8 with BOM, dates mixed ``2022-03-05`` /
``2022/3/5`` / ``2022年3月5日``). No penalties or complaints. ``series.csv`` (not for import) holds the
class × month truth: exposure, violations, inspections, mean and multipliers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .classes import SEASONAL_CLASS, class_table
from .events import DEFAULT_ITEMS, ItemSpec, place_items

TOWNSHIPS = [
    "历山街道",
    "南麻街道",
    "鲁村镇",
    "东里镇",
    "悦庄镇",
    "西里镇",
    "大张庄镇",
    "中庄镇",
    "张家坡镇",
    "燕崖镇",
    "石桥镇",
    "南鲁山镇",
]
ROADS = ["胜利路", "振兴路", "鲁山路", "沂河路", "荆山路", "新城路", "螳螂河路", "城北路", "正阳路", "儒林路"]
_TRADE_CHARS = "鑫泰福顺康源隆兴华宏德信诚佳和瑞祥安盛丰博达嘉富利民恒昌金润裕美乐悦春鲁沂山河"
PROBLEMS = {
    "食品经营许可证": [
        "从业人员健康证明过期",
        "食品贮存不符合要求",
        "未按规定公示许可证",
        "超范围经营",
        "进货查验记录不全",
    ],
    "食品生产许可证": ["生产记录不全", "原料查验不到位", "生产环境卫生不达标"],
    "药品经营许可证": ["处方药未凭处方销售", "药品陈列不规范", "温湿度记录不全"],
    "公共场所卫生许可证": ["公共用品用具未消毒", "卫生许可证未公示", "从业人员健康证明过期"],
    "道路运输经营许可证": ["车辆技术档案不全", "驾驶员从业资格证过期", "未按规定进行安全检查"],
    "出租汽车经营许可证": ["车辆技术档案不全", "驾驶员从业资格证过期", "未按规定进行安全检查"],
    "娱乐经营许可证": ["消防通道堵塞", "未按规定核验身份", "超时经营"],
    "网络文化经营许可证": ["接纳未成年人", "未按规定核验身份", "消防通道堵塞"],
    "建筑工程施工许可证": ["施工现场安全防护不到位", "未按规定公示许可", "扬尘防治不到位"],
}
RESULTS = (["发现问题已当场整改", "责令限期整改", "移送立案"], [0.55, 0.40, 0.05])
ROUTINE_TYPES = (["双随机抽查", "日常检查", "投诉核查"], [0.6, 0.3, 0.1])

PERMIT_HEADER = [
    "行政相对人名称",
    "行政相对人类别",
    "行政相对人代码_1（统一社会信用代码）",
    "法定代表人",
    "行政许可决定文书名称",
    "行政许可决定文书号",
    "许可类别",
    "许可证书名称",
    "许可编号",
    "许可内容",
    "许可决定日期",
    "有效期自",
    "有效期至",
    "许可机关",
    "当前状态",
    "数据来源单位",
    "经营地址",
    "所属乡镇（街道）",
    "行业代码",
]
INSPECTION_HEADER = [
    "检查编号",
    "检查日期",
    "行政相对人名称",
    "统一社会信用代码",
    "检查类型",
    "检查结果",
    "发现问题",
    "问题数量",
    "违法行为类型",
    "检查人员",
    "经营地址",
    "所属乡镇（街道）",
    "行业代码",
]
BUREAU = "沂源县行政审批服务局"


@dataclass(frozen=True)
class Design:
    """The simulation's knobs; the defaults are the benchmark's design (25 classes, 5 years)."""

    start: str = "2020-01"
    months: int = 60
    eval_start: str = "2022-03"  # first evaluated month (R's farringtonFlexible needs b=2 years + w)
    classes: tuple[str, ...] | None = None  # class keys to keep (``None`` = all of ``class_table``)
    items: tuple[ItemSpec, ...] = DEFAULT_ITEMS
    buffer: int = 2
    nb_size: float = 30.0
    rate: tuple[float, float] = (0.03, 0.06)
    season_amplitude: float = 0.5
    season_peak: int = 7
    season_months: tuple[int, ...] = (5, 6, 7, 8, 9)
    entry_rate: float = 0.05
    renew: float = 0.92
    long_term: float = 0.15
    stock_from: str = "2015-01-01"


def small_design() -> Design:
    """A small county for tests: 6 classes in 3 divisions, 4 years, 4 events and 2 decoys (+ seasons).

    >>> files, truth = simulate_county(0, tmp_path, small_design())  # doctest: +SKIP
    """
    return Design(
        months=48,
        eval_start="2022-03",
        classes=("F5212", "F5226", "F5251", "H6291", "H6233", "H6129"),
        items=(
            ItemSpec("exposure_shock", ("small",), 1, (12, 12), (2.0, 2.0)),
            ItemSpec("rise", ("medium", "large"), 1, (4, 6), (1.8, 1.8)),
            ItemSpec("spike", ("small",), 1, (1, 1), (3.5, 3.5)),
            ItemSpec("spike", ("large",), 1, (1, 2), (3.0, 3.0)),
            ItemSpec("campaign", ("small", "medium"), 1, (2, 2), (2.0, 2.0)),
        ),
    )


def simulate_county(
    seed: int = 0, out_dir: str | Path | None = None, design: Design | None = None
) -> tuple[dict[str, Path], pd.DataFrame]:
    """Simulate the county and write its files; ``(files, truth)``.

    ``files``: ``permits`` and ``inspections`` (to import, kinds of the same names), ``series``
    (class × month truth, not to import) and ``truth`` (the truth table as csv). ``truth``: one row per
    planted event or decoy (``events.TRUTH_COLUMNS``); ``truth.attrs`` holds ``seed``, ``eval_start``,
    ``eval_end`` (month starts) and ``periods`` (number of simulated months).
    """
    design = design or Design()
    out = Path(out_dir) if out_dir is not None else Path.cwd() / f"sim_county_{seed}"
    out.mkdir(parents=True, exist_ok=True)
    sim = simulate(seed, design)
    files = {
        "permits": out / "permits.csv",
        "inspections": out / "inspections.csv",
        "series": out / "series.csv",
        "truth": out / "truth.csv",
    }
    write_permits(sim["permits"], files["permits"])
    write_inspections(sim["inspections"], files["inspections"])
    sim["series"].to_csv(files["series"], index=False)
    sim["truth"].to_csv(files["truth"], index=False)
    return files, sim["truth"]


def simulate(seed: int, design: Design) -> dict[str, pd.DataFrame]:
    """The simulation as DataFrames: ``truth``, ``series``, ``permits``, ``inspections``, ``classes``."""
    rng = np.random.default_rng(seed)
    classes = class_table()
    if design.classes is not None:
        classes = classes[classes["key"].isin(design.classes)].reset_index(drop=True)
    periods = pd.date_range(design.start, periods=design.months, freq="MS")
    eval_start = pd.Timestamp(design.eval_start)
    truth = place_items(rng, classes, periods, eval_start, design.items, design.buffer, design.season_months)
    truth.attrs.update(seed=seed, eval_start=eval_start, eval_end=periods[-1], periods=len(periods))
    n_c, n_t = len(classes), len(periods)
    rate = rng.uniform(*design.rate, n_c)
    months = pd.DatetimeIndex(periods)

    # multipliers per class and month
    mult = np.ones((n_c, n_t))
    campaign = np.ones((n_c, n_t))
    shocks: dict[int, list[tuple[int, float]]] = {}
    index = {k: i for i, k in enumerate(classes["key"])}
    for ev in truth.itertuples(index=False):
        s, e = months.get_loc(ev.start), months.get_loc(ev.end)
        for key in ev.classes.split(";"):
            c = index[key]
            if ev.kind in ("spike", "rise", "cluster"):
                mult[c, s : e + 1] *= ev.multiplier
            elif ev.kind == "campaign":
                campaign[c, s : e + 1] = ev.multiplier
            elif ev.kind == "exposure_shock":
                shocks.setdefault(c, []).append((s, ev.multiplier))
    season = np.ones((n_c, n_t))
    if SEASONAL_CLASS in index:
        season[index[SEASONAL_CLASS]] = np.exp(
            design.season_amplitude * np.cos(2 * np.pi * (months.month.to_numpy() - design.season_peak) / 12)
        )

    # licences and exposure
    permits, exposure = [], np.zeros((n_c, n_t))
    next_biz = 0
    for c, cls in enumerate(classes.itertuples(index=False)):
        lic = _licences(rng, cls.base / rate[c], periods, design, shocks.get(c, []), next_biz)
        lic["class_key"] = cls.key
        next_biz = int(lic["biz"].max()) + 1
        permits.append(lic)
        exposure[c] = _exposure(lic, periods)
    permits_df = pd.concat(permits, ignore_index=True)

    # violations and clean inspections
    mu = rate[:, None] * exposure * season * mult * campaign
    k = design.nb_size
    violations = rng.negative_binomial(k, k / (k + mu))
    p = classes["p"].to_numpy(float)[:, None]
    clean = rng.poisson(rate[:, None] * exposure * (1 / p - 1) * campaign)

    # the truth's baseline: violations a month expected without the event, over its window
    no_event = rate[:, None] * exposure * season
    base = []
    for ev in truth.itertuples(index=False):
        s, e = months.get_loc(ev.start), months.get_loc(ev.end)
        base.append(round(float(sum(no_event[index[k], s : e + 1].mean() for k in ev.classes.split(";"))), 1))
    truth["baseline"] = base

    businesses = _businesses(rng, permits_df, classes)
    inspections = _inspections(rng, classes, periods, permits_df, businesses, violations, clean, campaign)
    permits_out = permits_df.merge(businesses, on="biz", how="left")
    series = pd.DataFrame(
        {
            "class_key": np.repeat(classes["key"].to_numpy(), n_t),
            "division": np.repeat(classes["division"].to_numpy(), n_t),
            "period": np.tile(periods.to_numpy(), n_c),
            "exposure": exposure.ravel().astype(int),
            "violations": violations.ravel(),
            "inspections": (violations + clean).ravel(),
            "mu": mu.ravel().round(3),
            "event_multiplier": mult.ravel(),
            "campaign": campaign.ravel(),
            "season": season.ravel().round(3),
            "rate_per_licence": np.repeat(rate, n_t).round(4),
        }
    )
    return {
        "truth": truth,
        "series": series,
        "permits": permits_out,
        "inspections": inspections,
        "classes": classes,
    }


def _month_index(dates: pd.DatetimeIndex | pd.Series, periods: pd.DatetimeIndex) -> np.ndarray:
    d = pd.DatetimeIndex(dates)
    p0 = periods[0]
    return ((d.year - p0.year) * 12 + d.month - p0.month).to_numpy()


def _licences(rng, l0, periods, design, shocks, first_biz) -> pd.DataFrame:
    """Licence records of one class: ``biz, valid_from, valid_to`` (NaT = 长期), ``decision_date``."""
    n0 = int(round(l0))
    t0 = pd.Timestamp(design.stock_from)
    span = (periods[0] - t0).days
    starts = [t0 + pd.to_timedelta(rng.integers(0, span, n0), unit="D")]
    # entries month by month
    for p in periods:
        k = rng.poisson(l0 * design.entry_rate / 12)
        if k:
            starts.append(p + pd.to_timedelta(rng.integers(0, p.days_in_month, k), unit="D"))
    first = pd.DataFrame({"valid_from": np.concatenate([s.to_numpy() for s in starts])})
    lic = _chains(rng, first, design, periods[-1], first_biz)
    for s, factor in shocks:  # as many new businesses as active licences before the shock
        before = _exposure(lic, periods)[s - 1]
        n_new = int(round(before * (factor - 1)))
        half = n_new // 2
        vf = []
        for m, n in ((s, half), (min(s + 1, len(periods) - 1), n_new - half)):
            p = periods[m]
            vf.append((p + pd.to_timedelta(rng.integers(0, p.days_in_month, n), unit="D")).to_numpy())
        extra = _chains(
            rng,
            pd.DataFrame({"valid_from": np.concatenate(vf)}),
            design,
            periods[-1],
            int(lic["biz"].max()) + 1,
        )
        lic = pd.concat([lic, extra], ignore_index=True)
    return lic


def _chains(
    rng, first: pd.DataFrame, design: Design, last_period: pd.Timestamp, first_biz: int
) -> pd.DataFrame:
    """Licence chains from first validity dates: renewed at expiry with probability ``renew``."""
    end = last_period + pd.offsets.MonthEnd(0)
    cur = pd.DataFrame(
        {
            "biz": np.arange(len(first)) + first_biz,
            "valid_from": pd.to_datetime(first["valid_from"]).to_numpy(),
        }
    )
    out = []
    while len(cur):
        n = len(cur)
        long_term = rng.random(n) < design.long_term
        vf = pd.DatetimeIndex(cur["valid_from"])
        vt = (vf + pd.DateOffset(years=5)) - pd.Timedelta(days=1)
        vt = pd.Series(vt).where(~long_term)
        out.append(pd.DataFrame({"biz": cur["biz"].to_numpy(), "valid_from": vf, "valid_to": vt.to_numpy()}))
        again = vt.notna().to_numpy() & (vt <= end).to_numpy() & (rng.random(n) < design.renew)
        cur = pd.DataFrame(
            {
                "biz": cur["biz"].to_numpy()[again],
                "valid_from": (pd.DatetimeIndex(vt[again]) + pd.Timedelta(days=1)),
            }
        )
    lic = pd.concat(out, ignore_index=True)
    lic["decision_date"] = lic["valid_from"] - pd.to_timedelta(rng.integers(0, 11, len(lic)), unit="D")
    return lic


def _exposure(lic: pd.DataFrame, periods: pd.DatetimeIndex) -> np.ndarray:
    """Licences whose validity overlaps each month (as the package counts them)."""
    n_t = len(periods)
    start = np.clip(_month_index(lic["valid_from"], periods), 0, None)
    stop = _month_index(lic["valid_to"].fillna(pd.Timestamp("2099-12-31")), periods)
    ok = (stop >= 0) & (start <= n_t - 1)
    delta = np.zeros(n_t + 1)
    np.add.at(delta, start[ok], 1)
    np.add.at(delta, np.clip(stop[ok] + 1, 0, n_t), -1)
    return np.cumsum(delta)[:n_t]


def _uscc(rng, prefixes: np.ndarray) -> list[str]:
    """Valid 统一社会信用代码 (GB 32100-2015 check character; GB 11714 check of the organisation code)."""
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    w_org = [3, 7, 9, 10, 5, 8, 4, 2]
    w = [pow(3, i, 31) for i in range(17)]
    out, seen = [], set()
    for prefix in prefixes:
        while True:
            body = "".join(str(d) for d in rng.integers(0, 10, 8))
            c9 = 11 - sum(int(ch) * wt for ch, wt in zip(body, w_org, strict=True)) % 11
            org = body + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
            head = f"{prefix}370323{org}"
            check = (31 - sum(charset.index(ch) * wt for ch, wt in zip(head, w, strict=True)) % 31) % 31
            code = head + charset[check]
            if code not in seen:
                seen.add(code)
                out.append(code)
                break
    return out


def _businesses(rng, permits: pd.DataFrame, classes: pd.DataFrame) -> pd.DataFrame:
    """One row per business: ``biz, name, subject_type, uscc, address, township, industry_code``."""
    biz = permits.drop_duplicates("biz")[["biz", "class_key"]].reset_index(drop=True)
    n = len(biz)
    chars = np.array(list(_TRADE_CHARS))
    n_comb = len(chars) ** 3
    if n > n_comb:
        raise ValueError("too many businesses for unique names")
    pick = rng.choice(n_comb, n, replace=False)
    m = len(chars)
    trade = chars[pick // (m * m)].astype(object) + chars[(pick // m) % m] + chars[pick % m]
    cls = classes.set_index("key")
    word = cls.loc[biz["class_key"], "word"].to_numpy().astype(object)
    company = np.array([w.endswith("公司") for w in word])
    biz["name"] = "沂源县" + trade + word
    biz["subject_type"] = np.where(company, "法人及非法人组织", "个体工商户")
    biz["uscc"] = _uscc(rng, np.where(company, "91", "92"))
    biz["township"] = rng.choice(TOWNSHIPS, n)
    biz["address"] = (
        "沂源县" + biz["township"] + rng.choice(ROADS, n) + rng.integers(1, 400, n).astype(str) + "号"
    )
    biz["industry_code"] = cls.loc[biz["class_key"], "code"].to_numpy()
    biz["item"] = cls.loc[biz["class_key"], "item"].to_numpy()
    return biz.drop(columns="class_key")


def _inspections(rng, classes, periods, permits, businesses, violations, clean, campaign) -> pd.DataFrame:
    """One row per inspection (canonical names; ``write_inspections`` gives them the bureau's headers)."""
    n_t = len(periods)
    pieces = []
    for c, key in enumerate(classes["key"]):
        lic = permits[permits["class_key"] == key]
        start = np.clip(_month_index(lic["valid_from"], periods), 0, None)
        stop = _month_index(lic["valid_to"].fillna(pd.Timestamp("2099-12-31")), periods)
        biz = lic["biz"].to_numpy()
        for t in range(n_t):
            nv, nc = int(violations[c, t]), int(clean[c, t])
            n = nv + nc
            if n == 0:
                continue
            active = biz[(start <= t) & (stop >= t)]
            p = periods[t]
            problem = np.r_[np.ones(nv, bool), np.zeros(nc, bool)]
            special = rng.random(n) < (1 - 1 / campaign[c, t])
            pieces.append(
                pd.DataFrame(
                    {
                        "biz": rng.choice(active, n),
                        "date": p + pd.to_timedelta(rng.integers(0, p.days_in_month, n), unit="D"),
                        "problem": problem,
                        "special": special,
                    }
                )
            )
    df = pd.concat(pieces, ignore_index=True).merge(businesses, on="biz", how="left")
    df = df.sort_values(["date", "biz"], ignore_index=True)
    n = len(df)
    routine = rng.choice(ROUTINE_TYPES[0], n, p=ROUTINE_TYPES[1])
    df["inspection_type"] = np.where(df["special"], "专项检查", routine)
    df["result"] = np.where(df["problem"], rng.choice(RESULTS[0], n, p=RESULTS[1]), "未发现问题")
    problems = np.array(
        [PROBLEMS[item][rng.integers(len(PROBLEMS[item]))] for item in df["item"]], dtype=object
    )
    df["problems"] = np.where(df["problem"], problems, "")
    df["problem_count"] = np.where(df["problem"], 1 + rng.poisson(0.4, n), 0)
    df["violation_type"] = df["problems"]
    seq = df.groupby(df["date"].dt.to_period("M")).cumcount() + 1
    df["inspection_no"] = "JC" + df["date"].dt.strftime("%Y%m") + seq.map("{:05d}".format)
    a, b = rng.integers(100, 999, n), rng.integers(100, 999, n)
    df["inspectors"] = (
        "执法证号" + pd.Series(a).map("37032300{}".format) + "、" + pd.Series(b).map("37032300{}".format)
    )
    return df


def _fmt_slash(d: pd.Series) -> pd.Series:
    return d.dt.year.astype(str) + "/" + d.dt.month.astype(str) + "/" + d.dt.day.astype(str)


def write_permits(permits: pd.DataFrame, path: Path) -> None:
    """The permits as the bureau exports them (GB18030 csv, a title row above the header)."""
    df = permits.sort_values(["valid_from", "biz"], ignore_index=True)
    year = df["decision_date"].dt.year.astype(str)
    seq = df.groupby(year).cumcount() + 1
    valid_to = _fmt_slash(df["valid_to"].fillna(pd.Timestamp("2099-12-31")))
    out = pd.DataFrame(
        {
            "行政相对人名称": df["name"],
            "行政相对人类别": df["subject_type"],
            "行政相对人代码_1（统一社会信用代码）": df["uscc"],
            "法定代表人": "王某某",
            "行政许可决定文书名称": df["item"].str.replace("证", "", regex=False) + "决定书",
            "行政许可决定文书号": "沂审批许〔" + year + "〕" + seq.astype(str) + "号",
            "许可类别": "普通",
            "许可证书名称": df["item"],
            "许可编号": "XK370323" + year + seq.map("{:06d}".format),
            "许可内容": df["item"].str.replace("许可证", "", regex=False),
            "许可决定日期": _fmt_slash(df["decision_date"]),
            "有效期自": _fmt_slash(df["valid_from"]),
            "有效期至": valid_to,
            "许可机关": BUREAU,
            "当前状态": "正常",
            "数据来源单位": BUREAU,
            "经营地址": df["address"],
            "所属乡镇（街道）": df["township"],
            "行业代码": df["industry_code"],
        }
    )[PERMIT_HEADER]
    with path.open("w", encoding="gb18030", newline="") as fh:
        fh.write("沂源县行政审批服务局行政许可信息（双公示）导出\n")
        out.to_csv(fh, index=False)


def write_inspections(insp: pd.DataFrame, path: Path) -> None:
    """The inspections as exported (UTF-8 with BOM, three date spellings mixed)."""
    d = insp["date"]
    style = np.arange(len(insp)) % 10
    dates = np.where(
        style < 7,
        d.dt.strftime("%Y-%m-%d"),
        np.where(
            style < 9,
            _fmt_slash(d),
            d.dt.year.astype(str) + "年" + d.dt.month.astype(str) + "月" + d.dt.day.astype(str) + "日",
        ),
    )
    out = pd.DataFrame(
        {
            "检查编号": insp["inspection_no"],
            "检查日期": dates,
            "行政相对人名称": insp["name"],
            "统一社会信用代码": insp["uscc"],
            "检查类型": insp["inspection_type"],
            "检查结果": insp["result"],
            "发现问题": insp["problems"],
            "问题数量": insp["problem_count"],
            "违法行为类型": insp["violation_type"],
            "检查人员": insp["inspectors"],
            "经营地址": insp["address"],
            "所属乡镇（街道）": insp["township"],
            "行业代码": insp["industry_code"],
        }
    )[INSPECTION_HEADER]
    out.to_csv(path, index=False, encoding="utf-8-sig")
