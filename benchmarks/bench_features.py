"""Benchmark: risk scores for a county-sized and a province-sized workspace, generated in DuckDB.

For each size (default 200,000 and 1,000,000 businesses, about 58 events per business over four
years), a parent process builds the workspace directly with SQL (no files), then starts a fresh
**scoring process** that opens it and, in this order:

1. runs the bare baseline: per-business counts of inspections in the last 3 and 12 months as of
   the planning date (one DuckDB ``GROUP BY`` with ``FILTER``s, fetched as a DataFrame);
2. runs ``risk_scores(ws, as_of)`` as a user would (features in DuckDB, the one hotspot run,
   training on 24 monthly planning dates with the hash sample, chunked scoring, explanations for
   the listed rows only);

and reports the time of each, their ratio, and the peak resident memory of the scoring process
alone (the data generator runs in the parent and is not counted).

    python benchmarks/bench_features.py                          # 200 k and 1 M businesses
    python benchmarks/bench_features.py --businesses 20000        # one size
    python benchmarks/bench_features.py --keep /tmp/bench         # keep (and reuse) the workspaces

The synthetic world: businesses have a latent propensity (a sixth turn bad at a random date),
fields and seasons shift the rate; inspections (of several types) find problems, complaints are
substantiated and penalties follow with probabilities rising with the propensity.

Results (``benchmarks/results/bench_features.txt``; 2 cores shared with three other jobs, load
average 9–14, so wall times are inflated several-fold: the CPU ratio is the fairer figure).
After issue 10's scale fixes: 200 k businesses, 10 M events: 659 s wall (the process got about a
fifth of a core), 127 CPU-s, 122× the bare count's CPU, peak 2,309 MB; 1 M businesses, 50 M
events: 2,206 s wall, 656 CPU-s, 123× the bare count's CPU, peak 3,114 MB (the 4 GB goal is met).
Before (same generator, lighter load): 200 k 931 s wall, peak 2,669 MB; 1 M
2,940 s, peak 9,812 MB (the 4 GB goal was not met).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
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
BARE_COUNT = """
SELECT business_id,
       count(*) FILTER (WHERE inspected_on >= $as_of - INTERVAL 3 MONTH) AS n_3m,
       count(*) FILTER (WHERE inspected_on >= $as_of - INTERVAL 12 MONTH) AS n_12m
FROM inspections
WHERE inspected_on < $as_of AND inspected_on >= $as_of - INTERVAL 12 MONTH
GROUP BY business_id
"""


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
        SELECT 'I' || e, d, business_id,
               CASE e % 4 WHEN 0 THEN '双随机抽查' WHEN 1 THEN '日常检查' WHEN 2 THEN '投诉核查' ELSE '专项检查' END,
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


def cpu_s() -> float:
    """CPU seconds of this process so far (all threads, user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def score(folder: Path, as_of: str) -> dict[str, Any]:
    """The scoring process: the bare count, then ``risk_scores``; wall and CPU times, this
    process's peak memory. Also written to ``<folder>_score.json`` beside the workspace."""
    from guidance_analytics import Workspace
    from guidance_analytics.core import to_date
    from guidance_analytics.targeting import risk_scores

    ws = Workspace(folder)
    day = to_date(as_of)
    t0, c0 = time.perf_counter(), cpu_s()
    with ws.store.connect(read_only=True) as con:
        bare = con.execute(BARE_COUNT, {"as_of": day}).df()
    t1, c1 = time.perf_counter(), cpu_s()
    peak_bare = peak_mb()
    scores = risk_scores(ws, day)
    t2, c2 = time.perf_counter(), cpu_s()
    model = scores.attrs["model"]
    out = {
        "bare_rows": len(bare),
        "bare_s": t1 - t0,
        "bare_peak_mb": peak_bare,
        "scored": len(scores),
        "explained": int(scores["explanation"].notna().sum()),
        "score_s": t2 - t1,
        "peak_mb": peak_mb(),
        "model": model["kind"],
        "n_train": model["n_train"],
        "calibrated_to": model.get("calibrated_to"),
        "ties_top_10pct": int(scores["rank"].iloc[: len(scores) // 10].duplicated().sum()),
        "bare_cpu_s": c1 - c0,
        "score_cpu_s": c2 - c1,
    }
    folder.with_name(f"{folder.name}_score.json").write_text(json.dumps(out), encoding="utf-8")
    return out


def cpu_ratio(res: dict[str, Any]) -> str:
    """CPU time of ``risk_scores`` over that of the bare count (fairer than wall time on a busy machine)."""
    return f"{res['score_cpu_s'] / res['bare_cpu_s']:.0f}×" if res.get("bare_cpu_s") else "?"


def build(folder: Path, n_businesses: int, n_events: int) -> dict[str, int]:
    """Create (or reuse) the workspace in ``folder``; return its row counts."""
    from guidance_analytics import Workspace

    ws = Workspace(folder)
    counts = ws.query(
        "SELECT (SELECT count(*) FROM businesses) AS b, (SELECT count(*) FROM inspections) AS i, "
        "(SELECT count(*) FROM complaints) AS c, (SELECT count(*) FROM penalties) AS p"
    )
    if int(counts.b[0]) != n_businesses:
        with ws.store.transaction() as con:
            for table in ("penalties", "complaints", "inspections", "permits", "businesses"):
                con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            generate(con, n_businesses, n_events)
        counts = ws.query(
            "SELECT (SELECT count(*) FROM businesses) AS b, (SELECT count(*) FROM inspections) AS i, "
            "(SELECT count(*) FROM complaints) AS c, (SELECT count(*) FROM penalties) AS p"
        )
    return {k: int(counts[k][0]) for k in ("b", "i", "c", "p")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, nargs="*", default=[200_000, 1_000_000])
    parser.add_argument("--events-per-business", type=float, default=58.5)
    parser.add_argument("--as-of", default="2024-10-01")
    parser.add_argument("--keep", type=Path, default=None, help="Keep (and reuse) the workspaces here.")
    parser.add_argument("--score", type=Path, default=None, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if args.score is not None:
        print(json.dumps(score(args.score, args.as_of)))
        return 0
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_features_"))
    rows = []
    for n in args.businesses:
        folder = root / f"b{n}"
        t0 = time.perf_counter()
        counts = build(folder, n, int(n * args.events_per_business))
        print(
            f"workspace {n:,} businesses: {counts['i']:,} inspections, {counts['c']:,} complaints, "
            f"{counts['p']:,} penalties (ready in {time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
        child = subprocess.run(
            [sys.executable, __file__, "--score", str(folder), "--as-of", args.as_of],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            print(child.stderr[-3000:], file=sys.stderr)
            return child.returncode
        res = json.loads(child.stdout.strip().splitlines()[-1])
        rows.append((n, counts, res))
        print(
            f"  bare windowed count: {res['bare_rows']:,} rows in {res['bare_s']:.2f} s; "
            f"risk_scores: {res['scored']:,} businesses in {res['score_s']:.1f} s "
            f"(model {res['model']}, {res['n_train']:,} training rows, calibrated to {res['calibrated_to']}, "
            f"{res['explained']:,} explained); ratio {res['score_s'] / res['bare_s']:.0f}×; CPU "
            f"{res['bare_cpu_s']:.2f} s and {res['score_cpu_s']:.0f} s, ratio {cpu_ratio(res)}; "
            f"peak memory of the scoring process {res['peak_mb']:,.0f} MB",
            flush=True,
        )
    print(
        "\n| businesses | events | bare count (s) | risk_scores (s) | ratio | CPU ratio "
        "| peak memory of scoring (MB) |"
    )
    print("|---|---|---|---|---|---|---|")
    for n, counts, res in rows:
        events = counts["i"] + counts["c"] + counts["p"]
        print(
            f"| {n:,} | {events:,} | {res['bare_s']:.2f} | {res['score_s']:.1f} | "
            f"{res['score_s'] / res['bare_s']:.0f}× | {cpu_ratio(res)} | {res['peak_mb']:,.0f} |"
        )
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
