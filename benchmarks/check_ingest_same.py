"""Check that two versions of the code import the same files into exactly the same workspaces.

For speed work on ingest (issue 11): every case is imported once with the reference code (default
``/work/main``) and once with this checkout, each in its own process (``PYTHONPATH`` set to the
version's root), into fresh workspaces. Each child dumps

- every stored table, every column (``extra`` JSON and the rejects' ``raw`` struct included),
  rows sorted, values as text; the timestamps of when it ran (``imported_at``, ``started_at``,
  ``applied_at``) are left out;
- each import's account (read / accepted / updated / duplicates / rejected, warnings, match rate,
  encoding, sheet, header row, unknown and personal columns) or its ``InputFileError`` message,
  and the rejected rows it returned;
- the files under ``rejects/`` (name and every cell);

and the two dumps must be equal. Cases: the bundled samples (``data_samples/``, twice: default
batches and 700-row batches), files built with ``benchmarks/hostile/build.py`` (rejects past the
xlsx limit, PII and callers' names, odd white space and full-width text, re-imports with updates,
an xlsx, the other record kinds, and files that fail in a later batch: a UTF-8 line in a GB18030
file, an unclosed quote, an undecodable byte, ragged rows — each after a good import, so the
workspace left behind is compared too), and a benchmark-size work-order file (``bench_ingest.make_file``)
imported twice.

    PYTHONPATH=. python benchmarks/check_ingest_same.py                 # main vs this checkout
    PYTHONPATH=. python benchmarks/check_ingest_same.py --rows 300000 --only bench
    PYTHONPATH=. python benchmarks/check_ingest_same.py --reference /work/main --keep /tmp/same
    PYTHONPATH=. python benchmarks/check_ingest_same.py --keep /tmp/same --reuse-reference   # again
    PYTHONPATH=. python benchmarks/check_ingest_same.py --new-migrations   # a branch with a migration

The exit code is 1 when any case differs.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))

from hostile import build as b  # noqa: E402

TODAY = "2025-06-30"
VOLATILE = {"imported_at", "started_at", "finished_at", "applied_at"}


# -- cases ---------------------------------------------------------------------------------------
def _complaint_rows(start: int, n: int, **over: str) -> list[list[str]]:
    return [b.complaint_row(start + i, **over) for i in range(n)]


def build_cases(root: Path, rows: int) -> dict[str, dict]:
    """Files under ``root`` and, per case, the imports to run: ``{"steps": [[file, kind], …],
    "batch_rows": int | None}``."""
    root.mkdir(parents=True, exist_ok=True)
    samples = REPO / "data_samples"
    cases: dict[str, dict] = {}
    if samples.is_dir():
        sys.path.insert(0, str(REPO))
        from guidance_analytics.jobs import discover

        steps = [[str(p), kind] for kind, p in discover(samples)]
        cases["samples"] = {"steps": steps, "batch_rows": None}
        cases["samples_700"] = {"steps": steps, "batch_rows": 700}

    h = b.COMPLAINT_HEADER + ["来电人", "来电号码", "备注"]
    rng = np.random.default_rng(11)

    def orders(name: str, start: int, n: int, encoding: str = "gb18030", **over: str) -> Path:
        body = []
        for i in range(n):
            cells = b.complaint_cells(start + i)
            cells.update(over)
            k = start + i
            who = ["张建国", "李秀英", "王女士", "刘洋", "市民"][k % 5]
            cells["来电人"] = who
            cells["来电号码"] = f"139{k:08d}"[:11]
            cells["诉求内容"] = [
                f"{who}反映：{cells['被反映对象']}卫生差，联系电话0533-{3000000 + k}",
                f"来电人称　　店内　有异物\t请核查（ＡＢＣ１２３）{chr(0x7)}",
                f"郑女士反映{cells['被反映对象']}价格欺诈",
                "顾客反映有异物",
                f"身份证号37032319800101{k % 10000:04d}，要求退款",
            ][k % 5]
            cells["备注"] = ["", f"回访电话1580000{k % 10000:04d}", "ｆｕｌｌ　ｗｉｄｔｈ", " 多  空格 "][
                k % 4
            ]
            if k % 97 == 0:
                cells["受理时间"] = "2024/13/45"  # rejected
            if k % 89 == 0:
                cells["诉求类型"] = "其它类"  # rejected
            if k % 83 == 0:
                cells["办结时间"] = "2020-01-01 00:00:00"  # before 受理时间: rejected
            body.append(b.row_for(h, cells))
        return b.write_csv(root / name, h, body, encoding=encoding)

    good = orders("orders_a.csv", 0, 3000)
    updated = orders("orders_b.csv", 2000, 3000, 办理结果="已办结，回复当事人")  # 1000 updates
    cases["orders"] = {"steps": [[str(good), "complaints"], [str(updated), "complaints"]], "batch_rows": 1000}
    cases["orders_default_batch"] = {"steps": cases["orders"]["steps"], "batch_rows": None}
    utf8 = orders("orders_utf8.csv", 5000, 1500, encoding="utf-8")
    cases["orders_utf8"] = {"steps": [[str(utf8), "complaints"]], "batch_rows": 400}

    # many rejects: the rejects file becomes a CSV
    reject_all = b.bulk_complaints(root / "reject_all.csv", 7000, reject_all=True, seed=3)
    cases["reject_all"] = {
        "steps": [[str(good), "complaints"], [str(reject_all), "complaints"]],
        "batch_rows": 2000,
    }

    # failing part-way: each after a good import, the workspace must stay as it was
    lines = b.csv_lines(h, [b.row_for(h, b.complaint_cells(10_000 + i)) for i in range(3000)])
    path = root / "mojibake_late.csv"
    with path.open("wb") as fh:
        for i, line in enumerate(lines):
            fh.write(line.encode("utf-8" if i == 2600 else "gb18030"))
    cases["mojibake_late"] = {
        "steps": [[str(good), "complaints"], [str(path), "complaints"]],
        "batch_rows": 1000,
    }
    path = root / "bad_byte_late.csv"
    with path.open("wb") as fh:
        for i, line in enumerate(lines):
            data = line.encode("gb18030")
            fh.write(data[:-2] + b"\xff\xfe\r\n" if i == 2700 else data)
    cases["bad_byte_late"] = {
        "steps": [[str(good), "complaints"], [str(path), "complaints"]],
        "batch_rows": 1000,
    }
    quoted = [*lines[:2300], lines[2300].replace(",沂源县", ',"沂源县', 1), *lines[2301:]]
    path = b.write_lines(root / "quote_late.csv", quoted, encoding="gb18030")
    cases["quote_late"] = {
        "steps": [[str(good), "complaints"], [str(path), "complaints"]],
        "batch_rows": 1000,
    }
    ragged = [
        *lines[:1800],
        lines[1800].rstrip("\r\n") + ",多余,单元格\r\n",
        lines[1801].rsplit(",", 3)[0] + "\r\n",
        *lines[1802:],
    ]
    path = b.write_lines(root / "ragged_late.csv", ragged, encoding="gb18030")
    cases["ragged_late"] = {
        "steps": [[str(good), "complaints"], [str(path), "complaints"]],
        "batch_rows": 1000,
    }
    late_dup = orders("orders_repeat.csv", 0, 2500)  # repeats keys of orders_a across batches
    cases["repeats"] = {
        "steps": [[str(late_dup), "complaints"], [str(good), "complaints"]],
        "batch_rows": 600,
    }

    # an xlsx of work orders
    frame = b.complaints_frame(rng, 20_000, 2500)
    xlsx = root / "orders.xlsx"

    def gen():
        yield ["沂源县12345政务服务便民热线工单导出"]
        yield b.COMPLAINT_HEADER
        yield from frame.itertuples(index=False, name=None)

    if not xlsx.exists():  # a zip holds its write time: kept reference dumps need the same bytes
        b.write_xlsx(xlsx, {"工单": gen()})
    cases["xlsx"] = {"steps": [[str(xlsx), "complaints"]], "batch_rows": 1000}

    # the other kinds: licences, inspections, penalties, then work orders naming them
    def records(
        name: str, header: list[str], cells, ids: range, encoding: str = "utf-8", **over: str
    ) -> Path:
        return b.write_csv(root / name, header, [b.row_for(header, cells(i), **over) for i in ids], encoding)

    permits = records("permits.csv", b.PERMIT_HEADER, b.permit_cells, range(1500))
    permits2 = records(
        "permits2.csv", b.PERMIT_HEADER, b.permit_cells, range(1000, 2000), "gb18030", 当前状态="注销"
    )
    inspections = records("inspections.csv", b.INSPECTION_HEADER, b.inspection_cells, range(1200))
    penalties = records("penalties.csv", b.PENALTY_HEADER, b.penalty_cells, range(900))
    cases["kinds"] = {
        "steps": [
            [str(permits), "permits"],
            [str(inspections), "inspections"],
            [str(penalties), "penalties"],
            [str(good), "complaints"],
            [str(permits2), "permits"],
        ],
        "batch_rows": 500,
    }

    # benchmark size
    if rows:
        from bench_ingest import make_file

        big = root / f"bench_{rows}.csv"
        cached = Path(tempfile.gettempdir()) / "ga_bench_goals" / f"complaints_gb18030_{rows}.csv"
        if cached.exists():
            big = cached
        elif not big.exists():
            make_file(big, rows)
        cases["bench"] = {"steps": [[str(big), "complaints"], [str(big), "complaints"]], "batch_rows": None}
    return cases


# -- child: import and dump ----------------------------------------------------------------------
def _text(value: object) -> str:
    if value is None:
        return "∅"
    try:
        if value != value:  # NaN / NaT
            return "∅"
    except (TypeError, ValueError):
        pass
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=False, default=str)
    return repr(value) if isinstance(value, float) else str(value)


def _frame_rows(frame) -> list[tuple[str, ...]]:
    cols = [c for c in frame.columns if c not in VOLATILE]
    rows = [tuple(_text(v) for v in row) for row in frame[cols].itertuples(index=False, name=None)]
    return [tuple(cols)] + sorted(rows)


def child(case: dict, ws_dir: Path, out: Path) -> None:
    import duckdb

    import guidance_analytics as ga

    ws = ga.Workspace(ws_dir)
    if case.get("batch_rows"):
        cfg = ws_dir / "config"
        cfg.mkdir(exist_ok=True)
        from guidance_analytics.core.config import config_file

        text = config_file(None, "ingest.toml").read_text(encoding="utf-8")
        text = text.replace("batch_rows = 50000", f"batch_rows = {case['batch_rows']}")
        (cfg / "ingest.toml").write_text(text, encoding="utf-8")
    results = []
    for file, kind in case["steps"]:
        try:
            r = ws.import_file(file, kind, today=TODAY)
        except ga.InputFileError as exc:
            results.append({"error": str(exc)})
            continue
        results.append(
            {
                "account": [r.read, r.accepted, r.updated, r.duplicates, r.rejected, r.reconciles],
                "warnings": sorted(r.warnings.items()),
                "match": [r.match_rate, r.matched, r.named],
                "meta": [r.encoding, r.sheet, r.header_row, r.unknown_columns, r.dropped_personal],
                "rejects_file": r.rejects_file.name if r.rejects_file else None,
                "rejects_complete": r.rejects_complete,
                "rejects": _frame_rows(r.rejects),
            }
        )
    del ws
    con = duckdb.connect(str(ws_dir / "workspace.duckdb"), read_only=True)
    tables = {}
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall():
        tables[name] = _frame_rows(con.execute(f'SELECT * FROM "{name}"').df())  # noqa: S608 - catalog names
    con.close()
    files = {}
    rejects = ws_dir / "rejects"
    for path in sorted(rejects.iterdir()) if rejects.is_dir() else []:
        if path.suffix == ".xlsx":
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_path(str(path))
            files[path.name] = [book.get_sheet_by_name(s).to_python() for s in book.sheet_names]
        else:
            files[path.name] = path.read_bytes()
    out.write_bytes(pickle.dumps({"results": results, "tables": tables, "files": files}))


def run_child(root: Path, name: str, case: dict, work: Path, label: str, reuse: bool = False) -> dict:
    ws_dir = work / f"{name}.{label}"
    out = work / f"{name}.{label}.pickle"
    if reuse and out.exists():
        return pickle.loads(out.read_bytes())
    shutil.rmtree(ws_dir, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(root))
    cmd = [sys.executable, str(HERE), "--child", json.dumps(case), "--ws", str(ws_dir), "--out", str(out)]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    if run.returncode != 0:
        raise RuntimeError(f"{name} ({label}) failed:\n{run.stderr[-2000:]}")
    return pickle.loads(out.read_bytes())


def compare(a: dict, b_: dict, new_migrations: bool = False) -> list[str]:
    """Differences between two dumps, briefly. With ``new_migrations`` the rows of ``schema_version``
    for migrations only this checkout has are left out (its other tables are compared as ever)."""
    out = []
    if new_migrations and "schema_version" in a["tables"] and "schema_version" in b_["tables"]:
        known = set(a["tables"]["schema_version"][1:])
        mine = b_["tables"]["schema_version"]
        b_ = {
            **b_,
            "tables": {**b_["tables"], "schema_version": [mine[0], *[r for r in mine[1:] if r in known]]},
        }
    for i, (x, y) in enumerate(zip(a["results"], b_["results"], strict=True)):
        for key in sorted(set(x) | set(y)):
            if x.get(key) != y.get(key):
                out.append(f"import {i + 1}: {key}: {str(x.get(key))[:300]} != {str(y.get(key))[:300]}")
    for name in sorted(set(a["tables"]) | set(b_["tables"])):
        ta, tb = a["tables"].get(name), b_["tables"].get(name)
        if ta != tb:
            if ta is None or tb is None or ta[0] != tb[0]:
                out.append(f"table {name}: columns {ta and ta[0]} != {tb and tb[0]}")
                continue
            diff = [(r, s) for r, s in zip(ta[1:], tb[1:], strict=False) if r != s][:2]
            out.append(f"table {name}: {len(ta) - 1} vs {len(tb) - 1} rows; first differences {diff}")
    if a["files"] != b_["files"]:
        out.append(f"rejects files: {sorted(a['files'])} vs {sorted(b_['files'])} (or their cells differ)")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--reference", type=Path, default=Path("/work/main"), help="root of the reference code"
    )
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the benchmark-size file (0: none)")
    parser.add_argument("--only", action="append", help="run only these cases")
    parser.add_argument("--keep", type=Path, help="build files and workspaces here and keep them")
    parser.add_argument(
        "--reuse-reference", action="store_true", help="with --keep: reuse the reference dumps kept there"
    )
    parser.add_argument(
        "--new-migrations",
        action="store_true",
        help="this checkout adds schema migrations: leave their schema_version rows out of the comparison",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--ws", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child), args.ws, args.out)
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="ingest_same_"))
    cases = build_cases(work / "files", args.rows)
    failed = 0
    for name, case in cases.items():
        if args.only and name not in args.only:
            continue
        ref = run_child(args.reference, name, case, work, "reference", args.reuse_reference)
        mine = run_child(REPO, name, case, work, "this")
        diffs = compare(ref, mine, args.new_migrations)
        steps = "; ".join(
            "error" if "error" in r else "=".join(map(str, r["account"][:5])) for r in mine["results"]
        )
        print(f"{name:<22} {'same' if not diffs else 'DIFFERENT'}  ({steps})", flush=True)
        for d in diffs:
            print("    " + d)
        failed += bool(diffs)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{failed} case(s) differ" if failed else "\nall cases identical")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
