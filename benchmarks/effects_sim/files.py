"""Bureau-format export files of the simulated county (domain README §3) and the reviewed list.

One set of files per period between guidance rounds, as a bureau receives periodic exports:
licences (current 双公示 headers, UTF-8 with BOM), inspections (GB18030), penalties (双公示
headers, UTF-8 with BOM, 万元 amounts, ``2024年3月5日`` dates) and 12345 work orders (GB18030).
The reviewed candidate list is an .xlsx with title rows above the header, as the review file the
package writes, filled in by the reviewer (是否采纳 / 指导人员 / 计划时间).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .records import CATEGORIES, PROBLEMS
from .world import INDUSTRIES, N_MONTHS, World

AUTHORITY = "沂源县行政审批服务局"
AUTHORITY_CODE = "11370323MB2857361N"
PENALTY_AUTHORITY = {
    "food_service": "沂源县市场监督管理局",
    "food_retail": "沂源县市场监督管理局",
    "pharmacy": "沂源县市场监督管理局",
    "lodging": "沂源县卫生健康局",
    "entertainment": "沂源县综合行政执法局",
    "transport": "沂源县交通运输局",
    "construction": "沂源县综合行政执法局",
}
INSPECTORS = [f"执法证号3703230{n:03d}" for n in range(40, 240, 7)]


def licences(world: World) -> pd.DataFrame:
    """Every licence of the county up to the data end: the first one, then five-yearly renewals
    (decided 30 days before expiry while the business still operates). ``closed_on`` is the
    business's closing day when it closes during the licence's validity."""
    end = world.months[-1] + pd.offsets.MonthEnd(0)
    rows = []
    close_day = {
        i: (world.months[c] if c < N_MONTHS else pd.NaT) for i, c in enumerate(world.biz["close_month"])
    }
    for i, b in enumerate(world.biz.itertuples(index=False)):
        decided, k = pd.Timestamp(b.licence_decided), 0
        while decided <= end:
            valid_to = decided + pd.DateOffset(years=5) - pd.Timedelta(days=1)
            closed = close_day[i]
            rows.append(
                {
                    "row": i,
                    "decided": decided,
                    "valid_to": valid_to,
                    "k": k,
                    "closed_on": closed if pd.notna(closed) and decided <= closed <= valid_to else pd.NaT,
                }
            )
            nxt = valid_to - pd.Timedelta(days=30)
            if pd.notna(closed) and closed <= nxt:
                break
            decided, k = nxt, k + 1
    out = pd.DataFrame(rows)
    out["seq"] = np.arange(1, len(out) + 1)
    return out


def _d(values: pd.Series | pd.DatetimeIndex, fmt: str) -> list[str]:
    return [v.strftime(fmt) if pd.notna(v) else "" for v in pd.to_datetime(pd.Series(values))]


def _cn_date(values: pd.Series) -> list[str]:
    return [f"{v.year}年{v.month}月{v.day}日" for v in pd.to_datetime(values)]


def permits_frame(
    world: World, lic: pd.DataFrame, start: pd.Timestamp, stop: pd.Timestamp, first: bool
) -> pd.DataFrame:
    """Licences decided in ``[start, stop)`` (all earlier ones too in the ``first`` export), and
    re-exports with 当前状态 注销 of those whose business closed in the period."""
    current = lic["valid_to"] >= start  # the first export lists the licences still valid then
    new = lic[(lic["decided"] < stop) & ((lic["decided"] >= start) | (first & current))].assign(status="正常")
    gone = lic[(lic["closed_on"] >= start) & (lic["closed_on"] < stop)].assign(status="注销")
    part = pd.concat([new, gone], ignore_index=True)
    biz = world.biz.iloc[part["row"].to_numpy()].reset_index(drop=True)
    spec = [INDUSTRIES[k] for k in biz["industry_idx"]]
    year = part["decided"].dt.year.to_numpy()
    return pd.DataFrame(
        {
            "行政相对人名称": biz["name"],
            "行政相对人类别": biz["subject_type"],
            "行政相对人代码_1（统一社会信用代码）": biz["uscc"],
            "法定代表人": biz["legal_rep"],
            "行政许可决定文书名称": [f"{s.licence}决定书" for s in spec],
            "行政许可决定文书号": [f"沂审批许字〔{y}〕{n}号" for y, n in zip(year, part["seq"], strict=True)],
            "许可类别": "普通",
            "许可证书名称": [s.certificate for s in spec],
            "许可编号": [f"XK370323{y}{n:06d}" for y, n in zip(year, part["seq"], strict=True)],
            "许可内容": [f"{s.name}（{s.licence}）" for s in spec],
            "许可决定日期": _d(part["decided"], "%Y/%m/%d"),
            "有效期自": _cn_date(part["decided"]),
            "有效期至": _d(part["valid_to"], "%Y-%m-%d"),
            "许可机关": AUTHORITY,
            "许可机关统一社会信用代码": AUTHORITY_CODE,
            "当前状态": part["status"].to_numpy(),
            "数据来源单位": AUTHORITY,
            "经营地址": biz["address"],
            "所属乡镇（街道）": biz["township"],
            "行业代码": biz["industry"],
        }
    )


def inspections_frame(world: World, ins: pd.DataFrame) -> pd.DataFrame:
    biz = world.biz.iloc[ins["row"].to_numpy()].reset_index(drop=True)
    probs = [
        PROBLEMS[s][int(u * len(PROBLEMS[s]))] for s, u in zip(biz["sector"], ins["u_label"], strict=True)
    ]
    problem = ins["severity"].to_numpy() > 0
    ids = ins["event_id"].to_numpy()
    pick = ids % len(INSPECTORS)
    return pd.DataFrame(
        {
            "检查编号": [f"JC{d:%Y%m}{e:07d}" for d, e in zip(ins["inspected_on"], ids, strict=True)],
            "检查日期": _d(ins["inspected_on"], "%Y-%m-%d"),
            "被检查单位": biz["name"],
            "统一社会信用代码": biz["uscc"],
            "检查类型": ins["type"].to_numpy(),
            "检查结果": ins["result"].to_numpy(),
            "发现问题": [p[0] if f else "" for p, f in zip(probs, problem, strict=True)],
            "问题数量": ins["problem_count"].to_numpy(),
            "违法行为类型": [p[1] if f else "" for p, f in zip(probs, problem, strict=True)],
            "检查人员": [f"{INSPECTORS[a]}、{INSPECTORS[(a + 5) % len(INSPECTORS)]}" for a in pick],
            "经营地址": biz["address"],
            "所属乡镇": biz["township"],
            "行业代码": biz["industry"],
        }
    )


def penalties_frame(world: World, pen: pd.DataFrame) -> pd.DataFrame:
    biz = world.biz.iloc[pen["row"].to_numpy()].reset_index(drop=True)
    probs = [
        PROBLEMS[s][int(u * len(PROBLEMS[s]))] for s, u in zip(biz["sector"], pen["u_label"], strict=True)
    ]
    fine = np.round(0.2 + 4.8 * pen["u_label"].to_numpy() ** 2, 1)
    year = pd.to_datetime(pen["decided_on"]).dt.year.to_numpy()
    return pd.DataFrame(
        {
            "行政相对人名称": biz["name"],
            "行政相对人类别": biz["subject_type"],
            "行政相对人代码_1（统一社会信用代码）": biz["uscc"],
            "法定代表人": biz["legal_rep"],
            "行政处罚决定书文号": [
                f"源罚决字〔{y}〕{e}号" for y, e in zip(year, pen["event_id"], strict=True)
            ],
            "违法行为类型": [p[1] for p in probs],
            "违法事实": [f"经查，当事人经营过程中存在{p[0]}的问题。" for p in probs],
            "处罚依据": "依据相关法律法规",
            "处罚类别": np.where(fine > 2, "警告；罚款", "罚款"),
            "处罚内容": [f"罚款人民币{int(f * 10000)}元" for f in fine],
            "罚款金额（万元）": [f"{f:.6f}" for f in fine],
            "处罚决定日期": _cn_date(pen["decided_on"]),
            "处罚机关": [PENALTY_AUTHORITY[s] for s in biz["sector"]],
            "数据来源单位": [PENALTY_AUTHORITY[s] for s in biz["sector"]],
            "经营地址": biz["address"],
            "所属乡镇（街道）": biz["township"],
            "行业代码": biz["industry"],
        }
    )


def complaints_frame(world: World, cmp: pd.DataFrame) -> pd.DataFrame:
    biz = world.biz.iloc[cmp["row"].to_numpy()].reset_index(drop=True)
    cat = [CATEGORIES[s] for s in biz["sector"]]
    ids = cmp["event_id"].to_numpy()
    received = pd.to_datetime(cmp["received_at"])
    sub = cmp["substantiated"].to_numpy()
    return pd.DataFrame(
        {
            "工单编号": [f"GD{d:%Y%m%d}{e:07d}" for d, e in zip(received, ids, strict=True)],
            "受理时间": _d(received, "%Y-%m-%d %H:%M:%S"),
            "受理渠道": "12345热线",
            "诉求类型": cmp["request_type"].to_numpy(),
            "事项分类": cat,
            "诉求标题": [f"反映{n}经营问题" for n in biz["name"]],
            "诉求内容": [
                f"市民反映{n}存在{c.split('/')[-1]}方面的问题，请有关部门核查处理。"
                for n, c in zip(biz["name"], cat, strict=True)
            ],
            "被反映对象": biz["name"],
            "事发地址": biz["address"],
            "所属乡镇": biz["township"],
            "承办单位": [PENALTY_AUTHORITY[s] for s in biz["sector"]],
            "办结时间": _d(cmp["closed_at"], "%Y/%m/%d %H:%M"),
            "办理结果": np.where(
                np.isin(sub, ["属实", "部分属实"]),
                "经核查情况属实，已责令整改。",
                "经核查，未发现所反映问题。",
            ),
            "是否属实": sub,
            "满意度": "满意",
        }
    )


def write_csv(frame: pd.DataFrame, path: Path, encoding: str) -> Path:
    frame.to_csv(path, index=False, encoding=encoding)
    return path


#: No 事项编码 column: like a hand-made list, the register matches each row to the catalogue item
#: for its 建议方式 and industry (a list with an empty 事项编码 column is refused since main's
#: catalogue rule, which would say "no item fits" rather than guess).
REVIEW_HEADERS = (
    "序号",
    "统一社会信用代码",
    "行政相对人名称",
    "所属乡镇",
    "行业",
    "建议方式",
    "风险分",
    "理由",
    "证据",
    "是否采纳",
    "指导人员",
    "计划时间",
    "备注",
    "主体标识",
)
#: Extra columns of a drawn list (today's review file has none; the register ignores them).
DRAW_HEADERS = ("入选概率", "抽取方式", "抽取种子")


def write_reviewed_list(rows: pd.DataFrame, path: Path, as_of: pd.Timestamp, drawn: bool) -> Path:
    """The reviewed candidate list (.xlsx): title, note, header row, one row per proposal.

    ``rows`` columns: uscc, name, township, industry, action, score, reasons, evidence, adopted
    (bool), officers, planned_on, business_id and, for a draw, inclusion_prob, design, seed.
    """
    from openpyxl import Workbook

    headers = REVIEW_HEADERS + (DRAW_HEADERS if drawn else ())
    wb = Workbook()
    sh = wb.active
    sh.title = "候选名单"
    sh.append([f"行政指导候选名单（计划日期：{as_of.year}年{as_of.month}月{as_of.day}日）"])
    sh.append(["本名单为系统建议，已经政策法规科审核（模拟数据）。"])
    sh.append(list(headers))
    for n, r in enumerate(rows.itertuples(index=False), start=1):
        values = [
            n,
            r.uscc,
            r.name,
            r.township,
            r.industry,
            r.action,
            None if pd.isna(r.score) else round(float(r.score), 4),
            r.reasons,
            r.evidence,
            "是" if r.adopted else "否",
            r.officers,
            pd.Timestamp(r.planned_on).strftime("%Y-%m-%d"),
            None if r.adopted else "经审核暂不采纳",
            r.business_id,
        ]
        if drawn:
            values += [round(float(r.inclusion_prob), 6), r.design, int(r.seed)]
        sh.append(values)
    wb.save(path)
    return path
