"""Render simulated events as record tables (canonical column names, Chinese values).

Part of the sample generator. Dates stay ``date``/``datetime`` objects here; the writers format
them per file. Complaint texts name the business by a *variant* of its name, as citizens do.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from .catalog import APPROVAL_BUREAU, FAMILY_CATEGORY, RESULTS, VIOLATIONS
from .events import World
from .world import load_words

GENERIC_WORD = {
    "food_service": "饭店",
    "food_retail": "超市",
    "food_prod": "作坊",
    "pharmacy": "药店",
    "lodging": "宾馆",
    "bath": "浴池",
    "sports": "游泳馆",
    "entertainment": "KTV",
    "internet_cafe": "网吧",
    "construction": "工地",
    "transport": "运输公司",
    "school": "培训学校",
    "clinic": "诊所",
    "sanitation": "环卫公司",
    "fuel": "加油站",
}
VARIANTS = (
    ("full", 0.15),
    ("core", 0.25),
    ("sign", 0.30),
    ("sign_generic", 0.12),
    ("township_sign", 0.10),
    ("uscc", 0.02),
    ("vague", 0.06),
)
ASKS = ("希望相关部门核实处理", "请求尽快查处", "要求商家整改", "希望有关部门加强监管", "请相关部门尽快处理")
FOUND_RESULT = "经{unit}执法人员现场核查，反映情况{s}，已责令当事人立即整改，将持续跟踪整改落实情况。"
NOT_FOUND_RESULT = "经{unit}执法人员现场核查，未发现来电人反映的问题，已向来电人做好解释说明。"
UNCLEAR_RESULT = "经{unit}工作人员多次现场查看，暂无法核实反映情况，已提醒经营者规范经营。"


def subject_cells(b: dict) -> dict:
    """The identifying cells of a business as every export writes them (名称, 主体类型, 统一社会信用代码,
    注册号, 法定代表人), in that order.

    >>> list(subject_cells({"name": "甲", "subject_type": "个体工商户", "uscc": "u", "reg_no": "r",
    ...                     "legal_rep": "乙", "township": "x"}))
    ['name', 'subject_type', 'uscc', 'reg_no', 'legal_rep']
    """
    return {key: b[key] for key in ("name", "subject_type", "uscc", "reg_no", "legal_rep")}


def _pick(rng, items):
    return items[int(rng.integers(len(items)))]


def _choice(rng, pairs):
    names = [p[0] for p in pairs]
    w = np.array([p[1] for p in pairs], dtype=float)
    return names[int(rng.choice(len(names), p=w / w.sum()))]


def fake_phone(rng) -> str:
    """Obviously fake 11-digit number: always starts with 100."""
    return "100" + f"{int(rng.integers(0, 10**8)):08d}"


# --------------------------------------------------------------------------- permits
def permits_table(w: World) -> pd.DataFrame:
    biz = w.biz
    recs = biz.to_dict("records")
    rows = []
    for p in w.permits:
        b = recs[p["biz"]]
        rows.append(
            {
                "truth_id": b["truth_id"],
                **subject_cells(b),
                "decision_doc_name": p["doc_name"],
                "decision_doc_no": p["doc_no"],
                "permit_category": p["category"],
                "certificate_name": p["certificate"],
                "permit_item": p["item"],
                "permit_no": p["permit_no"],
                "content": p["content"],
                "decision_date": p["decision_date"],
                "valid_from": p["valid_from"],
                "valid_to": p["valid_to"],
                "authority": APPROVAL_BUREAU,
                "status": p["status"],
                "address": b["address"],
                "township": b["township"],
                "industry_code": b["industry_code"],
                "first": p["first"],
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- complaints
def _variant_name(rng, b, variant: str) -> str:
    town_short = b["township"].removesuffix("街道").removesuffix("镇")
    if variant == "full":
        return b["name"]
    if variant == "core":
        return b["name_core"]
    if variant == "sign":
        return b["sign_name"]
    if variant == "sign_generic":
        return b["zihao"] + GENERIC_WORD[b["family"]]
    if variant == "township_sign":
        return town_short + b["sign_name"]
    if variant == "uscc":
        return b["uscc"]
    # vague: a place and a kind of business
    addr = b["address"].removeprefix("沂源县").removeprefix(b["township"])
    place = addr.split("号")[0].rstrip("0123456789")
    return f"{place}一家{GENERIC_WORD[b['family']]}"


def complaints_table(rng: np.random.Generator, w: World) -> pd.DataFrame:
    biz = w.biz
    recs = biz.to_dict("records")
    words = load_words()
    found_v = {v["vid"] for v in w.violations if v["found"]}
    rows = []
    day_seq: dict = {}
    for c in w.complaints:
        recv = c["received"]
        key = recv.date()
        day_seq[key] = day_seq.get(key, int(rng.integers(100, 400))) + int(rng.integers(1, 9))
        order_no = f"{recv:%Y%m%d}{day_seq[key]:05d}"
        caller = _pick(rng, words["caller_names"])
        phone = fake_phone(rng)
        row = {
            "order_no": order_no,
            "received_at": recv,
            "channel": _pick(rng, words["channels"]),
            "caller": caller,
            "caller_phone": phone,
            "origin": c["origin"],
            "vid": c["vid"],
        }
        if c["biz"] is None:
            t = words["unmatchable"][int(rng.integers(len(words["unmatchable"])))]
            town = _pick(rng, list(biz["township"].unique()))
            place = (
                town + _pick(rng, words["village_prefix"]) + _pick(rng, words["village_stem"]) + "村"
                if rng.random() < 0.4
                else town + _pick(rng, words["roads_town"])
            )
            fill = {"place": place, "town": town}
            stype = t["type"]
            subst = ""
            if stype == "投诉":
                subst = _choice(rng, (("属实", 0.4), ("部分属实", 0.1), ("不属实", 0.2), ("", 0.3)))
            row.update(
                {
                    "request_type": stype,
                    "category": t["category"],
                    "title": t["title"].format(**fill),
                    "content": t["content"].format(**fill),
                    "target_name": t["target"],
                    "address": place,
                    "township": town,
                    "handling_unit": t["unit"].format(**fill),
                    "result": "已转相关单位办理，并向来电人反馈办理情况。",
                    "substantiated": subst,
                    "truth_id": "",
                    "uscc": "",
                    "true_name": "",
                    "variant": "",
                }
            )
        else:
            b = recs[c["biz"]]
            v = VIOLATIONS[c["type"]]
            variant = _choice(rng, VARIANTS)
            if variant == "uscc" and b["placeholder"]:
                variant = "sign"
            target = _variant_name(rng, b, variant)
            category, unit = FAMILY_CATEGORY[b["family"]]
            if v.name == "施工现场扬尘污染":
                category = "生态环境/大气污染/施工扬尘"
            if v.name == "消防通道堵塞":
                category, unit = "应急管理/消防安全/消防通道", "沂源县消防救援大队"
            place = b["address"] if rng.random() < 0.7 else b["address"].removeprefix("沂源县")
            ask = _pick(rng, ASKS)
            tmpl = int(rng.integers(3))
            if tmpl == 0:
                content = f"{row['caller']}反映：{place}的“{target}”{v.complaint}，{ask}。"
            elif tmpl == 1:
                content = f"来电人称，{target}（{place}）{v.complaint}，{ask}。"
            else:
                content = f"{target}{v.complaint}。{ask}。"
            if c["origin"] == "violation":
                stype = _choice(rng, (("投诉", 0.6), ("举报", 0.35), ("求助", 0.05)))
                if c["vid"] in found_v:
                    subst = _choice(rng, (("属实", 0.85), ("部分属实", 0.15)))
                else:
                    subst = _choice(rng, (("属实", 0.45), ("部分属实", 0.25), ("无法核实", 0.3)))
            else:
                stype = _choice(rng, (("投诉", 0.65), ("举报", 0.3), ("咨询", 0.05)))
                subst = _choice(rng, (("不属实", 0.7), ("无法核实", 0.3)))
            result = {
                "属实": FOUND_RESULT,
                "部分属实": FOUND_RESULT,
                "不属实": NOT_FOUND_RESULT,
                "无法核实": UNCLEAR_RESULT,
            }[subst].format(unit=unit, s=subst)
            short = target if variant != "uscc" else "某商户"
            row.update(
                {
                    "request_type": stype,
                    "category": category,
                    "title": f"反映{short}{v.short}",
                    "content": content,
                    "target_name": target,
                    "address": place,
                    "township": b["township"],
                    "handling_unit": unit,
                    "result": result,
                    "substantiated": subst,
                    "truth_id": b["truth_id"],
                    "uscc": "" if b["placeholder"] else b["uscc"],
                    "true_name": b["name"],
                    "variant": variant,
                }
            )
        if rng.random() < 0.03:
            row["content"] += f"联系电话{fake_phone(rng)}"
            row["inline_phone"] = True
        else:
            row["inline_phone"] = False
        closed = recv + timedelta(
            days=int(rng.integers(1, 13)), hours=int(rng.integers(0, 8)), minutes=int(rng.integers(0, 60))
        )
        row["closed_at"] = closed.replace(hour=min(max(closed.hour, 8), 18))
        sat = _choice(rng, (("满意", 0.6), ("基本满意", 0.25), ("不满意", 0.1), ("未回访", 0.05)))
        if row["substantiated"] in ("不属实", "无法核实") and rng.random() < 0.3:
            sat = "不满意"
        row["satisfaction"] = sat
        if not c.get("prevented"):  # prevented by the planted guidance: drawn, not written
            rows.append(row)
    df = pd.DataFrame(rows)
    # order numbers are unique by construction (per-day increasing counter)
    assert df["order_no"].is_unique
    return df


# --------------------------------------------------------------------------- inspections
def inspections_table(rng: np.random.Generator, w: World) -> pd.DataFrame:
    biz = w.biz
    recs = biz.to_dict("records")
    officers = [f"执法证号370323{n:04d}" for n in rng.choice(np.arange(10, 400), 48, replace=False)]
    rows = []
    month_seq: dict = {}
    for r in sorted(w.inspections, key=lambda r: (r["date"], r["biz"])):
        b = recs[r["biz"]]
        key = (r["date"].year, r["date"].month)
        month_seq[key] = month_seq.get(key, 0) + 1
        two = rng.choice(len(officers), 2, replace=False)
        types = list(dict.fromkeys(r["types"]))
        rows.append(
            {
                "inspection_no": f"JC{r['date']:%Y%m}{month_seq[key]:04d}",
                "inspected_on": r["date"],
                "name": b["name"],
                "uscc": b["uscc"],
                "inspection_type": r["itype"],
                "result": RESULTS[r["sev"]],
                "problems": "；".join(VIOLATIONS[t].problem for t in types) if r["sev"] else "",
                "problem_count": r["problem_count"],
                "violation_type": "、".join(VIOLATIONS[t].name for t in types) if r["sev"] else "",
                "inspectors": f"{officers[two[0]]}、{officers[two[1]]}",
                "address": b["address"],
                "township": b["township"],
                "industry_code": b["industry_code"],
                "truth_id": b["truth_id"],
                "vids": ";".join(str(v) for v in r["vids"]),
                "sev": r["sev"],
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- penalties
def _law(basis: str) -> str:
    return basis.split("》")[0] + "》"


def penalties_table(rng: np.random.Generator, w: World) -> pd.DataFrame:
    biz = w.biz
    recs = biz.to_dict("records")
    rows = []
    for p in w.penalties:
        b = recs[p["biz"]]
        types = list(dict.fromkeys(p["types"]))
        v = VIOLATIONS[types[0]]
        when = p["inspection"]["date"]
        problems = "，".join(VIOLATIONS[t].problem for t in types)
        facts = (
            f"经查，当事人于{when.year}年{when.month}月{when.day}日在{b['address']}经营过程中，"
            f"{problems}，违反了{_law(v.basis)}的有关规定。"
        )
        parts = []
        if "警告" in p["kinds"]:
            parts.append("给予警告")
        if p["fine"]:
            parts.append(f"罚款人民币{int(p['fine'])}元")
        if p["conf"]:
            parts.append(f"没收违法所得{int(p['conf'])}元")
        if "责令停产停业" in p["kinds"]:
            parts.append("责令停产停业十五日")
        if "吊销许可证件" in p["kinds"]:
            parts.append("吊销许可证件")
        rows.append(
            {
                **subject_cells(b),
                "decision_no": p["decision_no"],
                "violation_type": v.name,
                "facts": facts,
                "basis": v.basis,
                "penalty_kinds": p["kinds"],
                "content": "，".join(parts),
                "fine_yuan": p["fine"],
                "confiscation_yuan": p["conf"],
                "decided_on": p["date"],
                "authority": p["authority"],
                "data_source": p["authority"],
                "address": b["address"],
                "township": b["township"],
                "industry_code": b["industry_code"],
                "truth_id": b["truth_id"],
                "sev": p["sev"],
            }
        )
    return pd.DataFrame(rows)
