"""Benchmark: features and risk scores for a large county-sized workspace, generated in DuckDB.

Builds a workspace with N businesses and M events (inspections ≈ 60 %, complaints, penalties)
directly with SQL (no files), then times ``features(as_of)`` and ``risk_scores(as_of)`` (training
on 24 monthly planning dates included) and reports the peak resident memory of the process.

    python benchmarks/bench_features.py                       # 200,000 businesses, ~10 million events
    python benchmarks/bench_features.py --businesses 20000 --events 1170000

The synthetic world: businesses have a latent propensity (a sixth turn bad at a random date),
fields and seasons shift the rate; inspections find problems, complaints are substantiated and
penalties follow with probabilities rising with the propensity.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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
INDUSTRIES = [
    "6210",
    "6220",
    "6291",
    "5211",
    "5212",
    "5213",
    "5251",
    "6121",
    "8051",
    "9011",
    "9013",
    "4700",
    "5011",
    "5421",
    "5431",
    "1392",
    "1411",
    "8393",
    "8425",
    "5265",
]


def generate(
    con: Any,
    n_businesses: int,
    n_events: int,
    seed: float = 0.42,
    start: str = "2021-01-01",
    days: int = 1461,
) -> None:
    """Fill businesses, permits, inspections, complaints and penalties in ``con`` (schema 001)."""
    con.execute(f"SELECT setseed({seed})")
    towns = "[" + ",".join(f"'{t}'" for t in TOWNSHIPS) + "]"
    inds = "[" + ",".join(f"'{c}'" for c in INDUSTRIES) + "]"
    nb, ne = int(n_businesses), int(n_events)
    con.execute(f"""  -- values are ints and constants, not user input
        CREATE OR REPLACE TEMP TABLE _biz AS
        SELECT i AS k, printf('B%08d', i) AS business_id,
               {towns}[1 + (hash(i, 1) % 12)::INT] AS township,
               {inds}[1 + (hash(i, 2) % 20)::INT] AS industry_code,
               CASE WHEN hash(i, 3) % 3 = 0 THEN '个体工商户' ELSE '法人及非法人组织' END AS subject_type,
               -2.8 + 1.1 * sqrt(-2 * ln((hash(i, 4) % 100000 + 1) / 100001.0))
                     * cos(2 * pi() * (hash(i, 5) % 100000) / 100000.0) AS base_logit,
               (hash(i, 6) % 6 = 0) AS turns_bad,
               DATE '{start}' + (hash(i, 7) % {days})::INT AS bad_from
        FROM range({nb}) t(i)
    """)  # noqa: S608
    con.execute(f"""  -- values are ints and constants, not user input
        INSERT INTO businesses (business_id, uscc, name, name_norm, township, industry_code, subject_type,
                                first_seen, last_seen)
        SELECT business_id, NULL, '商户' || k, '商户' || k, township, industry_code, subject_type,
               DATE '{start}', DATE '{start}' + {days} FROM _biz
    """)  # noqa: S608
    con.execute(f"""  -- values are ints and constants, not user input
        INSERT INTO permits (permit_key, business_id, permit_item, decision_date, valid_to, township, industry_code)
        SELECT 'P' || k, business_id,
               CASE WHEN industry_code IN ('4700','5011') THEN '建筑工程施工许可'
                    WHEN industry_code IN ('9011','9013') THEN '娱乐场所经营许可' ELSE '食品经营许可' END,
               DATE '{start}' - 900 + (hash(k, 8) % ({days} + 700))::INT,
               DATE '{start}' - 900 + (hash(k, 8) % ({days} + 700))::INT + 1826,
               township, industry_code
        FROM _biz
    """)  # noqa: S608
    # events: a skewed choice of business, a uniform date, a kind; the problem probability follows
    # the business's latent propensity, its field and whether it has turned bad by then.
    con.execute(f"""  -- values are ints and constants, not user input
        CREATE OR REPLACE TEMP TABLE _ev AS
        WITH raw AS (
            SELECT e, least(floor(pow(random(), 1.3) * {nb}), {nb} - 1)::BIGINT AS k,
                   DATE '{start}' + floor(random() * {days})::INT AS d, random() AS u_kind, random() AS u_out
            FROM range({ne}) t(e)
        )
        SELECT r.*, b.business_id, b.township, b.industry_code,
               1 / (1 + exp(-(b.base_logit + 0.08 * (hash(b.industry_code) % 10)
                              + CASE WHEN b.turns_bad AND r.d >= b.bad_from THEN 1.6 ELSE 0 END
                              + 0.25 * sin(2 * pi() * dayofyear(r.d) / 365.0)))) AS p
        FROM raw r JOIN _biz b USING (k)
    """)  # noqa: S608
    con.execute("""
        INSERT INTO inspections (inspection_no, inspected_on, business_id, inspection_type, result, problem_count,
                                 violation_type, township, industry_code)
        SELECT 'I' || e, d, business_id, '双随机抽查',
               CASE WHEN u_out >= 2.5 * p THEN '未发现问题' WHEN u_out < 0.15 * p THEN '移送立案'
                    WHEN u_out < 0.8 * p THEN '责令限期整改' ELSE '发现问题已当场整改' END,
               CASE WHEN u_out >= 2.5 * p THEN 0 ELSE 1 + (e % 3) END, '一般违法', township, industry_code
        FROM _ev WHERE u_kind < 0.6
    """)  # noqa: S608
    con.execute("""
        INSERT INTO complaints (order_no, received_at, request_type, category_top, substantiated, business_id,
                                closed_at, township)
        SELECT 'C' || e, d::TIMESTAMP + INTERVAL 9 HOUR, '投诉',
               CASE e % 3 WHEN 0 THEN '食品安全' WHEN 1 THEN '环境卫生' ELSE '经营秩序' END,
               CASE WHEN u_out < 1.5 * p THEN '属实' WHEN u_out < 0.6 THEN '不属实' ELSE '无法核实' END,
               business_id, d::TIMESTAMP + INTERVAL 10 DAY, township
        FROM _ev WHERE u_kind >= 0.6 AND u_kind < 0.6 + 0.4 * (0.5 + p)
    """)  # noqa: S608
    con.execute("""
        INSERT INTO penalties (decision_no, business_id, penalty_types, fine_yuan, decided_on, township, industry_code)
        SELECT 'X' || e, business_id, CASE WHEN e % 7 = 0 THEN '罚款;暂扣许可证件' ELSE '警告;罚款' END,
               1000 + (e % 20) * 500, d, township, industry_code
        FROM _ev WHERE u_kind >= 0.6 AND u_kind >= 0.6 + 0.4 * (0.5 + p) AND u_out < 0.5 * p
    """)  # noqa: S608
    con.execute("DROP TABLE _ev")
    con.execute("DROP TABLE _biz")


def peak_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, default=200_000)
    parser.add_argument(
        "--events",
        type=int,
        default=11_700_000,
        help="Event draws (about 86 %% become rows: the default gives ~10 million rows).",
    )
    parser.add_argument("--as-of", default="2024-10-01")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the workspace in this folder.")
    args = parser.parse_args(argv)

    from guidance_analytics import Workspace
    from guidance_analytics.targeting import features, risk_scores

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_features_"))
    ws = Workspace(folder)
    t0 = time.perf_counter()
    with ws.store.transaction() as con:
        generate(con, args.businesses, args.events)
    counts = ws.query(
        "SELECT (SELECT count(*) FROM inspections) AS i, (SELECT count(*) FROM complaints) AS c, "
        "(SELECT count(*) FROM penalties) AS p"
    )
    t1 = time.perf_counter()
    total = int(counts.i[0]) + int(counts.c[0]) + int(counts.p[0])
    print(
        f"generated {args.businesses:,} businesses, {total:,} events ({int(counts.i[0]):,} inspections, "
        f"{int(counts.c[0]):,} complaints, {int(counts.p[0]):,} penalties) in {t1 - t0:.1f} s"
    )
    feats = features(ws, args.as_of, use_hotspots=False)
    t2 = time.perf_counter()
    print(
        f"features as of {args.as_of}: {len(feats):,} rows × {feats.shape[1]} columns in {t2 - t1:.1f} s "
        f"(peak memory so far {peak_mb():,.0f} MB)"
    )
    del feats
    scores = risk_scores(ws, args.as_of, use_hotspots=False)
    t3 = time.perf_counter()
    model = scores.attrs["model"]
    print(
        f"risk scores: {len(scores):,} businesses in {t3 - t2:.1f} s "
        f"(model {model['kind']}, {model['n_train']:,} training rows, calibration {model['calibration']})"
    )
    print(f"peak resident memory: {peak_mb():,.0f} MB")
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
