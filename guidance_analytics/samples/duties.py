"""The 2024–2025 rules in the sample set: 不予行政处罚 decisions, credit-risk classes, contacts.

- **不予处罚** (行政处罚法 第三十三条): a share of the minor violations corrected on the spot
  (inspection result 发现问题已当场整改) of businesses with no earlier violation get a formal
  不予行政处罚 decision (首违不罚 or 轻微违法不罚) some days later, in the penalties export with
  处罚类别 不予行政处罚 — what the county's penalty export really holds.
- **企业信用风险分类** (国市监信发〔2022〕6号, classes A–D): businesses with a valid credit code
  are classified twice a year in the last two years of the period; the class follows the latent
  risk (risky → mostly C/D, deteriorating → B/C, others mostly A/B), so it carries information
  but is not the truth.
- **contacts**: inspections already carry their 检查类型; the truth file lists the business-years
  whose routine checks (双随机抽查, 日常检查) reach the default cap of 2 (computed here, apart from
  the package's ledger).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .catalog import VIOLATIONS
from .events import World
from .records import subject_cells
from .write import write_csv

#: Share of eligible on-the-spot corrections that get a formal 不予处罚 decision.
WAIVER_SHARE = 0.15
#: Classification dates (month, day) in each of the last two years of the period.
CLASS_DATES = ((3, 31), (9, 30))
#: Class probabilities (A, B, C, D) by latent risk kind.
CLASS_P = {
    "risky": (0.02, 0.18, 0.40, 0.40),
    "deteriorating": (0.10, 0.45, 0.35, 0.10),
    "improving": (0.25, 0.50, 0.20, 0.05),
    "normal": (0.45, 0.45, 0.08, 0.02),
}
#: Inspection types that count against the annual on-site cap by default (日常 incl. 双随机).
ROUTINE = ("双随机抽查", "日常检查")
DEFAULT_CAP = 2


def waiver_decisions(rng: np.random.Generator, w: World, insp: pd.DataFrame) -> pd.DataFrame:
    """不予行政处罚 decisions for first minor violations corrected on the spot (penalty rows)."""
    biz = w.biz
    recs = biz.to_dict("records")
    seen: set[int] = set()
    rows = []
    counters: dict[int, int] = {}
    for r in sorted(w.inspections, key=lambda r: (r["date"], r["biz"])):
        first = r["biz"] not in seen
        if r["sev"] >= 1:
            seen.add(r["biz"])
        if r["sev"] != 1 or not first or rng.random() >= WAIVER_SHARE:
            continue
        day = (pd.Timestamp(r["date"]) + pd.Timedelta(days=int(rng.integers(3, 21)))).date()
        if pd.Timestamp(day) > w.end:
            continue
        b = recs[r["biz"]]
        types = list(dict.fromkeys(r["types"]))
        v = VIOLATIONS[types[0]]
        counters[day.year] = counters.get(day.year, 0) + 1
        first_offence = rng.random() < 0.6
        kind = "首违不罚" if first_offence else "轻微违法不罚"
        reason = (
            "当事人系首次违法，危害后果轻微并及时改正，依据《中华人民共和国行政处罚法》第三十三条第一款的规定，"
            "决定不予行政处罚"
            if first_offence
            else "当事人违法行为轻微并及时改正，没有造成危害后果，依据《中华人民共和国行政处罚法》第三十三条"
            "第一款的规定，决定不予行政处罚"
        )
        rows.append(
            {
                **subject_cells(b),
                "decision_no": f"源市监不罚〔{day.year}〕{counters[day.year]}号",
                "violation_type": v.name,
                "facts": (
                    f"经查，当事人于{r['date'].year}年{r['date'].month}月{r['date'].day}日在{b['address']}"
                    f"经营过程中，{v.problem}，已当场改正。"
                ),
                "basis": "《中华人民共和国行政处罚法》第三十三条",
                "penalty_kinds": ["不予行政处罚"],
                "content": f"{kind}：{reason}，并对当事人进行教育。",
                "fine_yuan": 0.0,
                "confiscation_yuan": 0.0,
                "decided_on": day,
                "authority": "沂源县市场监督管理局",
                "data_source": "沂源县市场监督管理局",
                "address": b["address"],
                "township": b["township"],
                "industry_code": b["industry_code"],
                "truth_id": b["truth_id"],
                "sev": 0,
                "waiver": kind,
            }
        )
    return pd.DataFrame(rows)


def credit_classes_table(rng: np.random.Generator, w: World) -> pd.DataFrame:
    """Classifications (A–D) of the businesses with a valid code open on each date."""
    biz = w.biz
    ok = ~biz["placeholder"] & ~biz["wrong_check"] & biz["uscc"].str.len().eq(18)
    years = range(max(w.start.year, w.end.year - 1), w.end.year + 1)
    rows = []
    for year in years:
        for month, day in CLASS_DATES:
            when = pd.Timestamp(year, month, day)
            if when > w.end:
                continue
            open_ = ok & (pd.to_datetime(biz["open_date"]) <= when)
            if "close_date" in biz:
                close = pd.to_datetime(biz["close_date"])
                open_ &= close.isna() | (close > when)
            for b in biz[open_].itertuples(index=False):
                p = CLASS_P.get(b.risk_kind, CLASS_P["normal"])
                cls = "ABCD"[int(rng.choice(4, p=p))]
                spelled = cls if rng.random() < 0.7 else f"{cls}类"
                rows.append(
                    {
                        "统一社会信用代码": b.uscc,
                        "企业名称": b.name,
                        "风险分类": spelled,
                        "分类日期": when.strftime("%Y-%m-%d"),
                        "分类机关": "淄博市市场监督管理局",
                        "truth_id": b.truth_id,
                        "risk_class": cls,
                    }
                )
    return pd.DataFrame(rows)


def write_credit_classes(out: Path, classes: pd.DataFrame) -> list[Path]:
    """The classification export (CSV, UTF-8 with BOM), as the market regulator hands it over."""
    if classes.empty:
        return []
    first, last = classes["分类日期"].str[:4].min(), classes["分类日期"].str[:4].max()
    name = f"credit_classes_{first}-{last}.csv" if first != last else f"credit_classes_{first}.csv"
    cols = ["统一社会信用代码", "企业名称", "风险分类", "分类日期", "分类机关"]
    write_csv(out / name, classes[cols], "utf-8-sig")
    return [out / name]


def routine_at_cap(insp: pd.DataFrame, cap: int = DEFAULT_CAP) -> pd.DataFrame:
    """Business-years whose routine checks (双随机抽查, 日常检查) reach ``cap``: ``truth_id, year,
    routine_checks``."""
    if insp.empty:
        return pd.DataFrame(columns=["truth_id", "year", "routine_checks"])
    routine = insp[insp["inspection_type"].isin(ROUTINE)]
    counts = (
        routine.assign(year=pd.to_datetime(routine["inspected_on"]).dt.year)
        .groupby(["truth_id", "year"])
        .size()
        .rename("routine_checks")
        .reset_index()
    )
    return counts[counts["routine_checks"] >= cap].sort_values(["year", "truth_id"]).reset_index(drop=True)
