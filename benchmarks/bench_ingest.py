"""Ingest benchmark: N 12345 work orders from a GB18030 CSV into a fresh workspace.

Prints rows/s and the peak memory of the import, for two file sizes run in separate processes, so
that one can see that memory does not grow with the file (ingest streams in bounded batches).

    python benchmarks/bench_ingest.py --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HEADER = [
    "工单编号",
    "受理时间",
    "受理渠道",
    "诉求类型",
    "事项分类",
    "诉求标题",
    "诉求内容",
    "被反映对象",
    "事发地址",
    "所属乡镇",
    "承办单位",
    "办结时间",
    "办理结果",
    "是否属实",
    "满意度",
    "来电人",
    "来电号码",
]
TOWNS = [
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
SHOPS = ["饭店", "超市", "药店", "宾馆", "浴池", "网吧", "小吃店", "诊所"]


def make_file(path: Path, rows: int, seed: int = 1) -> None:
    """Write ``rows`` synthetic work orders (GB18030) in chunks, without holding them all."""
    rng = np.random.default_rng(seed)
    chunk = 200_000
    with path.open("w", encoding="gb18030", newline="") as fh:
        fh.write("沂源县12345政务服务便民热线工单导出\n")
        fh.write(",".join(HEADER) + "\n")
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            received = pd.Timestamp("2021-01-01") + pd.to_timedelta(
                rng.integers(0, 4 * 365 * 86400, n), unit="s"
            )
            closed = received + pd.to_timedelta(rng.integers(3600, 20 * 86400, n), unit="s")
            town = rng.choice(TOWNS, n)
            shop = rng.choice(SHOPS, n)
            biz = np.char.add(
                np.char.add("沂源县", town),
                np.char.add(np.char.mod("%04d号", rng.integers(0, 3000, n)), shop),
            )
            frame = pd.DataFrame(
                {
                    "工单编号": np.char.mod("GD%09d", np.arange(start, start + n)),
                    "受理时间": received.strftime("%Y-%m-%d %H:%M:%S"),
                    "受理渠道": rng.choice(["电话", "网站", "微信"], n),
                    "诉求类型": rng.choice(["投诉", "举报", "咨询", "建议", "求助", "求决"], n),
                    "事项分类": rng.choice(
                        ["市场监管/食品安全/餐饮服务", "市场监管/药品安全", "城市管理/噪音"], n
                    ),
                    "诉求标题": "反映经营问题",
                    "诉求内容": np.char.add(biz, "卫生条件差，请核查处理"),
                    "被反映对象": biz,
                    "事发地址": np.char.add(town, "某路"),
                    "所属乡镇": town,
                    "承办单位": "沂源县市场监督管理局",
                    "办结时间": closed.strftime("%Y/%m/%d %H:%M"),
                    "办理结果": "已转办核实",
                    "是否属实": rng.choice(["属实", "部分属实", "不属实", "无法核实"], n),
                    "满意度": rng.choice(["满意", "基本满意", "不满意"], n),
                    "来电人": "市民",
                    "来电号码": np.char.mod("100%08d", rng.integers(0, 10**8, n)),
                }
            )
            frame.to_csv(fh, header=False, index=False)


def run_one(rows: int) -> dict[str, float]:
    import guidance_analytics as ga

    tmp = Path(tempfile.mkdtemp())
    path = tmp / "complaints.csv"
    t0 = time.perf_counter()
    make_file(path, rows)
    made = time.perf_counter() - t0
    ws = ga.Workspace(tmp / "ws")
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    result = ws.import_file(path, "complaints")
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert result.reconciles and result.read == rows
    return {
        "rows": rows,
        "file_mb": path.stat().st_size / 1e6,
        "make_s": made,
        "import_s": seconds,
        "rows_per_s": rows / seconds,
        "peak_rss_mb": peak / 1024,
        "rss_before_mb": base_rss / 1024,
        "accepted": result.accepted,
        "rejected": result.rejected,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--small", type=int, default=None, help="the smaller size to compare (default rows/4)"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    sizes = [args.small or max(args.rows // 4, 1000), args.rows]
    results = []
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], check=True, capture_output=True, text=True
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{'rows':>10} {'file MB':>8} {'import s':>9} {'rows/s':>10} {'peak RSS MB':>12}")
    for r in results:
        print(
            f"{r['rows']:>10,} {r['file_mb']:>8.1f} {r['import_s']:>9.1f} {r['rows_per_s']:>10,.0f} {r['peak_rss_mb']:>12.0f}"
        )
    small, big = results
    print(
        f"rows ×{big['rows'] / small['rows']:.1f} → peak memory ×{big['peak_rss_mb'] / small['peak_rss_mb']:.2f}, "
        f"throughput ratio {big['rows_per_s'] / small['rows_per_s']:.2f}"
    )


if __name__ == "__main__":
    main()
