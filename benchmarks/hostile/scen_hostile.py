"""Scenarios for issue 11 points 8–12: hostile workbooks, files that are not what they are named,
broken workspaces, ``ws.query`` that must stay read-only, interrupted writes."""

from __future__ import annotations

import random
import re
import shutil
import zipfile
from pathlib import Path

import duckdb

from . import build as b
from .runner import (
    RESULT_MARK,
    Ctx,
    Verdict,
    cli,
    cli_verdict,
    crash_or_refusal,
    has_cjk,
    last_json,
    pii_hits,
    python,
    scenario,
    short,
    try_import,
)

H = b.COMPLAINT_HEADER


def _import_in_child(
    path: Path,
    ws_dir: Path,
    kind: str = "complaints",
    rlimit_gb: float = 8.0,
    timeout: float = 120.0,
    **kwargs,
):
    """``ws.import_file`` in a separate process (an abort there is reported, not suffered)."""
    code = f"""
import json, guidance_analytics as ga
ws = ga.Workspace({str(ws_dir)!r})
try:
    r = ws.import_file({str(path)!r}, {kind!r})
    out = {{"ok": True, "read": r.read, "accepted": r.accepted, "updated": r.updated,
           "duplicates": r.duplicates, "rejected": r.rejected}}
except ga.InputFileError as exc:
    out = {{"ok": False, "refused": True, "message": str(exc)}}
except Exception as exc:
    out = {{"ok": False, "refused": False, "type": type(exc).__name__, "message": str(exc)}}
print({RESULT_MARK!r} + json.dumps(out, ensure_ascii=False))
"""
    return python(code, timeout=timeout, rlimit_gb=rlimit_gb, **kwargs)


def _child_verdict(v: Verdict, run, what: str, expected_rows: int) -> dict | None:
    if run.timed_out:
        v.add("SLOW", f"{what}: no answer within {run.seconds:.0f} s")
        return None
    if run.signal:
        first = run.stderr.strip().splitlines()[0] if run.stderr.strip() else ""
        v.add(
            "CRASH",
            f"{what}: process killed by {run.signal} after {run.seconds:.1f} s "
            f"(peak RSS {run.maxrss_mb:.0f} MB): {short(first, 90)}",
        )
        return None
    out = last_json(run.stdout)
    if out is None:
        v.add("CRASH", f"{what}: exit {run.rc}, {short(run.stderr.strip()[-200:])}")
        return None
    if out["ok"]:
        got = out["read"]
        v.check(got == expected_rows, "SILENT_LOSS", f"{what}: read {got} of {expected_rows} rows")
        v.note(f"{what}: imported read {got} (peak RSS {run.maxrss_mb:.0f} MB, {run.seconds:.1f} s)")
    elif out.get("refused"):
        v.note(f"{what}: refused: {short(out['message'], 90)}")
    else:
        v.add("CRASH", f"{what}: {out['type']}: {short(out['message'], 90)}")
    return out


# -- 8. xlsx declared / used ranges --------------------------------------------------------------
def _xfd(ctx: Ctx, name: str, far: bool, dim: bool, first_sheet: bool = False) -> Path:
    data = [H] + [b.complaint_row(i) for i in range(1, 4)]
    if first_sheet:
        sheets = {"说明": [["导出说明"]], "工单": data}
        target = "说明"
    else:
        sheets = {"工单": data}
        target = "工单"
    return b.write_xlsx(
        ctx.path(name),
        sheets,
        far_cells={target: [("XFD1048576", "x")]} if far else None,
        dimension={target: "A1:XFD1048576"} if dim else None,
    )


def _xfd_verdict(ctx: Ctx, path: Path) -> Verdict:
    v = Verdict()
    v.note(f"file {path.stat().st_size} bytes")
    _child_verdict(v, _import_in_child(path, ctx.tmp / "ws"), "ws.import_file", 3)
    run = cli(ctx.tmp / "ws_cli", "import", "complaints", str(path), rlimit_gb=8.0)
    if run.signal:
        v.add("CRASH", f"CLI import: killed by {run.signal}")
    else:
        cli_verdict(v, run, "CLI import")
    return v


@scenario(8, "xlsx with one cell at XFD1048576 (≈3 KB; import in a subprocess)", rlimit_gb=10)
def s_xlsx_cell_at_xfd1048576(ctx: Ctx) -> Verdict:
    return _xfd_verdict(ctx, _xfd(ctx, "far_cell.xlsx", far=True, dim=True))


@scenario(8, "xlsx declaring <dimension ref=A1:XFD1048576> over 4 real rows", rlimit_gb=10)
def s_xlsx_declared_huge_dimension(ctx: Ctx) -> Verdict:
    return _xfd_verdict(ctx, _xfd(ctx, "dimension.xlsx", far=False, dim=True))


@scenario(
    8,
    "far cell in a first 说明 sheet; data in the second (sheet choice must read first rows only)",
    rlimit_gb=10,
)
def s_xlsx_far_cell_in_other_sheet(ctx: Ctx) -> Verdict:
    return _xfd_verdict(ctx, _xfd(ctx, "two_sheets.xlsx", far=True, dim=False, first_sheet=True))


# -- 9. files that are not what their name says ---------------------------------------------------
PERSONAL_ROW = ["张建国", "13912345678", "370323198001011234", "沂源县历山街道健康路7号"]


def _refusal(ctx: Ctx, path: Path, words: tuple[str, ...], what: str, kind: str = "complaints") -> Verdict:
    v = Verdict()
    ws = ctx.workspace()
    a = try_import(ws, path, kind)
    if a.error is None:
        v.add("WRONG", f"{what} imported as data: {a.describe()}")
        return v
    if crash_or_refusal(v, a, "import"):
        msg = a.message
        if a.refused:
            v.note(f"message: {short(msg, 110)}")
            v.check(has_cjk(msg), "WRONG", "message not in Chinese")
            v.check(
                any(w in msg for w in words),
                "WRONG",
                f"message does not say the file is {what} (expected one of {'/'.join(words)})",
            )
            hits = pii_hits(msg, PERSONAL_ROW[:1])
            v.check(not hits, "PII_KEPT", f"message echoes row contents: {hits}")
            english = re.findall(r"[A-Za-z][A-Za-z ,'\-]{12,}", msg)
            if english:
                v.note(f"raw library text in message: {short(english[0], 50)!r}")
    cli_verdict(v, cli(ctx.tmp / "ws_cli", "import", kind, str(path)), "CLI import")
    return v


ROWS = [b.complaint_row(i) for i in (1, 2)]


@scenario(9, "HTML table saved as .xls (<html xmlns:o=…>)")
def s_html_saved_as_xls(ctx: Ctx) -> Verdict:
    return _refusal(ctx, b.write_html_xls(ctx.path("export.xls"), H, ROWS), ("网页", "HTML"), "HTML")


@scenario(9, "HTML saved as .xls starting with a comment and <style> (as some systems write it)")
def s_html_with_comment_as_xls(ctx: Ctx) -> Verdict:
    prefix = "\r\n<!-- 由 12345 热线系统导出 -->\r\n<style>td{mso-number-format:'\\@';}</style>\r\n"
    return _refusal(
        ctx, b.write_html_xls(ctx.path("export.xls"), H, ROWS, prefix=prefix), ("网页", "HTML"), "HTML"
    )


@scenario(9, "MHTML (single-file web page) saved as .xls")
def s_mhtml_saved_as_xls(ctx: Ctx) -> Verdict:
    return _refusal(
        ctx, b.write_mhtml_xls(ctx.path("export.xls"), H, ROWS), ("MHTML", "网页", "单个文件网页"), "MHTML"
    )


@scenario(9, "UTF-16 HTML (with BOM) saved as .xls")
def s_utf16_html_as_xls(ctx: Ctx) -> Verdict:
    return _refusal(
        ctx,
        b.write_html_xls(ctx.path("export.xls"), H, ROWS, encoding="utf-16-le"),
        ("网页", "HTML"),
        "UTF-16 HTML",
    )


@scenario(9, "password-protected workbook (OLE CFB with EncryptionInfo / EncryptedPackage) as .xlsx")
def s_encrypted_workbook(ctx: Ctx) -> Verdict:
    return _refusal(ctx, b.write_encrypted_stub(ctx.path("protected.xlsx")), ("加密", "密码"), "encrypted")


@scenario(9, "CSV renamed .xlsx")
def s_csv_renamed_xlsx(ctx: Ctx) -> Verdict:
    path = b.write_csv(ctx.path("orders.xlsx"), H, ROWS)
    return _refusal(ctx, path, ("CSV", "文本"), "CSV text")


@scenario(9, "a zip archive that is not a workbook, named .xlsx")
def s_zip_not_xlsx(ctx: Ctx) -> Verdict:
    return _refusal(ctx, b.write_plain_zip(ctx.path("bundle.xlsx")), ("zip", "ZIP", "压缩"), "a zip archive")


@scenario(9, "zero-byte .csv and .xlsx")
def s_zero_byte_files(ctx: Ctx) -> Verdict:
    v = Verdict()
    for name in ("empty.csv", "empty.xlsx"):
        path = ctx.path(name)
        path.write_bytes(b"")
        sub = _refusal(ctx, path, ("空",), "empty")
        v.findings += [(o, f"{name}: {t}") for o, t in sub.findings]
        v.notes += [f"{name}: {t}" for t in sub.notes]
    return v


@scenario(9, "no recognisable header; first row holds a caller's name, phone and ID number")
def s_no_header_message_echoes_row(ctx: Ctx) -> Verdict:
    v = Verdict()
    path = b.write_lines(
        ctx.path("no_header.csv"),
        [",".join(PERSONAL_ROW) + "\r\n", "李秀英,13812345678,370323197502021111,石桥镇\r\n"],
    )
    ws = ctx.workspace()
    a = try_import(ws, path, "complaints")
    if crash_or_refusal(v, a, "import"):
        hits = pii_hits(a.message, ["张建国", "李秀英"])
        v.check(not hits, "PII_KEPT", f"the refusal echoes the first row: {', '.join(hits)}")
        v.note(f"message: {short(a.message, 100)}")
    else:
        v.add("WRONG", f"imported: {a.describe()}")
    run = cli(ctx.tmp / "ws_cli", "import", "complaints", str(path))
    cli_verdict(v, run, "CLI import")
    hits = pii_hits(run.stderr + run.stdout, ["张建国"])
    v.check(not hits, "PII_KEPT", f"CLI prints {', '.join(hits)}")
    return v


# -- 10. broken workspaces ------------------------------------------------------------------------
def _small_workspace(ctx: Ctx, name: str = "ws") -> Path:
    ws = ctx.workspace(name)
    ws.import_file(
        b.write_csv(ctx.path(f"{name}_orders.csv"), H, [b.complaint_row(i) for i in range(1, 6)]),
        "complaints",
    )
    del ws
    return ctx.tmp / name


_OPEN_AND_READ = """
import json, guidance_analytics as ga
out = {{}}
for step in ("open", "read", "import"):
    try:
        if step == "open":
            ws = ga.Workspace({ws!r})
        elif step == "read":
            out["rows"] = int(len(ws.table("complaints")))
        else:
            r = ws.import_file({file!r}, "complaints")
            out["imported"] = r.read
        out[step] = "ok"
    except Exception as exc:
        out[step] = type(exc).__name__ + ": " + str(exc)
        out[step + "_package"] = type(exc).__module__.startswith("guidance_analytics")
        if step == "open":
            break
print({mark!r} + json.dumps(out, ensure_ascii=False))
"""


def _open_read_import(ws_dir: Path, file: Path, **kwargs) -> dict:
    run = python(_OPEN_AND_READ.format(ws=str(ws_dir), file=str(file), mark=RESULT_MARK), **kwargs)
    out = last_json(run.stdout)
    if out is None:
        return {
            "open": f"process died: {run.signal or run.rc} {short(run.stderr.strip()[-150:])}",
            "open_package": False,
        }
    return out


def _broken_db(ctx: Ctx, make) -> Verdict:
    v = Verdict()
    ws_dir = _small_workspace(ctx)
    db = ws_dir / "workspace.duckdb"
    for extra in ws_dir.glob("workspace.duckdb.wal"):
        extra.unlink()
    make(db)
    file = b.write_csv(ctx.path("more.csv"), H, [b.complaint_row(9)])
    out = _open_read_import(ws_dir, file)
    if out.get("open") == "ok" and out.get("read") == "ok" and out.get("import") == "ok":
        v.add("WRONG", f"broken database used without a word (rows read {out.get('rows')}, import ok)")
    else:
        failed = next(k for k in ("open", "read", "import") if out.get(k) != "ok")
        msg = out[failed]
        if not out.get(f"{failed}_package") or not has_cjk(msg):
            v.add("CRASH", f"ws {failed}: raw {short(msg, 110)}")
        else:
            v.note(f"ws {failed}: {short(msg, 90)}")
    run = cli(ws_dir, "status")
    cli_verdict(v, run, "CLI status")
    if run.rc == 0:
        v.add("WRONG", f"CLI status succeeded on the broken database: {short(run.stdout, 60)}")
    return v


@scenario(10, "workspace.duckdb filled with random bytes")
def s_corrupt_database(ctx: Ctx) -> Verdict:
    return _broken_db(ctx, lambda db: db.write_bytes(random.Random(11).randbytes(256 * 1024)))


@scenario(10, "workspace.duckdb truncated to half its size")
def s_truncated_database(ctx: Ctx) -> Verdict:
    def cut(db: Path) -> None:
        size = db.stat().st_size
        with db.open("r+b") as fh:
            fh.truncate(size // 2)

    return _broken_db(ctx, cut)


@scenario(10, "zero-byte workspace.duckdb")
def s_zero_byte_database(ctx: Ctx) -> Verdict:
    return _broken_db(ctx, lambda db: db.write_bytes(b""))


@scenario(10, "workspace written by a newer version (schema_version 99 > the code's)")
def s_newer_schema_version(ctx: Ctx) -> Verdict:
    v = Verdict()
    ws_dir = _small_workspace(ctx)
    con = duckdb.connect(str(ws_dir / "workspace.duckdb"))
    con.execute("INSERT INTO schema_version VALUES (99, '099_from_the_future', now()::TIMESTAMP)")
    con.execute("CREATE TABLE future_only (x INTEGER)")
    con.close()
    out = _open_read_import(ws_dir, b.write_csv(ctx.path("more.csv"), H, [b.complaint_row(9)]))
    if out.get("import") == "ok":
        v.add(
            "WRONG",
            "a workspace of schema version 99 was opened for writing and imported into without a word",
        )
    elif out.get("open") != "ok" and not out.get("open_package"):
        v.add("CRASH", f"open: {short(out['open'], 100)}")
    else:
        v.note(f"refused: {short(str(out.get('import') or out.get('open')), 90)}")
    cli_verdict(v, cli(ws_dir, "status"), "CLI status")
    return v


@scenario(10, "read-only workspace (dir 0555, database 0444; run without root's override)")
def s_read_only_workspace(ctx: Ctx) -> Verdict:
    v = Verdict()
    ws_dir = _small_workspace(ctx)
    file = b.write_csv(ctx.path("more.csv"), H, [b.complaint_row(9)])
    for path in [*ws_dir.rglob("*"), ws_dir]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        out = _open_read_import(ws_dir, file, drop_root_override=True)
        if out.get("open") != "ok":
            kind = "CRASH" if not out.get("open_package") else "WRONG"
            v.add(kind, f"cannot even open for reading: {short(out['open'], 110)}")
        elif out.get("read") != "ok":
            v.add("WRONG", f"reading refused: {short(out['read'], 100)}")
        else:
            v.note(f"read {out.get('rows')} rows")
            if out.get("import") == "ok":
                v.add("WRONG", "import into a read-only workspace reported success")
            elif not out.get("import_package"):
                v.add("CRASH", f"import: raw {short(out['import'], 100)}")
        run = cli(ws_dir, "status", drop_root_override=True)
        cli_verdict(v, run, "CLI status (a reading command)", want_ok=True)
    finally:
        for path in [ws_dir, *ws_dir.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    return v


@scenario(10, "workspace path is an existing regular file")
def s_workspace_path_is_file(ctx: Ctx) -> Verdict:
    v = Verdict()
    path = ctx.path("not_a_dir")
    path.write_text("我是一个文件\n")
    out = _open_read_import(path, b.write_csv(ctx.path("more.csv"), H, [b.complaint_row(9)]))
    if out.get("open") == "ok":
        v.add("WRONG", "a file was accepted as workspace directory")
    elif not out.get("open_package") or not has_cjk(out["open"]):
        v.add("CRASH", f"open: raw {short(out['open'], 100)}")
    cli_verdict(v, cli(path, "status"), "CLI status")
    return v


# -- 11. ws.query is read-only in fact ------------------------------------------------------------
def _query_attempts(ctx: Ctx, attempts: dict[str, str], produced: dict[str, Path]) -> Verdict:
    v = Verdict()
    ws = ctx.workspace()
    allowed = []
    for label, sql in attempts.items():
        try:
            result = ws.query(sql)
            allowed.append(f"{label} → {len(result)} rows")
        except Exception as exc:  # refused: what we want
            v.note(f"{label} refused ({type(exc).__name__})")
    written = [label for label, p in produced.items() if p.exists()]
    if allowed:
        v.add("WRONG", "allowed: " + "; ".join(allowed))
    if written:
        v.add("WRONG", f"files written by ws.query: {', '.join(written)}")
    return v


@scenario(11, "ws.query(\"COPY (SELECT 1) TO '/tmp/…'\"), EXPORT DATABASE, COPY … FORMAT parquet")
def s_query_copy_to_file(ctx: Ctx) -> Verdict:
    out = ctx.path("leak.csv")
    pq = ctx.path("leak.parquet")
    dump = ctx.path("dump_dir")
    return _query_attempts(
        ctx,
        {
            "COPY TO csv": f"COPY (SELECT 1 AS x) TO '{out}'",
            "COPY TO parquet": f"COPY (SELECT 1 AS x) TO '{pq}' (FORMAT parquet)",
            "EXPORT DATABASE": f"EXPORT DATABASE '{dump}'",
        },
        {"leak.csv": out, "leak.parquet": pq, "dump_dir": dump},
    )


@scenario(11, "ws.query reading files: read_csv('/etc/passwd'), read_text, glob, settings")
def s_query_reads_files(ctx: Ctx) -> Verdict:
    v = _query_attempts(
        ctx,
        {
            "read_csv('/etc/passwd')": "SELECT * FROM read_csv('/etc/passwd')",
            "read_text('/etc/hostname')": "SELECT content FROM read_text('/etc/hostname')",
            "glob('/etc/*')": "SELECT * FROM glob('/etc/*')",
        },
        {},
    )
    ws = ctx.workspace()
    try:
        row = ws.query(
            "SELECT current_setting('enable_external_access') AS ext, "
            "current_setting('autoinstall_known_extensions') AS inst, "
            "current_setting('autoload_known_extensions') AS load"
        )
        flags = {k: bool(row[k].iloc[0]) for k in row.columns}
        on = [k for k, val in flags.items() if val]
        if on:
            v.add(
                "WRONG",
                f"connection settings still on: {', '.join(on)} (external access / extension autoload)",
            )
    except Exception as exc:  # noqa: BLE001 - settings hidden counts as locked down
        v.note(f"settings not readable ({type(exc).__name__})")
    try:
        ws.query("SET enable_external_access = true")
        v.note("SET enable_external_access accepted")
    except Exception:  # noqa: BLE001
        pass
    return v


# -- 12. interrupted writes -----------------------------------------------------------------------
_FAULT = """
import os, signal, zipfile, json, sys
import pandas as pd, datetime as dt
import guidance_analytics as ga
MODE, AT = {mode!r}, {at}
calls = {{"n": 0}}
def _hit():
    calls["n"] += 1
    if calls["n"] == AT:
        if MODE == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise OSError(28, "No space left on device (injected by the probe)")
for name in ("writestr", "write"):
    orig = getattr(zipfile.ZipFile, name)
    def wrapped(self, *a, _orig=orig, **k):
        if self.mode != "r":
            _hit()
        return _orig(self, *a, **k)
    setattr(zipfile.ZipFile, name, wrapped)
ws = ga.Workspace({ws!r})
try:
{body}
    print({mark!r} + json.dumps({{"done": True, "calls": calls["n"]}}))
except Exception as exc:
    print({mark!r} + json.dumps({{"done": False, "error": type(exc).__name__ + ": " + str(exc), "calls": calls["n"]}}))
"""


def _valid_office(path: Path) -> tuple[bool, str]:
    if not path.exists():
        return False, "missing"
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            names = zf.namelist()
        if bad:
            return False, f"corrupt member {bad}"
        if path.suffix == ".xlsx" and "xl/workbook.xml" not in names:
            return False, "no xl/workbook.xml"
        if path.suffix == ".docx" and "word/document.xml" not in names:
            return False, "no word/document.xml"
        if path.suffix == ".xlsx":
            from openpyxl import load_workbook

            load_workbook(path, read_only=True).close()
        return True, "valid"
    except Exception as exc:  # noqa: BLE001 - any failure to open is the finding
        return False, f"{type(exc).__name__}: {short(str(exc), 50)}"


def _interrupt(ctx: Ctx, v: Verdict, ws_dir: Path, body: str, targets: list[Path], label: str) -> None:
    """Write ``targets`` once cleanly, then again with a fault at the 2nd zip member (kill / error)."""
    for mode in ("kill", "error"):
        code = _FAULT.format(mode=mode, at=2, ws=str(ws_dir), body=body, mark=RESULT_MARK)
        run = python(code, timeout=120)
        if run.signal != "SIGKILL" and mode == "kill":
            out = last_json(run.stdout)
            v.note(f"{label}/{mode}: fault not reached ({out})")
            continue
        leftovers = []
        for target in targets:
            ok, why = _valid_office(target)
            if target.exists() and not ok:
                leftovers.append(f"{target.name} ({why})")
            elif not target.exists():
                v.add("WRONG", f"{label}/{mode}: previous good {target.name} is gone")
        if leftovers:
            v.add(
                "WRONG",
                f"{label}: {'killed' if mode == 'kill' else 'error'} mid-write left a truncated file "
                f"under its final name: {', '.join(leftovers)}",
            )
        # restore the good copies for the next mode
        for target in targets:
            good = target.with_name(target.name + ".good")
            if good.exists():
                shutil.copyfile(good, target)


def _keep_good(paths: list[Path]) -> None:
    for p in paths:
        shutil.copyfile(p, p.with_name(p.name + ".good"))


@scenario(12, "export_catalog / export_register (.xlsx) killed or failing mid-write over a good copy")
def s_interrupted_xlsx_export(ctx: Ctx) -> Verdict:
    v = Verdict()
    ws = ctx.workspace()
    ws.import_file(
        b.write_csv(
            ctx.path("p.csv"),
            b.PERMIT_HEADER,
            [b.row_for(b.PERMIT_HEADER, b.permit_cells(i)) for i in (1, 2)],
        ),
        "permits",
    )
    cat, reg = ctx.path("out/catalog.xlsx"), ctx.path("out/register.xlsx")
    # the sample catalogue's contact numbers are placeholders: a draft export is what is allowed
    cat = ws.export_catalog(cat, draft=True)  # a draft carries its own file name
    ws.export_register(reg)
    del ws
    _keep_good([cat, reg])
    _interrupt(
        ctx, v, ctx.tmp / "ws", f"    ws.export_catalog({str(cat)!r}, draft=True)", [cat], "export_catalog"
    )
    _interrupt(ctx, v, ctx.tmp / "ws", f"    ws.export_register({str(reg)!r})", [reg], "export_register")
    return v


@scenario(12, "write_documents (.docx 意见书/文书) killed or failing mid-write over good copies")
def s_interrupted_docx(ctx: Ctx) -> Verdict:
    import datetime as dt

    import pandas as pd

    v = Verdict()
    ws = ctx.workspace()
    ws.import_file(
        b.write_csv(
            ctx.path("p.csv"),
            b.PERMIT_HEADER,
            [b.row_for(b.PERMIT_HEADER, b.permit_cells(i)) for i in (1, 2)],
        ),
        "permits",
    )
    chosen = pd.DataFrame(
        [
            {
                "统一社会信用代码": b.uscc(1),
                "建议方式": "提示提醒",
                "指导人员": "执法人员甲",
                "理由": "后厨卫生差",
                "计划时间": dt.date.today().isoformat(),
                "是否采纳": "是",
            }
        ]
    )
    new = ws.add_to_register(chosen, today=dt.date.today(), by="录入员")
    if new.empty:
        v.note(f"no register entry: {new.attrs.get('summary')}; docx path not reachable")
        return v
    docs = ws.write_documents(ctx.path("docs"), draft=True)
    del ws
    _keep_good(docs)
    _interrupt(
        ctx,
        v,
        ctx.tmp / "ws",
        f"    ws.write_documents({str(ctx.path('docs'))!r}, draft=True)",
        docs,
        "write_documents",
    )
    return v


@scenario(12, "rejects spreadsheet of an import killed mid-write (after the commit)")
def s_interrupted_rejects_file(ctx: Ctx) -> Verdict:
    v = Verdict()
    rows = [b.complaint_row(i) for i in range(1, 4)] + [b.complaint_row(9, 诉求类型="其它类")]
    file = b.write_csv(ctx.path("orders.csv"), H, rows)
    body = f"    ws.import_file({str(file)!r}, 'complaints')"
    code = _FAULT.format(mode="kill", at=2, ws=str(ctx.tmp / "ws"), body=body, mark=RESULT_MARK)
    run = python(code, timeout=120)
    target = ctx.tmp / "ws" / "rejects" / "orders.complaints.拒收.xlsx"
    ok, why = _valid_office(target)
    if run.signal != "SIGKILL":
        v.note(f"fault not reached: {short(run.stdout, 80)}")
    elif target.exists() and not ok:
        v.add("WRONG", f"killed mid-write: truncated {target.name} left under its final name ({why})")
    ws = ctx.workspace()
    stored = len(ws.table("complaints"))
    log = ws.table("imports")
    if stored and len(log):
        v.note(f"import committed ({stored} rows, logged) before the rejects file was written")
    # the same file again: is the rejects file ever produced?
    again = try_import(ws, file, "complaints")
    if again.error is None:
        v.note(f"re-import: {again.describe()}")
        ok2, _ = _valid_office(target)
        v.check(ok2 or again.result.rejected == 0, "WRONG", "re-import does not rewrite the rejects file")
    return v
