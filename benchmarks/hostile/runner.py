"""Scenario registry, verdicts and subprocess helpers of the hostile-ingest probe.

Only the public API is used: ``guidance_analytics.Workspace`` (``import_file``, ``table``, ``query``),
``guidance_analytics.InputFileError`` and the console script (run as ``python -m guidance_analytics``
so that the worktree's code is the one tested).
"""

from __future__ import annotations

import html
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "benchmarks"

#: Outcomes, most severe first (a scenario reports the most severe of its findings).
OUTCOMES = ("CRASH", "SILENT_LOSS", "PII_KEPT", "WRONG", "SLOW", "OK")
RESULT_MARK = "@@PROBE-RESULT@@"


# -- registry -----------------------------------------------------------------------------------
@dataclass
class Scenario:
    name: str
    point: int
    title: str
    func: Callable[[Ctx], Verdict]
    timeout: float = 120.0
    #: address-space limit (GiB) of the scenario process: a runaway allocation aborts, not the host
    rlimit_gb: float | None = None


SCENARIOS: dict[str, Scenario] = {}


def scenario(
    point: int, title: str, timeout: float = 120.0, rlimit_gb: float | None = None
) -> Callable[[Callable[[Ctx], Verdict]], Callable[[Ctx], Verdict]]:
    def register(func: Callable[[Ctx], Verdict]) -> Callable[[Ctx], Verdict]:
        name = func.__name__.removeprefix("s_")
        SCENARIOS[name] = Scenario(name, point, title, func, timeout, rlimit_gb)
        return func

    return register


# -- verdicts -----------------------------------------------------------------------------------
@dataclass
class Verdict:
    """Findings of one scenario; the outcome is the most severe one (OK when there is none)."""

    findings: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)

    def add(self, outcome: str, text: str) -> Verdict:
        assert outcome in OUTCOMES, outcome
        self.findings.append((outcome, text))
        return self

    def note(self, text: str) -> Verdict:
        self.notes.append(text)
        return self

    def check(self, ok: bool, outcome: str, text: str) -> bool:
        if not ok:
            self.add(outcome, text)
        return ok

    @property
    def outcome(self) -> str:
        found = {o for o, _ in self.findings}
        return next((o for o in OUTCOMES if o in found), "OK")

    def detail(self) -> str:
        parts = [f"{o}: {t}" for o, t in sorted(self.findings, key=lambda f: OUTCOMES.index(f[0]))]
        return "; ".join(parts + self.notes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "detail": self.detail(),
            "findings": self.findings,
            "notes": self.notes,
            "metrics": self.metrics,
        }


# -- context handed to scenarios ----------------------------------------------------------------
@dataclass
class Ctx:
    tmp: Path
    scale: float = 1.0

    def path(self, name: str) -> Path:
        return self.tmp / name

    def workspace(self, name: str = "ws") -> Any:
        import guidance_analytics as ga

        return ga.Workspace(self.tmp / name)


@dataclass
class Attempt:
    """What one ``ws.import_file`` call did."""

    result: Any = None
    error: BaseException | None = None
    trace: str = ""

    @property
    def refused(self) -> bool:
        import guidance_analytics as ga

        return isinstance(self.error, ga.InputFileError)

    @property
    def message(self) -> str:
        return "" if self.error is None else str(self.error)

    def describe(self) -> str:
        if self.error is None:
            r = self.result
            return (
                f"read {r.read} = accepted {r.accepted} + updated {r.updated} + duplicates {r.duplicates}"
                f" + rejected {r.rejected}"
            )
        return f"{type(self.error).__name__}: {short(self.message)}"


def try_import(ws: Any, path: Path, kind: str, **kwargs: Any) -> Attempt:
    try:
        return Attempt(result=ws.import_file(path, kind, **kwargs))
    except Exception as exc:  # the probe classifies every exception
        return Attempt(error=exc, trace=traceback.format_exc())


def crash_or_refusal(v: Verdict, attempt: Attempt, what: str) -> bool:
    """Record an exception other than ``InputFileError`` as CRASH; True when the call raised."""
    if attempt.error is None:
        return False
    if not attempt.refused:
        v.add(
            "CRASH",
            f"{what}: {type(attempt.error).__name__} {short(attempt.message)} "
            f"(at {last_frame(attempt.trace)})",
        )
    return True


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN`` (details end up in terminals and files)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", str(text))


def short(text: str, n: int = 160) -> str:
    """One line of at most ``n`` characters; control characters shown as ``\\xNN``."""
    text = " ".join(printable(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def last_frame(trace: str) -> str:
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', trace)
    if not frames:
        return "?"
    path, line, func = frames[-1]
    return f"{Path(path).name}:{line} {func}"


def has_cjk(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def reconciles(r: Any) -> bool:
    return r.read == r.accepted + r.updated + r.duplicates + r.rejected


def tables(ws: Any) -> dict[str, Any]:
    """Every table and view of the workspace as a DataFrame (through ``ws.table``)."""
    names = ws.query(
        "SELECT table_name AS n FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() "
        "WHERE NOT internal"
    )["n"].tolist()
    return {n: ws.table(n) for n in sorted(names)}


def frame_text(frame: Any) -> str:
    """Every cell of a DataFrame as text, one line per row (empty cells blank)."""
    if frame is None or len(frame) == 0:
        return ""
    cells = frame.astype(object).where(frame.notna(), "")
    return "\n".join(" ".join(map(str, row)) for row in cells.itertuples(index=False, name=None))


def count(ws: Any, table: str) -> int:
    return int(ws.query(f"SELECT count(*) AS n FROM {table}")["n"].iloc[0])  # noqa: S608 - fixed names


# -- subprocesses -------------------------------------------------------------------------------
def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(BENCH), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("GUIDANCE_ANALYTICS_LOCK_WAIT", "2")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


@dataclass
class Run:
    cmd: list[str]
    rc: int | None
    stdout: str
    stderr: str
    seconds: float
    maxrss_mb: float
    timed_out: bool

    @property
    def signal(self) -> str | None:
        if self.rc is not None and self.rc < 0:
            try:
                return signal.Signals(-self.rc).name
            except ValueError:
                return f"signal {-self.rc}"
        return None

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.stderr


def run_measured(
    cmd: list[str],
    timeout: float,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    rlimit_gb: float | None = None,
    drop_root_override: bool = False,
    input_text: str | None = None,
) -> Run:
    """Run ``cmd`` with a timeout; return its exit status, output and **its own** peak RSS
    (``os.wait4`` gives the rusage of that one child, whatever else this process ran before).

    ``drop_root_override`` runs the child without the capabilities that let root ignore file
    permissions (a read-only workspace is then read-only for it too).
    """
    if drop_root_override and os.geteuid() == 0:
        caps = "-dac_override,-dac_read_search,-fowner"
        cmd = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *cmd]

    def limits() -> None:
        os.setsid()
        if rlimit_gb:
            size = int(rlimit_gb * (1 << 30))
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    with tempfile.TemporaryFile("w+b") as out, tempfile.TemporaryFile("w+b") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=err,
            stdin=subprocess.PIPE if input_text else subprocess.DEVNULL,
            env=env or child_env(),
            cwd=cwd,
            preexec_fn=limits,
        )
        if input_text:
            assert proc.stdin is not None
            proc.stdin.write(input_text.encode())
            proc.stdin.close()
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            cmd,
            None if timed_out else proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            usage.ru_maxrss / 1024,
            timed_out,
        )


def cli(ws_dir: Path, *args: str, timeout: float = 120.0, **kwargs: Any) -> Run:
    """The console script on the worktree's code: ``guidance-analytics --workspace WS ARGS``.

    Commands other than init/demo need an existing workspace: a missing one is initialised first
    (so the probe exercises the file, not the workspace check)."""
    if not ws_dir.exists() and args and args[0] not in ("init", "demo"):
        run_measured(
            [sys.executable, "-m", "guidance_analytics", "--workspace", str(ws_dir), "init"], timeout
        )
    return run_measured(
        [sys.executable, "-m", "guidance_analytics", "--workspace", str(ws_dir), *args], timeout, **kwargs
    )


def python(code: str, timeout: float = 120.0, **kwargs: Any) -> Run:
    """Run a snippet with the worktree's package first on the path."""
    return run_measured([sys.executable, "-c", code], timeout, **kwargs)


def last_json(text: str) -> dict[str, Any] | None:
    for line in reversed(text.strip().splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    return None


def cli_verdict(v: Verdict, run: Run, what: str, want_ok: bool = False) -> None:
    """CLI contract: no traceback, no signal; a refusal is one Chinese line and exit code 2."""
    if run.timed_out:
        v.add("SLOW", f"{what}: no answer in {run.seconds:.0f} s")
    elif run.signal:
        v.add("CRASH", f"{what}: killed by {run.signal} ({short(run.stderr.strip()[:200])})")
    elif run.traceback:
        last = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else ""
        v.add("CRASH", f"{what}: traceback, exit {run.rc}: {short(last)}")
    elif run.rc != 0 and want_ok:
        v.add("WRONG", f"{what}: exit {run.rc}: {short(run.stderr.strip())}")
    elif run.rc not in (0, 2):
        v.add("WRONG", f"{what}: exit {run.rc} ({short(run.stderr.strip())})")


# -- personal data ------------------------------------------------------------------------------
PHONE = re.compile(r"(?<![0-9０-９])(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})(?![0-9０-９])")
ID18 = re.compile(
    r"(?<![0-9])[1-6][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
)


def pii_hits(text: str, names: Iterable[str] = (), allowed: Iterable[str] = ()) -> list[str]:
    """Phone numbers, 18-digit ID numbers and the given names found in ``text`` (minus ``allowed``:
    e.g. the bureau's own published contact numbers)."""
    allowed = set(allowed)
    hits = [h for h in PHONE.findall(text) + ID18.findall(text) if h not in allowed]
    hits += [n for n in names if n and n in text]
    return hits


def scan_frames(
    frames: dict[str, Any], names: Iterable[str], allowed: Iterable[str] = ()
) -> dict[str, list[str]]:
    """Personal data found per ``table.column`` (every cell, every column, as text)."""
    names = list(names)
    found: dict[str, list[str]] = {}
    for tname, df in frames.items():
        for col in df.columns:
            values = df[col].dropna().astype(str)
            hits: list[str] = []
            for value in values.unique():
                hits += pii_hits(value, names, allowed)
            if hits:
                found[f"{tname}.{col}"] = sorted(set(hits))
    return found


def file_text(path: Path) -> str:
    """All text of a file: xlsx/docx parts unzipped, others decoded leniently."""
    import zipfile

    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        parts = []
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.endswith((".xml", ".rels", ".txt", ".csv", ".htm", ".html")):
                    parts.append(zf.read(name).decode("utf-8", "replace"))
        # tags out, entities in (openpyxl writes CJK as &#21016; references)
        return html.unescape(re.sub(r"<[^>]+>", " ", "\n".join(parts)))
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def scan_files(
    root: Path, names: Iterable[str], skip: Iterable[Path] = (), allowed: Iterable[str] = ()
) -> dict[str, list[str]]:
    """Personal data found per file under ``root`` (the workspace: rejects/, exports/ …).

    The database itself is scanned through its tables; inputs listed in ``skip`` are ignored.
    """
    skip = {p.resolve() for p in skip}
    names = list(names)
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.resolve() in skip or path.suffix in (".duckdb", ".wal"):
            continue
        hits = pii_hits(file_text(path), names, allowed)
        if hits:
            found[str(path.relative_to(root))] = sorted(set(hits))
    return found
