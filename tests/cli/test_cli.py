"""The console script as people and cron jobs meet it: workspaces that must exist, every error one
Chinese line with a non-zero exit, Chinese help, warnings once, progress bars, the main job."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from guidance_analytics.cli import _app, app
from guidance_analytics.cli import ingest as cli_ingest

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> object:
    return runner.invoke(app, list(args), env=env)


def one_chinese_line(result: object) -> str:
    """The error output: exactly one line, in Chinese, no traceback; returns it."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("错误：") and CJK.search(lines[0]), lines[0]
    assert "Traceback" not in result.output + result.stderr
    return lines[0]


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    assert run("--workspace", str(path), "init").exit_code == 0
    return path


def test_import_prints_the_account_and_fails_only_on_unusable_files(ws: Path, tmp_path: Path) -> None:
    good = ROOT / "data_samples" / "penalties_2021-2024.csv"
    result = run("--workspace", str(ws), "import", "penalties", str(good))
    assert result.exit_code == 0, result.output
    rows = len(good.read_text(encoding="utf-8-sig").splitlines()) - 1  # the data rows of the sample file
    assert f"读取 {rows} 行" in result.output and "拒收 2" in result.output  # rejects do not fail the command
    bad = tmp_path / "bad.csv"
    bad.write_text("行政相对人名称,备注\n甲,乙\n", encoding="utf-8")
    result = run("--workspace", str(ws), "import", "penalties", str(bad))
    assert result.exit_code == 2
    line = one_chinese_line(result)
    assert "bad.csv" in line and "行政处罚决定书文号" in line
    status = run("--workspace", str(ws), "status")
    assert status.exit_code == 0 and "penalties" in status.output


COMMANDS = [
    ["status"],
    ["import", "permits", "x.csv"],
    ["hotspots", "--out", "h.xlsx"],
    ["candidates"],
    ["risk", "--as-of", "2025-01-01", "--out", "r.xlsx"],
    ["backtest", "--start", "2024-01-01", "--end", "2024-03-01"],
    ["catalog"],
    ["register", "add", "review.xlsx"],
    ["register", "list"],
    ["register", "result", "2025", "1", "已整改"],
    ["register", "void", "2025", "1", "--by", "王科长", "--reason", "重复"],
    ["register", "amend", "2025", "1", "--by", "王科长", "--reason", "x", "--set", "officers=张三"],
    ["register", "export", "--out", "r.xlsx"],
    ["documents", "--out", "docs"],
    ["filing", "--out", "f.xlsx"],
    ["effects"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_every_command_but_init_and_demo_needs_an_existing_workspace(
    command: list[str], tmp_path: Path
) -> None:
    """Point 8: never a silently created empty workspace — given, from GA_WORKSPACE or the default."""
    missing = tmp_path / "nowhere"
    result = run("--workspace", str(missing), *command)
    assert result.exit_code == 2
    line = one_chinese_line(result)
    assert line.startswith(f"错误：工作区不存在：{missing}") and "请先运行 init" in line
    assert not missing.exists() and not (tmp_path / "docs").exists()
    from_env = run(*command, env={"GA_WORKSPACE": str(missing)})
    assert from_env.exit_code == 2 and "工作区不存在" in from_env.stderr and not missing.exists()


def test_the_relative_default_is_not_created_for_a_cron_job(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "guidance_analytics", "status"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == (
        f"错误：工作区不存在：{tmp_path / 'workspace'}（没有 workspace.duckdb），"
        "请先运行 init：guidance-analytics --workspace workspace init"
    )
    assert not (tmp_path / "workspace").exists()


def test_init_and_the_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "from_env"
    assert run("init", env={"GA_WORKSPACE": str(path)}).exit_code == 0
    assert (path / "workspace.duckdb").is_file()
    assert run("status", env={"GA_WORKSPACE": str(path)}).exit_code == 0


def corrupt(tmp_path: Path) -> Path:
    path = tmp_path / "broken"
    path.mkdir()
    (path / "workspace.duckdb").write_bytes(b"not a database" * 500)
    return path


def test_every_error_is_one_chinese_line_and_a_non_zero_exit(ws: Path, tmp_path: Path) -> None:
    """Point 10: the cases of the issue, each one line, never a traceback."""
    empty = tmp_path / "empty"
    empty.mkdir()
    a_file = tmp_path / "a_file"
    a_file.write_text("x", encoding="utf-8")
    w = ["--workspace", str(ws)]
    cases = {
        "不支持的输出格式「.pdf」": [*w, "hotspots", "--out", str(tmp_path / "x.pdf")],
        "数据文件夹不存在": ["--workspace", str(tmp_path / "d1"), "demo", "--data", "/nonexistent"],
        "数据文件夹中没有可导入的文件": ["--workspace", str(tmp_path / "d2"), "demo", "--data", str(empty)],
        "无法创建输出文件夹": [*w, "documents", "--out", "/proc/no/such/folder"],
        "输出文件夹不可写": [*w, "filing", "--out", "/proc/sys/x.xlsx"],
        "工作区路径是一个文件": ["--workspace", str(a_file), "status"],
        "工作区数据库无法打开": ["--workspace", str(corrupt(tmp_path)), "status"],
        "--window 的值无效：应为大于 0 的整数": [*w, "effects", "--window", "0"],
        "--window 的值无效：应为整数": [*w, "effects", "--window", "abc"],
        "缺少选项 --out": [*w, "hotspots"],
        "缺少参数 FILE": [*w, "register", "add"],
        "没有这个命令：hotspotz": [*w, "hotspotz"],
        "没有这个选项：--bogus": [*w, "status", "--bogus"],
        "--as-of 不是有效日期": [*w, "risk", "--as-of", "2025-13-01", "--out", str(tmp_path / "r.xlsx")],
        "--by 无法识别「foo」": [*w, "hotspots", "--out", str(tmp_path / "h.xlsx"), "--by", "foo"],
        "文件或文件夹不存在": [*w, "register", "add", str(tmp_path / "nope.xlsx")],
        "未知的数据种类「foo」": [*w, "import", "foo", str(a_file)],
        "登记簿中没有 1999年第001号": [*w, "register", "result", "1999", "1", "x", "--by", "王科长"],
    }
    for expected, args in cases.items():
        result = run(*args)
        assert result.exit_code != 0, (expected, result.output)
        assert expected in one_chinese_line(result), (expected, result.stderr)
    assert not (tmp_path / "d1").exists() and not (tmp_path / "d2").exists()  # nothing created
    assert not (tmp_path / "x.pdf").exists()


def test_unexpected_errors_are_one_line_too_and_a_traceback_on_request(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_args: object, **_kwargs: object) -> None:
        raise KeyError("something internal")

    monkeypatch.setattr(_app.Workspace, "status", boom)
    result = run("--workspace", str(ws), "status")
    assert result.exit_code == 2 and "意外错误（KeyError）" in one_chinese_line(result)
    debug = run("--workspace", str(ws), "status", env={"GA_DEBUG": "1"})
    assert "Traceback" in debug.stderr


def test_help_is_chinese_beside_english_and_never_cut_short() -> None:
    main = run("--help")
    assert main.exit_code == 0 and "用法 Usage:" in main.output and "命令 Commands:" in main.output
    assert "GA_WORKSPACE" in main.output
    group = typer.main.get_command(app)
    assert len(group.commands) >= 14
    flat = " ".join(main.output.split())
    for name, command in group.commands.items():
        short = " ".join(command.short_help.split())
        first_cjk = CJK.search(short)
        assert first_cjk and short[: first_cjk.start()].strip(), (name, short)  # English, then Chinese
        assert short in flat, (name, short)  # the whole text, not cut with "…" or "..."
        page = run(name, "--help")
        assert page.exit_code == 0 and "选项 Options:" in page.output and CJK.search(page.output), name
    body = main.output.split("\n", 1)[1]  # the usage line ends with the usual [ARGS]...
    assert "..." not in body and "…" not in body
    sub = run("register", "--help")
    assert "add" in sub.output and "登记审核表中采纳的事项" in sub.output
    assert "选项 Options:" in run("register", "add", "--help").output


WARN_TWICE = """
import logging, warnings
from guidance_analytics.cli._app import install_warnings
install_warnings()
log = logging.getLogger("guidance_analytics.targeting.catalogue")
for _ in range(5):
    log.warning("目录清单暂不可用")
    warnings.warn("同一提示", UserWarning, stacklevel=1)
log.warning("另一条警告")
"""


def test_repeated_warnings_are_printed_once() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WARN_TWICE], capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)}
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("警告：目录清单暂不可用") == 1 and done.stderr.count("同一提示") == 1
    assert done.stderr.count("警告：另一条警告") == 1 and len(done.stderr.splitlines()) == 3


def test_long_steps_show_progress_bars_on_a_terminal(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_ingest, "progress_wanted", lambda: True)
    good = ROOT / "data_samples" / "permits_current_2022-2024.xlsx"
    result = run("--workspace", str(ws), "import", "permits", str(good))
    assert result.exit_code == 0, result.output
    assert "导入 permits_current_2022-2024.xlsx" in result.stderr and "批" in result.stderr


@pytest.mark.slow
def test_module_entry_point_and_demo_say_what_to_do_next(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "guidance_analytics", "--workspace", str(tmp_path / "ws"), "demo"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "已核对一致" in out.stdout and "候选名单" in out.stdout and "任何事项均未登记" in out.stdout
    last = out.stdout.strip().splitlines()[-4:]
    assert last[0] == "下一步："
    assert "是否采纳" in last[1] and "指导人员" in last[1] and "计划时间" in last[1]
    assert "register add" in last[2] and "候选名单_" in last[2] and "--by" in last[2]
    assert "documents --out" in last[3]
    exports = {p.suffix for p in (tmp_path / "ws" / "exports").iterdir()}
    assert {".xlsx", ".html"} <= exports
    assert "Traceback" not in out.stderr


@pytest.mark.slow
def test_the_backtest_shows_a_progress_bar(tmp_path: Path) -> None:
    """Point 11: the backtest (minutes on real data) reports each planning date on a terminal."""
    ws = _app.Workspace(tmp_path / "ws")
    import_folder_quiet(ws)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, guidance_analytics as ga; from guidance_analytics.targeting import backtest; "
            "backtest(ga.Workspace(sys.argv[1]), '2024-07-01', '2024-09-01', progress=True)",
            str(ws.path),
        ],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "回测" in done.stderr and "3/3" in done.stderr


def import_folder_quiet(ws: object) -> None:
    from guidance_analytics.jobs import import_folder

    import_folder(ws, ROOT / "data_samples", echo=lambda _t: None)


def test_contacts_writes_the_ledger(ws: Path, tmp_path: Path) -> None:
    """``contacts --year … --out …``: the ledger with Chinese headers and the count at the cap."""
    import guidance_analytics as ga

    workspace = ga.Workspace(ws)
    with workspace.store.transaction() as con:
        con.execute(
            "INSERT INTO businesses (business_id, name) VALUES ('B1', '沂源县甲店'), ('B2', '沂源县乙店')"
        )
        for k, (bid, day, kind) in enumerate(
            [
                ("B1", "2025-03-01", "双随机抽查"),
                ("B1", "2025-05-01", "日常检查"),
                ("B2", "2025-04-01", "投诉核查"),
            ]
        ):
            con.execute(
                "INSERT INTO inspections (inspection_no, inspected_on, business_id, inspection_type, result)"
                " VALUES ($k, $d, $b, $t, '未发现问题')",
                {"k": f"I{k}", "d": day, "b": bid, "t": kind},
            )
    out = tmp_path / "ledger.csv"
    result = run("--workspace", str(ws), "contacts", "--year", "2025", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "接触台账 2 行" in result.output and "已达年度入企上限（2次）1 户" in result.output
    import pandas as pd

    table = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    rows = table.set_index("主体标识")
    assert rows.loc["B1", "计入上限的入企次数"] == "2" and rows.loc["B1", "已达上限"] == "是"
    assert rows.loc["B2", "个案检查（次）"] == "1" and rows.loc["B2", "剩余次数"] == "2"
    bad = run("--workspace", str(ws), "contacts", "--year", "0")
    assert bad.exit_code != 0
