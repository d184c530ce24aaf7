"""Tiny hand-built workspaces for the features, risk and candidates tests (rows inserted directly)."""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import guidance_analytics as ga

_ids = itertools.count(1)


def make_ws(tmp_path: Path) -> ga.Workspace:
    return ga.Workspace(tmp_path / "ws")


def business(
    con: Any,
    bid: str,
    township: str = "南麻街道",
    industry: str = "6210",
    subject: str = "个体工商户",
    name: str | None = None,
    uscc: str | None = None,
) -> None:
    con.execute(
        "INSERT INTO businesses (business_id, uscc, name, name_norm, township, industry_code, subject_type) "
        "VALUES ($b, $u, $n, $n, $t, $i, $s)",
        {"b": bid, "u": uscc or bid, "n": name or f"商户{bid}", "t": township, "i": industry, "s": subject},
    )


# Records carry the township and industry class of their business (as bureau exports do): the
# features read a business's field from its records as of the planning date.


def permit(
    con: Any,
    bid: str,
    decided: str,
    item: str = "食品经营许可",
    valid_to: str | None = None,
    industry: str | None = None,
) -> None:
    """A licence; ``industry`` overrides the class written on it (default: the business's)."""
    con.execute(
        "INSERT INTO permits (permit_key, business_id, permit_item, certificate_name, decision_date, valid_to, "
        "township, industry_code) SELECT $k, $b, $i, $i, $d, $v, b.township, b.industry_code "
        "FROM (SELECT 1) LEFT JOIN businesses b ON b.business_id = $b",
        {"k": f"P{next(_ids)}", "b": bid, "i": item, "d": decided, "v": valid_to},
    )
    if industry is not None:
        con.execute(
            "UPDATE permits SET industry_code = $c WHERE business_id = $b AND decision_date = $d",
            {"c": industry, "b": bid, "d": decided},
        )


def inspection(
    con: Any,
    bid: str,
    day: str,
    result: str = "未发现问题",
    violation: str | None = None,
    problems: int | None = None,
    kind: str = "日常检查",
) -> None:
    con.execute(
        "INSERT INTO inspections (inspection_no, inspected_on, business_id, result, violation_type, problem_count, "
        "inspection_type, township, industry_code) SELECT $k, $d, $b, $r, $v, $p, $t, b.township, b.industry_code "
        "FROM (SELECT 1) LEFT JOIN businesses b ON b.business_id = $b",
        {
            "t": kind,
            "k": f"I{next(_ids)}",
            "d": day,
            "b": bid,
            "r": result,
            "v": violation,
            "p": problems if problems is not None else (0 if result == "未发现问题" else 1),
        },
    )


def complaint(
    con: Any,
    bid: str,
    received: str,
    substantiated: str | None = "属实",
    category: str = "食品安全",
    closed: str | None = None,
    request_type: str = "投诉",
) -> None:
    con.execute(
        "INSERT INTO complaints (order_no, received_at, closed_at, request_type, category_top, substantiated, "
        "business_id) VALUES ($k, CAST($r AS TIMESTAMP), CAST($c AS TIMESTAMP), $q, $cat, $s, $b)",
        {
            "k": f"C{next(_ids)}",
            "r": received,
            "c": closed or received,
            "q": request_type,
            "cat": category,
            "s": substantiated,
            "b": bid,
        },
    )


def penalty(
    con: Any, bid: str, day: str, types: str = "警告", violation: str | None = None, fine: float = 0.0
) -> None:
    con.execute(
        "INSERT INTO penalties (decision_no, business_id, penalty_types, violation_type, fine_yuan, decided_on) "
        "VALUES ($k, $b, $t, $v, $f, $d)",
        {"k": f"X{next(_ids)}", "b": bid, "t": types, "v": violation, "f": fine, "d": day},
    )


def populate_history(con: Any, n: int = 80, start_year: int = 2022, end_year: int = 2024) -> set[str]:
    """A seeded population: every 5th business is risky (a problem at 70 % of inspections, 60 % of
    them 责令限期整改, a substantiated complaint after a third of them); others have a problem at
    12 % of inspections (a quarter of them 责令限期整改).
    Each business is inspected every two months.

    Returns the ids of the risky businesses.
    """
    risky = set()
    rng = random.Random(20240701)
    for k in range(n):
        bid = f"B{k:04d}"
        is_risky = k % 5 == 0
        if is_risky:
            risky.add(bid)
        business(
            con,
            bid,
            township=("南麻街道", "鲁村镇")[k % 2],
            industry=("6210", "5211")[k % 3 == 0],
            subject=("个体工商户", "法人及非法人组织")[k % 2],
        )
        permit(con, bid, f"{start_year - 1}-03-01", valid_to=f"{end_year + 3}-03-01")
        visit = 0
        for year in range(start_year, end_year + 1):
            for month in range(1 + k % 2, 13, 2):
                visit += 1
                day = f"{year}-{month:02d}-{1 + k % 27:02d}"
                bad = rng.random() < (0.7 if is_risky else 0.12)
                serious = rng.random() < (0.6 if is_risky else 0.25)
                result = ("责令限期整改" if serious else "发现问题已当场整改") if bad else "未发现问题"
                inspection(con, bid, day, result)
                if is_risky and bad and rng.random() < 0.33:
                    complaint(con, bid, day, "属实")
    return risky
