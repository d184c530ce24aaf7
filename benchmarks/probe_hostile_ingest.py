"""Hostile-ingest probe for issue 11: small hostile files and fault scenarios, one subprocess each.

Every numbered point of issue 11 has at least one scenario. Each scenario builds its own files in
code, runs in its own process (a SIGABRT or a hang is caught and reported) with a timeout, uses
only the public API (``guidance_analytics.Workspace``, ``InputFileError``, the console script) and
classifies the outcome:

- ``OK``           clear ``InputFileError`` / rejects with a reason / correct update;
- ``SILENT_LOSS``  rows missing from all of accepted/updated/duplicates/rejected, or no reconciliation;
- ``PII_KEPT``     phone numbers, ID numbers or planted caller names kept in a table, file or message;
- ``CRASH``        a traceback, an exception other than ``InputFileError``, a signal;
- ``WRONG``        e.g. an older state overwrote a newer one, a column dropped, an unclear message;
- ``SLOW``         over the time / memory goal, or no answer within the timeout.

    PYTHONPATH=. python benchmarks/probe_hostile_ingest.py                 # everything
    PYTHONPATH=. python benchmarks/probe_hostile_ingest.py --only 8        # one issue point
    PYTHONPATH=. python benchmarks/probe_hostile_ingest.py --json benchmarks/results/probe.json
    PYTHONPATH=. python benchmarks/probe_hostile_ingest.py --scale 0.1     # smaller bulk files (6, 14, 15)

The exit code is always 0: this is a probe, not a test.

How faults are made (nothing inside the package is patched or called directly):

- peak RSS is the child's own ``ru_maxrss`` from ``os.wait4`` (the rusage of that one process);
- xlsx with a cell at XFD1048576 runs under an address-space limit, so an abort cannot take the host;
- a read-only workspace is chmod'ed 0555/0444 and, when the probe runs as root, the child runs under
  ``setpriv`` without CAP_DAC_OVERRIDE / CAP_FOWNER (root would otherwise write anyway);
- broken databases and a newer ``schema_version`` are made with ``duckdb`` on the file itself;
- interrupted writes: in a child, the stdlib's ``zipfile.ZipFile.write/writestr`` (used by openpyxl
  and python-docx) kill the process (SIGKILL) or raise ``OSError(ENOSPC)`` at the second member,
  then the probe checks what is left under the final name (a good copy was there before).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostile import scen_hostile, scen_lose, scen_people, scen_speed  # noqa: E402,F401 - register scenarios
from hostile.runner import (  # noqa: E402
    OUTCOMES,
    RESULT_MARK,
    SCENARIOS,
    Ctx,
    Verdict,
    last_json,
    printable,
    run_measured,
    short,
)


def run_child(name: str, tmp: Path, scale: float) -> None:
    """Inside the scenario's own process: run it and print its verdict as one marked JSON line."""
    sc = SCENARIOS[name]
    try:
        verdict = sc.func(Ctx(tmp=tmp, scale=scale))
    except Exception as exc:  # an exception escaping the public API is a crash of the package
        frames = traceback.extract_tb(exc.__traceback__)
        where = next((f for f in reversed(frames) if "guidance_analytics" in f.filename), None)
        origin = (
            f"in {Path(where.filename).name}:{where.lineno} {where.name}"
            if where is not None
            else f"PROBE BUG at {Path(frames[-1].filename).name}:{frames[-1].lineno}"
        )
        verdict = Verdict().add("CRASH", f"{type(exc).__name__}: {short(str(exc), 120)} ({origin})")
    print(RESULT_MARK + json.dumps(verdict.as_dict(), ensure_ascii=False, default=str), flush=True)


def run_one(name: str, scale: float, keep: bool) -> dict:
    sc = SCENARIOS[name]
    tmp = Path(tempfile.mkdtemp(prefix=f"probe11_{name[:40]}_"))
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        name,
        "--tmp",
        str(tmp),
        "--scale",
        str(scale),
    ]
    run = run_measured(cmd, timeout=sc.timeout, rlimit_gb=sc.rlimit_gb)
    found = last_json(run.stdout)
    if run.timed_out:
        out = {"outcome": "SLOW", "detail": f"no result within the {sc.timeout:.0f} s timeout"}
    elif found is not None:
        out = found
    elif run.signal:
        tail = " ".join(run.stderr.strip().splitlines()[:1])
        out = {"outcome": "CRASH", "detail": f"process killed by {run.signal}: {short(tail, 140)}"}
    else:
        tail = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else ""
        out = {"outcome": "CRASH", "detail": f"exit {run.rc} without a verdict: {short(tail, 140)}"}
    out["detail"] = printable(out["detail"])
    out.update(
        scenario=name,
        point=sc.point,
        title=sc.title,
        seconds=round(run.seconds, 2),
        peak_rss_mb=round(run.maxrss_mb, 1),
    )
    if keep:
        out["tmp"] = str(tmp)
    else:
        _remove(tmp)
    return out


def _remove(tmp: Path) -> None:
    for path in [tmp, *tmp.rglob("*")]:  # read-only scenarios leave 0o444/0o555 behind
        try:
            path.chmod(0o755 if path.is_dir() else 0o644)
        except OSError:
            pass
    shutil.rmtree(tmp, ignore_errors=True)


def print_table(rows: list[dict]) -> None:
    width = max(len(r["scenario"]) for r in rows)
    print(f"{'scenario':<{width}}  pt  {'outcome':<11}  {'s':>6}  detail")
    print("-" * (width + 120))
    for r in rows:
        print(
            f"{r['scenario']:<{width}}  {r['point']:>2}  {r['outcome']:<11}  {r['seconds']:>6.1f}  {r['detail']}"
        )
    counts = Counter(r["outcome"] for r in rows)
    print()
    print(
        "outcomes: " + ", ".join(f"{o} {counts[o]}" for o in OUTCOMES if counts[o]) + f"  (total {len(rows)})"
    )
    bad = sorted({r["point"] for r in rows if r["outcome"] != "OK"})
    print(f"points with a non-OK scenario: {', '.join(map(str, bad)) or 'none'}")
    covered = sorted({r["point"] for r in rows})
    print(f"points covered: {', '.join(map(str, covered))}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", type=int, action="append", help="run only the scenarios of this issue point"
    )
    parser.add_argument("--scenario", action="append", help="run only this scenario (name)")
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="scale of the bulk files of points 6, 14 and 15 (1.0 = the issue's sizes)",
    )
    parser.add_argument("--keep", action="store_true", help="keep each scenario's temporary folder")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.tmp, args.scale)
        return
    chosen = [
        s
        for s in SCENARIOS.values()
        if (not args.only or s.point in args.only) and (not args.scenario or s.name in args.scenario)
    ]
    chosen.sort(key=lambda s: s.point)
    if args.list:
        for s in chosen:
            print(f"{s.point:>2}  {s.name:<44} {s.title}")
        return
    rows = []
    started = time.time()
    for s in chosen:
        print(f"[{time.time() - started:7.1f} s] {s.point:>2} {s.name} …", file=sys.stderr, flush=True)
        rows.append(run_one(s.name, args.scale, args.keep))
        print(f"           → {rows[-1]['outcome']}", file=sys.stderr, flush=True)
    print_table(rows)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"scale": args.scale, "seconds": round(time.time() - started, 1), "results": rows},
                ensure_ascii=False,
                indent=1,
                default=str,
            )
        )
        print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    try:
        main()
    except SystemExit as exc:  # usage errors are printed by argparse; the probe still exits 0
        if exc.code not in (0, None):
            print(f"(exit code {exc.code} replaced by 0: this is a probe)", file=sys.stderr)
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
    except BaseException:  # a probe never fails its caller
        traceback.print_exc()
    sys.exit(0)
