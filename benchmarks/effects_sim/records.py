"""Realise the potential events of a world into records, given the guidance multipliers so far.

Events of month ``t`` depend on guidance only through ``mult[:, t]``, and guidance chosen at a
round changes ``mult`` from that round's month on, so the records before a round can be realised
(and imported) before the round's selection is made.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .world import N_MONTHS, World

RESULTS = ("未发现问题", "发现问题已当场整改", "责令限期整改", "移送立案")

PROBLEMS = {
    "food_service": (
        ("从业人员健康证明过期", "从业人员管理不规范"),
        ("餐用具清洗消毒不到位", "餐饮具消毒不规范"),
        ("原料进货查验记录不全", "进货查验不规范"),
        ("后厨环境卫生不达标", "环境卫生不达标"),
    ),
    "food_retail": (
        ("销售超过保质期食品", "销售过期食品"),
        ("食品标签标识不规范", "标签不规范"),
        ("进货查验记录不全", "进货查验不规范"),
    ),
    "pharmacy": (("执业药师不在岗", "药学技术人员不在岗"), ("处方药未凭处方销售", "处方药销售不规范")),
    "lodging": (("卫生许可证未公示", "公示不规范"), ("公共用品用具消毒不到位", "消毒不规范")),
    "entertainment": (("消防通道堵塞", "安全管理不到位"), ("未按规定设置未成年人标志", "经营管理不规范")),
    "transport": (("车辆未按规定年审", "车辆管理不规范"), ("驾驶员从业资格不符", "从业人员管理不规范")),
    "construction": (("施工现场安全防护不到位", "安全生产不规范"), ("未按许可内容施工", "许可事项不符")),
}
CATEGORIES = {
    "food_service": "市场监管/食品安全/餐饮服务",
    "food_retail": "市场监管/食品安全/食品销售",
    "pharmacy": "市场监管/药品安全/药品零售",
    "lodging": "卫生健康/公共场所卫生",
    "entertainment": "文化旅游/娱乐场所",
    "transport": "交通运输/道路运输",
    "construction": "住房城乡建设/建筑施工",
}


def multipliers(world: World, guided: pd.DataFrame, effect: float) -> np.ndarray:
    """(n, T) multipliers of the latent rate: ``1 + effect`` for ``effect_months`` from each
    guidance's month (``guided``: columns ``row`` = business position, ``month`` = index)."""
    mult = np.ones((world.n, N_MONTHS))
    n_m = world.params.effect_months
    for row, month in zip(guided["row"], guided["month"], strict=True):
        mult[row, month : month + n_m] *= 1.0 + effect
    return mult


def _day(world: World, month: np.ndarray, u: np.ndarray) -> pd.DatetimeIndex:
    starts = world.months[month]
    return starts + pd.to_timedelta(np.floor(u * starts.days_in_month).astype(int), unit="D")


def realise(world: World, mult: np.ndarray, start: int, stop: int) -> dict[str, pd.DataFrame]:
    """Records of months ``[start, stop)``: ``inspections``, ``complaints``, ``penalties``
    (penalties are those that follow the period's 移送立案 inspections, whatever their date)."""
    p = world.params
    ev = world.events[(world.events["month"] >= start) & (world.events["month"] < stop)]
    b, t = ev["biz"].to_numpy(), ev["month"].to_numpy()
    lam = world.lam0[b, t] * mult[b, t]
    q = 1.0 - np.exp(-lam)
    src = ev["src"].to_numpy()
    keep = np.where(src == 2, ev["u_keep"].to_numpy() < mult[b, t] / world.extra["m_max"], True)
    ev, b, t, q, src = ev[keep], b[keep], t[keep], q[keep], src[keep]
    day = _day(world, t, ev["u_day"].to_numpy())
    biz = world.biz
    # complaints (src 2 substantiated, 3 not)
    is_c = src >= 2
    c = ev[is_c]
    c_day = day[is_c]
    c_sub = src[is_c] == 2
    lab = c["u_label"].to_numpy()
    received = c_day + pd.to_timedelta(np.floor(c["u_hour"].to_numpy() * 10 * 3600) + 8 * 3600, unit="s")
    complaints = pd.DataFrame(
        {
            "event_id": c["event_id"].to_numpy(),
            "row": c["biz"].to_numpy(),
            "received_at": received,
            "closed_at": received + pd.to_timedelta(3 + np.floor(lab * 12), unit="D"),
            "substantiated": np.where(
                c_sub, np.where(lab < 0.8, "属实", "部分属实"), np.where(lab < 0.7, "不属实", "无法核实")
            ),
            "request_type": np.where(c["u_type"].to_numpy() < 0.75, "投诉", "举报"),
        }
    )
    # inspections: routine/campaign (src 0) and complaint checks (src 2, 3)
    checked = np.where(is_c, ev["u_check"].to_numpy() < p.p_check, True)
    i_ev = ev[checked]
    i_b, i_t, i_src, i_q = b[checked], t[checked], src[checked], q[checked]
    i_day = day[checked]
    lag = np.floor(i_ev["u_check_lag"].to_numpy() * 15).astype(int)
    month_end = world.months[i_t] + pd.to_timedelta(world.months[i_t].days_in_month - 1, unit="D")
    shifted = i_day + pd.to_timedelta(np.where(i_src >= 2, lag, 0), unit="D")
    i_day = pd.DatetimeIndex(np.minimum(shifted.values, month_end.values))
    det = i_ev["u_det"].to_numpy()
    problem = np.where(i_src == 2, det < p.det_sub, det < i_q)
    cut = np.cumsum(p.p_severity)
    sev = np.where(problem, 1 + np.searchsorted(cut, i_ev["u_sev"].to_numpy() * cut[-1], side="right"), 0)
    sev = np.minimum(sev, 3)
    camp_share = np.zeros(len(i_ev))
    div = biz["industry"].str[:2].to_numpy()
    camp = set(zip(world.campaigns["division"], world.campaigns["month"], strict=True))
    in_camp = np.array([(div[x], y) in camp for x, y in zip(i_b, i_t, strict=True)], dtype=bool)
    if in_camp.any():
        camp_share[in_camp] = p.density * p.campaign_rate / world.routine_rate[i_b[in_camp], i_t[in_camp]]
    u_type = i_ev["u_type"].to_numpy()
    kind = np.where(
        i_src >= 2,
        "投诉核查",
        np.where(
            u_type < camp_share,
            "专项检查",
            np.where(u_type < camp_share + (1 - camp_share) * 0.6, "双随机抽查", "日常检查"),
        ),
    )
    inspections = pd.DataFrame(
        {
            "event_id": i_ev["event_id"].to_numpy(),
            "row": i_b,
            "inspected_on": i_day,
            "type": kind,
            "severity": sev,
            "result": np.asarray(RESULTS)[sev],
            "problem_count": np.where(sev > 0, 1 + np.floor(i_ev["u_count"].to_numpy() * 2.5), 0).astype(int),
            "u_label": i_ev["u_label"].to_numpy(),
        }
    )
    # penalties after 移送立案
    referred = sev == 3
    follows = i_ev["u_pen"].to_numpy()[referred] < p.p_penalty
    ref = inspections[referred][follows]
    lag_days = 15 + np.floor(i_ev["u_lag"].to_numpy()[referred][follows] * 60)
    penalties = pd.DataFrame(
        {
            "event_id": ref["event_id"].to_numpy(),
            "row": ref["row"].to_numpy(),
            "decided_on": ref["inspected_on"].to_numpy() + pd.to_timedelta(lag_days, unit="D").to_numpy(),
            "u_label": ref["u_label"].to_numpy(),
        }
    )
    return {
        "inspections": inspections.reset_index(drop=True),
        "complaints": complaints,
        "penalties": penalties,
    }
