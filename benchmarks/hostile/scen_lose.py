"""Scenarios for issue 11 points 1–7: losing nothing (quotes, re-opened orders, unmapped columns,
control characters, long names, mixed encodings, all-rejected files, absurd values)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd

from . import build as b
from .runner import (
    Ctx,
    Verdict,
    cli,
    cli_verdict,
    count,
    crash_or_refusal,
    frame_text,
    reconciles,
    run_measured,
    scenario,
    short,
    try_import,
)

H = b.COMPLAINT_HEADER


def warned(r) -> bool:
    """True when the account carries a non-zero warning count."""
    return any(n for n in (r.warnings or {}).values())


def _account(v: Verdict, attempt, expected_read: int, what: str = "import") -> bool:
    """Common account checks; True when a result is there to inspect further."""
    if crash_or_refusal(v, attempt, what):
        return False
    r = attempt.result
    v.check(reconciles(r), "SILENT_LOSS", f"{what}: counts do not reconcile ({attempt.describe()})")
    if r.read < expected_read:
        v.add(
            "SILENT_LOSS",
            f"{what}: {expected_read - r.read} of {expected_read} data rows missing from the "
            f"account ({attempt.describe()})",
        )
    return True


# -- 1. unclosed quotes -----------------------------------------------------------------------------
def _quote_files(ctx: Ctx, open_at: int, close_at: int | None, n: int = 30) -> tuple[Path, Path]:
    clean = [b.complaint_row(i) for i in range(1, n + 1)]
    first = b.write_csv(ctx.path("orders_v1.csv"), H, clean)
    lines = [b.plain_join(H)]
    for i in range(1, n + 1):
        over = {"办结时间": f"2024/5/{1 + i % 27} 16:30", "办理结果": "二次办理：已整改到位"}
        if i == open_at:
            over["诉求内容"] = '"顾客反映饭菜里有异物，商家拒绝退款'
        if i == close_at:
            over["诉求内容"] = '商家称已整改"'
        lines.append(b.plain_join(b.complaint_row(i, **over)))
    hostile = b.write_lines(ctx.path("orders_v2_quote.csv"), lines)
    return first, hostile


def _quote_verdict(ctx: Ctx, open_at: int, close_at: int | None) -> Verdict:
    v = Verdict()
    n = 30
    first, hostile = _quote_files(ctx, open_at, close_at, n)
    ws = ctx.workspace()
    base = try_import(ws, first, "complaints")
    if not _account(v, base, n, "clean v1"):
        return v
    attempt = try_import(ws, hostile, "complaints")
    if attempt.refused:
        v.note(f"refused: {short(attempt.message)}")
        return v
    if not _account(v, attempt, n, "v2 with unclosed quote"):
        return v
    r = attempt.result
    v.note(attempt.describe())
    stored = ws.table("complaints").set_index("order_no")
    key = f"GD2024{open_at:06d}"
    content = str(stored.loc[key, "content"]) if key in stored.index else ""
    if "\n" in content or "GD2024" in content or len(content) > 200:
        v.add(
            "WRONG",
            f"stored {key} content now holds merged lines ({len(content)} chars: {short(repr(content), 80)})",
        )
    if r.rejected == 0 and r.read == n and not warned(r):
        v.note("no warning in the account")
    return v


@scenario(1, "unclosed quote in 诉求内容, closed 15 lines later; stored orders updated by the file")
def s_unclosed_quote_swallows_rows(ctx: Ctx) -> Verdict:
    return _quote_verdict(ctx, open_at=10, close_at=25)


@scenario(1, "unclosed quote in 诉求内容 that never closes (to end of file)")
def s_unclosed_quote_to_eof(ctx: Ctx) -> Verdict:
    return _quote_verdict(ctx, open_at=20, close_at=None)


# -- 2. re-opened work orders -----------------------------------------------------------------------
def _orders(ctx: Ctx, name: str, versions: list[dict[str, str]], header: list[str] = H) -> Path:
    return b.write_csv(ctx.path(name), header, [b.complaint_row(7, header=header, **o) for o in versions])


def _stored_order(ws, key: str = "GD2024000007") -> pd.Series | None:
    t = ws.table("complaints").set_index("order_no")
    return t.loc[key] if key in t.index else None


V1 = {"办结时间": "2024/4/1 9:10", "办理结果": "已电话回复，办结。"}
V2 = {"办结时间": "2024/4/20 15:00", "办理结果": "群众不满意，工单重办：二次核查后已整改到位。"}
V3 = {"办结时间": "2024/5/6 11:00", "办理结果": "再次重办：复查合格，办结。"}


@scenario(2, "re-opened order: later file, later 办结时间 → must update the stored row")
def s_reopened_later_close_updates(ctx: Ctx) -> Verdict:
    v = Verdict()
    ws = ctx.workspace()
    a = try_import(ws, _orders(ctx, "v1.csv", [V1]), "complaints")
    bb = try_import(ws, _orders(ctx, "v2.csv", [V2]), "complaints")
    if not (_account(v, a, 1, "v1") and _account(v, bb, 1, "v2")):
        return v
    row = _stored_order(ws)
    v.note(f"v2: {bb.describe()}")
    v.check(bb.result.updated == 1, "WRONG", f"later state counted as {bb.describe()}, not as an update")
    if row is not None:
        v.check(
            pd.Timestamp(row["closed_at"]) == pd.Timestamp("2024-04-20 15:00"),
            "WRONG",
            f"stored 办结时间 {row['closed_at']} (expected the later 2024-04-20 15:00)",
        )
    return v


@scenario(2, "re-open cycle inside one file, versions out of order (v1, v3, v2) → stored = v3")
def s_reopen_cycle_in_one_file(ctx: Ctx) -> Verdict:
    v = Verdict()
    ws = ctx.workspace()
    a = try_import(ws, _orders(ctx, "cycle.csv", [V1, V3, V2]), "complaints")
    if not _account(v, a, 3):
        return v
    v.note(a.describe())
    row = _stored_order(ws)
    got = None if row is None else pd.Timestamp(row["closed_at"])
    v.check(
        got == pd.Timestamp("2024-05-06 11:00"),
        "WRONG",
        f"stored 办结时间 {got}, expected v3 2024-05-06 11:00",
    )
    # and the same cycle across files
    ws2 = ctx.workspace("ws2")
    steps = [
        try_import(ws2, _orders(ctx, f"step{k}.csv", [ver]), "complaints")
        for k, ver in enumerate([V1, V3, V2])
    ]
    for k, s in enumerate(steps):
        _account(v, s, 1, f"file {k + 1}")
    row = _stored_order(ws2)
    got = None if row is None else pd.Timestamp(row["closed_at"])
    v.check(
        got == pd.Timestamp("2024-05-06 11:00"), "WRONG", f"across files: stored 办结时间 {got}, expected v3"
    )
    return v


@scenario(
    2, "re-opened and still open (办结时间 empty, 重办 marker, later 数据更新时间戳) after a closed state"
)
def s_reopen_marker_without_close(ctx: Ctx) -> Verdict:
    v = Verdict()
    header = [*H, "工单状态", "数据更新时间戳"]
    ws = ctx.workspace()
    a = try_import(
        ws,
        _orders(ctx, "v1.csv", [{**V1, "工单状态": "已办结", "数据更新时间戳": "20240401091000"}], header),
        "complaints",
    )
    reopened = {"办结时间": "", "办理结果": "", "工单状态": "重办中", "数据更新时间戳": "20240415083000"}
    bb = try_import(ws, _orders(ctx, "v2_reopened.csv", [reopened], header), "complaints")
    if not (_account(v, a, 1, "v1") and _account(v, bb, 1, "v2")):
        return v
    v.note(f"v2: {bb.describe()}")
    r = bb.result
    if r.updated != 1 and not warned(r) and r.rejected == 0:
        v.add(
            "WRONG",
            "re-opened state (newer export time, 重办中) counted as a duplicate without any warning; "
            "the order stays 已办结",
        )
    return v


@scenario(2, "far-future 办结时间 2099 stored first must not block the later correct record")
def s_far_future_close_blocks(ctx: Ctx) -> Verdict:
    v = Verdict()
    ws = ctx.workspace()
    a = try_import(
        ws,
        _orders(ctx, "typo.csv", [{"办结时间": "2099/4/1 9:10", "办理结果": "已办结（时间录入错误）"}]),
        "complaints",
    )
    if not _account(v, a, 1, "2099 row"):
        return v
    first = a.result
    v.note(f"2099 row: {a.describe()}")
    bb = try_import(ws, _orders(ctx, "fixed.csv", [V2]), "complaints")
    if not _account(v, bb, 1, "correct row"):
        return v
    row = _stored_order(ws)
    got = None if row is None else pd.Timestamp(row["closed_at"])
    if first.rejected == 0 and not warned(first) and got is not None and got.year == 2099:
        v.add(
            "WRONG",
            f"2099 办结时间 accepted silently and the later correct record was counted as "
            f"{bb.describe()}; stored 办结时间 stays {got}",
        )
    return v


@scenario(2, "older state arriving after the newer one stays a duplicate (no overwrite)")
def s_older_state_never_overwrites(ctx: Ctx) -> Verdict:
    v = Verdict()
    ws = ctx.workspace()
    a = try_import(ws, _orders(ctx, "v2.csv", [V2]), "complaints")
    bb = try_import(ws, _orders(ctx, "v1.csv", [V1]), "complaints")
    if not (_account(v, a, 1, "v2") and _account(v, bb, 1, "v1")):
        return v
    row = _stored_order(ws)
    got = None if row is None else pd.Timestamp(row["closed_at"])
    v.check(got == pd.Timestamp("2024-04-20 15:00"), "WRONG", f"older state overwrote newer: 办结时间 {got}")
    v.note(f"v1 after v2: {bb.describe()}")
    return v


# -- 3. unmapped columns ----------------------------------------------------------------------------
def _values_kept(v: Verdict, frame: pd.DataFrame, wanted: dict[str, str], table: str) -> None:
    text = frame_text(frame)
    lost = [f"{label}={value}" for label, value in wanted.items() if value not in text]
    if lost:
        where = "no extra column" if "extra" not in frame.columns else "not in the extra column either"
        v.add("WRONG", f"{table}: unmapped columns dropped ({'、'.join(lost)}; {where})")


@scenario(3, "complaints with 备注 / 地方编码 / 数据更新时间戳 and formula-looking text")
def s_unmapped_columns_complaints(ctx: Ctx) -> Verdict:
    v = Verdict()
    extra = {"备注": "备注甲乙丙：请三日内回复", "地方编码": "370399109", "数据更新时间戳": "20240311093015"}
    formula = '=HYPERLINK("http://evil.example/","点击查看")'
    header = [*H, *extra, "来电人"]
    rows = [
        b.complaint_row(1, header=header, **extra, 来电人="赵来电"),
        b.complaint_row(2, header=header, **extra, 诉求内容=formula, 来电人="赵来电"),
        b.complaint_row(3, header=header, **extra, 诉求类型="其它类", 诉求内容=formula, 来电人="赵来电"),
    ]
    ws = ctx.workspace()
    a = try_import(ws, b.write_csv(ctx.path("extra_cols.csv"), header, rows), "complaints")
    if not _account(v, a, 3):
        return v
    table = ws.table("complaints")
    _values_kept(v, table, extra, "complaints")
    if a.result.unknown_columns:
        v.note(f"account says 未识别的列（未导入）：{'、'.join(a.result.unknown_columns)}")
    stored = table.set_index("order_no")
    if "GD2024000002" in stored.index:
        got = stored.loc["GD2024000002", "content"]
        v.check(got == formula, "WRONG", f"formula-looking text not stored verbatim: {got!r}")
    if "赵来电" in frame_text(table):
        v.add("PII_KEPT", "personal column 来电人 kept among the extra columns")
    # exports neutralise: the rejects file of the rejected formula row
    rf = a.result.rejects_file
    if rf is not None and Path(rf).exists():
        from openpyxl import load_workbook

        cells = [c for row in load_workbook(rf).active.iter_rows() for c in row if isinstance(c.value, str)]
        formulas = [c.coordinate for c in cells if c.data_type == "f"]
        v.check(not formulas, "WRONG", f"rejects file holds live formulas at {formulas}")
    return v


@scenario(
    3, "permits (legacy 地方编码, 数据更新时间戳, 公示截止期, 备注) and penalties (处罚有效期, 公示截止期)"
)
def s_unmapped_columns_permits_penalties(ctx: Ctx) -> Verdict:
    v = Verdict()
    ws = ctx.workspace()
    p_extra = {
        "地方编码": "370399017",
        "数据更新时间戳": "20240305120000",
        "公示截止期": "2027-03-05",
        "备注": "许可备注：附条件",
    }
    header = [*b.PERMIT_HEADER, *p_extra]
    rows = [b.row_for(header, b.permit_cells(i), **p_extra) for i in (1, 2)]
    a = try_import(
        ws, b.write_csv(ctx.path("permits_extra.csv"), header, rows, encoding="gb18030"), "permits"
    )
    if _account(v, a, 2, "permits"):
        _values_kept(v, ws.table("permits"), p_extra, "permits")
    f_extra = {"处罚有效期": "2025-05-06", "公示截止期": "2027-05-06", "备注": "处罚备注：已缴纳"}
    header = [*b.PENALTY_HEADER, *f_extra]
    rows = [b.row_for(header, b.penalty_cells(i), **f_extra) for i in (1, 2)]
    a = try_import(ws, b.write_csv(ctx.path("penalties_extra.csv"), header, rows), "penalties")
    if _account(v, a, 2, "penalties"):
        _values_kept(v, ws.table("penalties"), f_extra, "penalties")
    return v


# -- 4. control characters and long names ----------------------------------------------------------
CTRL = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r")


def _ctrl_stored(v: Verdict, ws) -> None:
    bad: list[str] = []
    for name in ("complaints", "rejects"):
        frame = ws.table(name)
        for col in frame.columns:
            vals = frame[col].dropna().astype(str)
            if vals.str.contains(f"[{CTRL}]", regex=True).any():
                bad.append(f"{name}.{col}")
    v.check(not bad, "WRONG", f"control characters stored in {', '.join(bad)}")


@scenario(4, "control characters \\x00–\\x1f in a rejected row (rejects file written after commit)")
def s_control_chars_rejected_row(ctx: Ctx) -> Verdict:
    v = Verdict()
    rows = [b.complaint_row(i) for i in range(1, 6)]
    rows.append(b.complaint_row(6, 诉求类型="其它类", 诉求内容="被拒收的行\x00\x01\x07\x1b\x1f" + CTRL))
    ws = ctx.workspace()
    a = try_import(ws, b.write_csv(ctx.path("ctrl_rejected.csv"), H, rows), "complaints")
    committed = count(ws, "complaints")
    if a.error is not None and not a.refused:
        v.add(
            "CRASH",
            f"{type(a.error).__name__} {short(a.message, 90)} after commit: {committed} rows stored, "
            "no account returned, rejects file missing",
        )
        return v
    if not _account(v, a, 6):
        return v
    v.note(a.describe())
    _ctrl_stored(v, ws)
    return v


@scenario(4, "control characters in accepted rows (事项分类, 诉求内容), then xlsx exports (hotspots, table)")
def s_control_chars_accepted_then_export(ctx: Ctx) -> Verdict:
    v = Verdict()
    rows = [
        b.complaint_row(
            i,
            事项分类="市场\x07监管/食品\x1b安全/餐饮服务",
            诉求内容="内容\x01含\x0b控制符\x0c",
            被反映对象=f"健康路{i}号饭店\x02",
            受理时间=f"2024-{1 + i % 12:02d}-05 10:00:00",
            办结时间=f"2024/{1 + i % 12}/20 9:10",
        )
        for i in range(1, 61)
    ]
    ws = ctx.workspace()
    path = b.write_csv(ctx.path("ctrl_accepted.csv"), H, rows)
    a = try_import(ws, path, "complaints")
    if not _account(v, a, 60):
        return v
    _ctrl_stored(v, ws)
    run = cli(
        ctx.tmp / "ws",
        "hotspots",
        "--measure",
        "complaints",
        "--by",
        "complaint_category",
        "--out",
        str(ctx.path("hot.xlsx")),
    )
    cli_verdict(v, run, "CLI hotspots --out hot.xlsx", want_ok=True)
    # the table as the package's export writer would write it (via a rejects-style spreadsheet: a
    # second import of the same rows as rejected rows makes the package write them to xlsx)
    rej = [b.complaint_row(100 + i, 诉求类型="其它类", 诉求内容="内容\x01含\x0b控制符") for i in range(3)]
    a2 = try_import(ws, b.write_csv(ctx.path("ctrl_again.csv"), H, rej), "complaints")
    if a2.error is not None and not a2.refused:
        v.add("CRASH", f"rejects xlsx export: {type(a2.error).__name__} {short(a2.message, 80)}")
    return v


@scenario(4, "very long input file name (80 CJK characters) with one rejected row")
def s_long_file_name(ctx: Ctx) -> Verdict:
    v = Verdict()
    stem = "沂源县行政审批服务局" * 8
    path = ctx.path(stem + ".csv")
    rows = [b.complaint_row(1), b.complaint_row(2, 诉求类型="其它类")]
    b.write_csv(path, H, rows)
    ws = ctx.workspace()
    a = try_import(ws, path, "complaints")
    committed = count(ws, "complaints")
    if a.error is not None and not a.refused:
        v.add(
            "CRASH",
            f"{type(a.error).__name__} {short(a.message, 90)} (name {len(path.name.encode())} bytes) "
            f"after commit: {committed} rows stored, rejects file not written",
        )
        return v
    if _account(v, a, 2):
        rf = a.result.rejects_file
        v.check(rf is not None and Path(rf).exists(), "WRONG", "rejects file missing")
    run = cli(ctx.tmp / "ws_cli", "import", "complaints", str(path))
    cli_verdict(v, run, "CLI import")
    return v


# -- 5. mixed encodings -----------------------------------------------------------------------------
LINE_NO = r"第\s*[78]\s*行|行号?\s*[78](?!\d)|(?:line|row)\s*[78](?!\d)"


def _mojibake_file(ctx: Ctx, base: str, odd: str, free_text_only: bool) -> tuple[Path, dict[str, str]]:
    """A file in ``base`` encoding whose row 7 (or only its free-text cells) is in ``odd``; every
    cell in ``odd`` is chosen so that its bytes decode in ``base`` without error (mojibake)."""
    texts = {
        "诉求标题": b.gb18030_valid_utf8("反映美味饭店卫生问题"),
        "诉求内容": b.gb18030_valid_utf8("后厨卫生脏乱差请核查处理"),
        "被反映对象": b.gb18030_valid_utf8("沂源县南麻街道美味饭店"),
    }
    lines: list[str | bytes] = [(",".join(H) + "\r\n").encode(base)]
    for i in range(1, 21):
        if i != 7:
            lines.append(b.plain_join(b.complaint_row(i)).encode(base))
            continue
        if free_text_only:
            cells = b.complaint_row(i, **dict.fromkeys(texts, "@@"))
            raw = b.plain_join(cells).encode(base)
            for value in texts.values():
                raw = raw.replace(b"@@", value.encode(odd), 1)
            lines.append(raw)
        else:
            more = {
                k: b.gb18030_valid_utf8(val)
                for k, val in {"事发地址": "沂源县南麻街道健康路", "办理结果": "经现场核查已责令整改"}.items()
            }
            lines.append(b.plain_join(b.complaint_row(i, **texts, **more)).encode(odd))
    return b.write_lines(ctx.path(f"mixed_{base}_{odd}.csv"), lines), texts


def _mojibake_verdict(ctx: Ctx, base: str, odd: str, free_text_only: bool) -> Verdict:
    v = Verdict()
    path, texts = _mojibake_file(ctx, base, odd, free_text_only)
    ws = ctx.workspace()
    a = try_import(ws, path, "complaints")
    if a.refused:
        v.note(f"refused: {short(a.message, 100)}")
        v.check(re.search(LINE_NO, a.message) is not None, "WRONG", "refusal names no line number")
        return v
    if not _account(v, a, 20):
        return v
    r = a.result
    v.note(f"{a.describe()}, decoded as {r.encoding}")
    row = _stored_order(ws)
    if row is not None:
        got = {"诉求标题": row["title"], "诉求内容": row["content"], "被反映对象": row["target_name"]}
        wrong = {k: val for k, val in got.items() if val != texts[k]}
        if wrong:
            k, val = next(iter(wrong.items()))
            v.add(
                "WRONG",
                f"line 8 (row 7) stored as mojibake without a word: {k} {short(str(val), 30)!r} "
                f"instead of {texts[k]!r}",
            )
    elif r.rejected:
        reasons = " ".join(r.rejects["reason"].astype(str))
        if not any(w in reasons for w in ("编码", "乱码")):
            v.add(
                "WRONG", f"row 7 rejected only by accident ({short(reasons, 60)}), not as an encoding problem"
            )
    return v


@scenario(5, "GB18030 file with one whole line in UTF-8 that decodes as valid GB18030 (mojibake)")
def s_gbk_file_with_utf8_line(ctx: Ctx) -> Verdict:
    return _mojibake_verdict(ctx, "gb18030", "utf-8", free_text_only=False)


@scenario(5, "GB18030 file whose free-text cells on line 7 were pasted in UTF-8")
def s_gbk_file_with_utf8_cells(ctx: Ctx) -> Verdict:
    return _mojibake_verdict(ctx, "gb18030", "utf-8", free_text_only=True)


@scenario(5, "UTF-8 file with one GB18030 line (the whole file falls back to GB18030)")
def s_utf8_file_with_gbk_line(ctx: Ctx) -> Verdict:
    v = Verdict()
    lines: list[str | bytes] = [(",".join(H) + "\r\n").encode("utf-8")]
    for i in range(1, 21):
        row = b.complaint_row(i, 诉求内容=b.gb18030_valid_utf8("后厨卫生脏乱差请核查处理"))
        lines.append(b.plain_join(row).encode("gb18030" if i == 7 else "utf-8"))
    path = b.write_lines(ctx.path("utf8_with_gbk_line.csv"), lines)
    ws = ctx.workspace()
    a = try_import(ws, path, "complaints")
    if a.refused:
        v.note(f"refused: {short(a.message, 100)}")
        v.check(re.search(LINE_NO, a.message) is not None, "WRONG", "refusal names no line number")
        return v
    if not _account(v, a, 20):
        return v
    stored = ws.table("complaints")
    ok = stored["content"].astype(str).str.contains("后厨卫生", regex=False).sum()
    v.check(
        ok >= 19,
        "WRONG",
        f"only {ok} of 20 stored contents readable (file read as {a.result.encoding}: "
        "UTF-8 lines stored as mojibake)",
    )
    return v


# -- 6. all rejected -------------------------------------------------------------------------------
@scenario(
    6, "300 k rows all rejected vs 300 k accepted: time and peak RSS (each in its own process)", timeout=3600
)
def s_all_rejected_cost(ctx: Ctx) -> Verdict:
    v = Verdict()
    rows = max(int(300_000 * ctx.scale), 1000)
    good = b.bulk_complaints(ctx.path("accepted.csv"), rows)
    bad = b.bulk_complaints(ctx.path("rejected.csv"), rows, reject_all=True)
    out = {}
    for label, path in (("accepted", good), ("rejected", bad)):
        run = run_measured(
            [
                sys.executable,
                str(Path(__file__).parents[1] / "bench_ingest_goals.py"),
                "--child",
                "import",
                "--file",
                str(path),
                "--kind",
                "complaints",
                "--ws",
                str(ctx.path(f"ws_{label}")),
            ],
            timeout=1700,
        )
        if run.timed_out or run.rc != 0:
            v.add(
                "SLOW" if run.timed_out else "CRASH",
                f"{label}: {'timeout' if run.timed_out else run.signal or 'exit ' + str(run.rc)} after "
                f"{run.seconds:.0f} s ({short(run.stderr.strip()[-200:])})",
            )
            return v
        info = json.loads(run.stdout.strip().splitlines()[-1])
        info["peak_rss_mb"] = run.maxrss_mb
        out[label] = info
    acc, rej = out["accepted"], out["rejected"]
    v.metrics.update(rows=rows, accepted=acc, rejected=rej)
    if rej["rejected"] != rows or acc["accepted"] != rows:
        v.add(
            "WRONG",
            f"expected all {rows} rows rejected / accepted, got {rej['rejected']} / {acc['accepted']}",
        )
    t_ratio = rej["import_s"] / max(acc["import_s"], 1e-9)
    m_ratio = rej["peak_rss_mb"] / max(acc["peak_rss_mb"], 1e-9)
    text = (
        f"{rows:,} rows: rejected {rej['import_s']:.1f} s / {rej['peak_rss_mb']:.0f} MB vs accepted "
        f"{acc['import_s']:.1f} s / {acc['peak_rss_mb']:.0f} MB (time ×{t_ratio:.1f}, memory ×{m_ratio:.1f})"
    )
    if t_ratio > 1.5 or m_ratio > 1.5:
        v.add("SLOW", text)
    else:
        v.note(text)
    return v


# -- 7. values --------------------------------------------------------------------------------------
@scenario(7, "negative, infinite and NaN fines (罚款金额（万元）)")
def s_negative_infinite_fines(ctx: Ctx) -> Verdict:
    v = Verdict()
    fines = ["-5", "inf", "Infinity", "-inf", "1e309", "NaN", "0.500000"]
    rows = [
        b.row_for(b.PENALTY_HEADER, b.penalty_cells(i + 1), **{"罚款金额（万元）": f})
        for i, f in enumerate(fines)
    ]
    ws = ctx.workspace()
    a = try_import(ws, b.write_csv(ctx.path("fines.csv"), b.PENALTY_HEADER, rows), "penalties")
    if not _account(v, a, len(fines)):
        return v
    r = a.result
    stored = ws.query(
        "SELECT decision_no, fine_yuan, fine_yuan IS NULL AS missing, coalesce(isnan(fine_yuan), false) AS nan, "
        "coalesce(isinf(fine_yuan), false) AS inf FROM penalties"
    ).set_index("decision_no")
    rejected = (
        set(r.rejects["行政处罚决定书文号"])
        if len(r.rejects) and "行政处罚决定书文号" in r.rejects
        else set()
    )
    silent = []
    for i, fine in enumerate(fines[:-1]):
        no = f"源市监罚〔2024〕{i + 1}号"
        if no in rejected or no not in stored.index:
            continue
        row = stored.loc[no]
        if bool(row["nan"]) or bool(row["inf"]) or (not bool(row["missing"]) and row["fine_yuan"] < 0):
            silent.append(f"{fine}→{row['fine_yuan']}")
    if silent and not warned(r):
        v.add("WRONG", f"stored without reason or warning: {', '.join(silent)}")
    v.note(a.describe() + (f", rejected: {', '.join(sorted(rejected))}" if rejected else ""))
    return v


@scenario(7, "absurd 有效期至 (3024-12-31, 2999-01-01) next to real 长期 values (2099/12/31, 9999-12-31)")
def s_absurd_valid_to(ctx: Ctx) -> Verdict:
    v = Verdict()
    values = ["3024-12-31", "2999-01-01", "2099/12/31", "9999-12-31", "2029-03-04"]
    rows = [b.row_for(b.PERMIT_HEADER, b.permit_cells(i + 1), 有效期至=d) for i, d in enumerate(values)]
    ws = ctx.workspace()
    a = try_import(ws, b.write_csv(ctx.path("valid_to.csv"), b.PERMIT_HEADER, rows), "permits")
    if not _account(v, a, len(values)):
        return v
    r = a.result
    stored = ws.table("permits").set_index("permit_no")["valid_to"]
    silent = []
    for i, d in enumerate(values[:2]):
        key = f"JY13703230{i + 1:06d}"
        if key in stored.index and pd.isna(stored[key]):
            silent.append(f"{d}→长期(NULL)")
    if silent and not warned(r):
        v.add("WRONG", f"absurd 有效期至 silently became 长期: {', '.join(silent)}")
    v.note(a.describe())
    return v


@scenario(
    7, "a second column with the same required header (two 受理时间 / two 工单编号 with different values)"
)
def s_duplicated_required_header(ctx: Ctx) -> Verdict:
    v = Verdict()
    header = [*H, "受理时间", "工单编号"]
    rows = [b.complaint_row(i, header=header) for i in range(1, 4)]
    for i, row in enumerate(rows, 1):
        row[-2] = f"2024-02-{i:02d} 08:00:00"
        row[-1] = f"GDX{i:06d}"
    ws = ctx.workspace()
    a = try_import(ws, b.write_csv(ctx.path("dup_header.csv"), header, rows), "complaints")
    if a.refused:
        v.note(f"refused: {short(a.message)}")
        return v
    if not _account(v, a, 3):
        return v
    r = a.result
    text = r.summary() + json.dumps({k: n for k, n in r.warnings.items() if n}, ensure_ascii=False)
    flagged = any(w in text for w in ("重复", "同名", "两列", "多列")) and (
        "受理时间" in text or "工单编号" in text
    )
    if not flagged:
        v.add(
            "WRONG",
            "second 受理时间 / 工单编号 columns (different values) ignored without a warning or reason",
        )
    # an alias pair: 受理时间 and 来电时间 with different values
    header2 = [*H, "来电时间"]
    rows2 = [b.complaint_row(i, header=header2, 来电时间="2023-12-01 08:00:00") for i in range(1, 4)]
    a2 = try_import(
        ctx.workspace("ws2"), b.write_csv(ctx.path("alias_pair.csv"), header2, rows2), "complaints"
    )
    if _account(v, a2, 3, "alias pair"):
        t2 = a2.result.summary()
        if "来电时间" not in t2 and not warned(a2.result):
            v.add(
                "WRONG",
                "受理时间 and 来电时间 (same column, different values): the second is dropped silently",
            )
    return v
