"""The typer application, the options every command shares, and how errors reach people.

No logic of its own. What it guarantees for every command (a cron job reads the exit code, a
person reads the line):

- **Every error is one Chinese line** on stderr (``错误：…``) and a non-zero exit — never a
  traceback (``GA_DEBUG=1`` shows one). Argument errors are translated (缺少选项 --out …),
  files and folders that cannot be read or written are named, a broken database is named.
- **The workspace must exist** for every command except ``init`` and ``demo``: ``--workspace``
  (or ``GA_WORKSPACE``) naming a folder without a workspace is ``工作区不存在：…，请先运行 init``,
  so a cron job started in the wrong folder never works on a new empty workspace.
- **Warnings are printed once** each, as ``警告：…``.
- Help is Chinese beside English, never cut short; long steps show progress bars on a terminal.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import sys
import tempfile
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from typer.core import TyperGroup

try:  # typer 0.2x carries its own copy of click
    from typer._click import exceptions as errors
    from typer._click.core import Command, Context
    from typer._click.formatting import HelpFormatter
except ImportError:  # pragma: no cover - older typer on the click package
    from click import Command, Context, HelpFormatter
    from click import exceptions as errors

from ..errors import InputFileError, RegisterError, WorkspaceError
from ..workspace import DB_NAME, Workspace

PROG = "guidance-analytics"


class CliError(Exception):
    """An error the user can act on, with its Chinese message (exit code 2)."""


# -- errors -------------------------------------------------------------------------------------
_CLICK_TEXT = (
    (r"'(.*)' is not a valid integer( range)?\.?", "「\\1」不是整数"),
    (r"Input should be a valid integer.*", "应为整数"),
    (r"Input should be a valid number.*", "应为数字"),
    (r"Input should be a valid boolean.*", "应为 是/否 值"),
    (r"Input should be a valid date.*", "应为日期（YYYY-MM-DD）"),
    (r"'(.*)' is not a valid float( range)?\.?", "「\\1」不是数字"),
    (r"'(.*)' is not a valid boolean\.?", "「\\1」不是 是/否 值"),
    (r"(.+) is not in the range (.+)\.", "「\\1」超出允许范围（\\2）"),
    (r"'(.*)' is not one of (.+)\.", "「\\1」不是可选值（\\2）之一"),
    (r"Option '(.+)' requires an argument\.?", "选项 \\1 需要一个值"),
    (r"Option '(.+)' does not take a value\.?", "选项 \\1 不带值"),
    (r"(?:File|Directory|Path) '(.+)' does not exist\.?", "路径不存在：\\1"),
    (r"Got unexpected extra arguments?(?:\(s\))? \((.+)\)", "多余的参数：\\1"),
    (r"Missing command\.?", "缺少命令"),
)


def _click_text(message: str) -> str:
    for pattern, chinese in _CLICK_TEXT:
        if re.fullmatch(pattern, message.strip()):
            return re.sub(pattern, chinese, message.strip())
    return message.strip()


def _param_name(param: Any, hint: Any = None) -> str:
    if param is not None:
        if getattr(param, "param_type_name", "") == "argument":
            return str(getattr(param, "metavar", None) or param.name or "").upper()
        opts = getattr(param, "opts", None)
        if opts:
            return max(opts, key=len)
    return str(hint or "").strip("'\"") or "参数"


def usage_message(exc: errors.UsageError) -> str:
    """A click usage error in Chinese, with where to read the help."""
    ctx = exc.ctx
    hint = f"（查看用法：{ctx.command_path if ctx else PROG} --help）"
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if isinstance(exc, errors.MissingParameter):
        kind = "参数" if getattr(exc.param, "param_type_name", "") == "argument" else "选项"
        return f"缺少{kind} {_param_name(exc.param, exc.param_hint)}{hint}"
    if isinstance(exc, errors.NoSuchOption):
        text = f"没有这个选项：{exc.option_name}"
        if exc.possibilities:
            text += f"（是否要用 {'、'.join(sorted(exc.possibilities))}？）"
        return text + hint
    if isinstance(exc, errors.BadParameter):
        return f"{_param_name(exc.param, exc.param_hint)} 的值无效：{_click_text(exc.message)}{hint}"
    found = re.match(r"No such command '(.+?)'", exc.message)
    if found:
        near = re.search(r"Did you mean '(.+?)'", exc.message)
        return f"没有这个命令：{found.group(1)}" + (f"（是否要用 {near.group(1)}？）" if near else "") + hint
    return f"命令用法有误：{_click_text(exc.message or message)}{hint}"


_ERRNO = {
    errno.ENOENT: "路径不存在或无法在此创建",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "只读文件系统",
    errno.ENOSPC: "磁盘空间不足",
    errno.ENOTDIR: "路径中有同名文件",
    errno.EISDIR: "这是一个文件夹",
    errno.EEXIST: "已存在同名文件",
}


def os_reason(exc: OSError) -> str:
    """An operating-system error's reason in Chinese."""
    return _ERRNO.get(exc.errno or -1, exc.strerror or type(exc).__name__)


def error_message(exc: BaseException) -> str:
    """One Chinese line for any error a command can raise."""
    if isinstance(exc, CliError | InputFileError | RegisterError | WorkspaceError):
        text = str(exc)
    elif isinstance(exc, PermissionError):
        text = f"没有读写权限：{exc.filename or exc}"
    elif isinstance(exc, IsADirectoryError):
        text = f"这是一个文件夹，不是文件：{exc.filename}"
    elif isinstance(exc, NotADirectoryError | FileExistsError):
        text = f"路径中有同名文件，不是文件夹：{exc.filename}"
    elif isinstance(exc, FileNotFoundError):
        text = f"文件或文件夹不存在：{exc.filename or exc}"
    elif isinstance(exc, OSError):
        text = f"无法读写 {exc.filename or '文件'}：{os_reason(exc)}"
    elif isinstance(exc, duckdb.Error):
        text = f"工作区数据库出错（{type(exc).__name__}）：{exc}"
    elif isinstance(exc, ValueError):
        text = f"参数或数据有误：{exc}"
    else:
        text = f"意外错误（{type(exc).__name__}）：{exc}。请把这一行和所用的命令告诉维护人员（设置 GA_DEBUG=1 可看到详细信息）"
    return "错误：" + " ".join(str(text).split())  # one line, whatever the message holds


def _fail(message: str, code: int = 2) -> None:
    typer.echo(message, err=True)
    sys.exit(code)


# -- warnings once ------------------------------------------------------------------------------
class _OncePerMessage(logging.Filter):
    """Let each distinct warning through once."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if text in self.seen:
            return False
        self.seen.add(text)
        return True


def install_warnings() -> logging.Handler:
    """Print each distinct warning (logging or ``warnings``) once, as ``警告：…`` on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.addFilter(_OncePerMessage())
    handler.setFormatter(logging.Formatter("警告：%(message)s"))
    root = logging.getLogger("guidance_analytics")
    for old in [h for h in root.handlers if getattr(h, "_ga_cli", False)]:
        root.removeHandler(old)
    handler._ga_cli = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.propagate = False
    warnings.simplefilter("once")
    warnings.showwarning = _show_warning
    return handler


def _show_warning(
    message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None
) -> None:
    """``warnings.warn`` from any library: one ``警告：…`` line, through the same once-only filter."""
    logging.getLogger("guidance_analytics.warnings").warning("%s", " ".join(str(message).split()))


# -- help and errors of the whole app -------------------------------------------------------------
class ChineseFormatter(HelpFormatter):
    """Section headings in Chinese beside the English ones."""

    HEADINGS = {"Options": "选项 Options", "Commands": "命令 Commands", "Arguments": "参数 Arguments"}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix="用法 Usage: " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(self.HEADINGS.get(heading, heading))


class ChineseContext(Context):
    formatter_class = ChineseFormatter


class ChineseGroup(TyperGroup):
    """A command group whose errors are one Chinese line and whose help is never cut short."""

    context_class = ChineseContext

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is not None and not issubclass(cmd.context_class, ChineseContext):
            cmd.context_class = ChineseContext  # Chinese headings in every command's help too
        return cmd

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            text = cmd.short_help or (cmd.help or "").split("\n\n")[0]
            rows.append((name, " ".join(text.split())))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any) -> Any:
        extra.pop("standalone_mode", None)
        install_warnings()
        try:
            code = super().main(args, prog_name or PROG, standalone_mode=False, **extra)
        except typer.Exit as exc:
            sys.exit(exc.exit_code)
        except BrokenPipeError:  # output piped into head, less …: nothing to report
            sys.exit(0)
        except errors.NoArgsIsHelpError as exc:
            typer.echo(exc.ctx.get_help() if exc.ctx else "")
            sys.exit(2)
        except errors.UsageError as exc:
            try:
                text = usage_message(exc)
            except Exception:  # never let the message itself fail
                text = _click_text(str(exc))
            _fail("错误：" + " ".join(text.split()), exc.exit_code)
        except typer.Abort:
            _fail("已中止", 1)
        except errors.ClickException as exc:
            _fail("错误：" + _click_text(exc.format_message()), exc.exit_code)
        except KeyboardInterrupt:
            _fail("已中断", 130)
        except SystemExit:
            raise
        except Exception as exc:  # every other error: one line, never a traceback
            if os.environ.get("GA_DEBUG"):
                traceback.print_exc()
            _fail(error_message(exc), 2)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    name=PROG,
    cls=ChineseGroup,
    help=(
        "Where to send targeted administrative guidance: ingest, hotspots, candidates, register. "
        "行政指导数据分析：导入、热点、候选名单、登记簿。"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120},
)

state: dict[str, Path] = {"workspace": Path("workspace")}


@app.callback()
def _main(
    workspace: Annotated[
        Path,
        typer.Option(
            "--workspace",
            "-w",
            envvar="GA_WORKSPACE",
            help="Workspace folder (or GA_WORKSPACE); must exist except for init and demo. "
            "工作区文件夹（或环境变量 GA_WORKSPACE）；除 init 和 demo 外必须已经存在。",
        ),
    ] = Path("workspace"),
) -> None:
    state["workspace"] = workspace


def workspace_path(create: bool = False) -> Path:
    """The chosen workspace folder, checked: it must hold a workspace unless ``create``.

    Raises
    ------
    CliError
        The path is a file, or (without ``create``) no workspace is there.
    """
    path = state["workspace"]
    where = path.expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise CliError(f"工作区路径是一个文件，不是文件夹：{where}")
    if not create and not (path / DB_NAME).is_file():
        raise CliError(
            f"工作区不存在：{where}（没有 {DB_NAME}），请先运行 init：{PROG} --workspace {path} init"
        )
    return path


def open_workspace(create: bool = False) -> Workspace:
    """The workspace chosen with ``--workspace`` / ``GA_WORKSPACE`` (see :func:`workspace_path`)."""
    path = workspace_path(create)
    database = path.expanduser().resolve() / DB_NAME
    try:
        return Workspace(path)
    except PermissionError:
        raise CliError(f"工作区没有写入权限：{database.parent}（请检查文件夹和数据库文件的权限）") from None
    except duckdb.Error as exc:
        if "Permission denied" in str(exc) or "read-only" in str(exc).lower():
            raise CliError(f"工作区数据库没有写入权限：{database}（请检查文件权限）") from None
        raise CliError(
            f"工作区数据库无法打开（文件损坏或不是本工具的数据库）：{database}（{type(exc).__name__}）"
        ) from None


def out_file(path: Path, suffixes: Sequence[str] = (".xlsx", ".csv")) -> Path:
    """Check an output file before any work: its format, and that its folder can be written."""
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise CliError(f"不支持的输出格式「{suffix or '无扩展名'}」：{path}，请使用 {' 或 '.join(suffixes)}")
    if path.is_dir():
        raise CliError(f"输出路径是一个文件夹，不是文件：{path}")
    out_folder(path.parent)
    return path


def out_folder(folder: Path) -> Path:
    """Create the output folder now (before any work) and check that a file can be written there."""
    where = folder.expanduser().resolve()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CliError(f"输出文件夹的路径中有同名文件：{where}") from None
    except OSError as exc:
        raise CliError(f"无法创建输出文件夹：{where}（{os_reason(exc)}）") from None
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".ga-write-test-"):
            pass
    except OSError as exc:
        raise CliError(f"输出文件夹不可写：{where}（{os_reason(exc)}）") from None
    return folder


def progress_wanted() -> bool:
    """Progress bars only on a terminal (a cron job's log gets none)."""
    return sys.stderr.isatty()


def positive(value: int | None) -> int | None:
    """Typer callback: a whole number of at least 1."""
    if value is not None and value < 1:
        raise typer.BadParameter(f"应为大于 0 的整数，收到 {value}")
    return value


def share(value: float | None) -> float | None:
    """Typer callback: a level strictly between 0 and 1."""
    if value is not None and not 0 < value < 1:
        raise typer.BadParameter(f"应在 0 与 1 之间，收到 {value}")
    return value


def non_negative(value: int | None) -> int | None:
    """Typer callback: a whole number of at least 0."""
    if value is not None and value < 0:
        raise typer.BadParameter(f"应为不小于 0 的整数，收到 {value}")
    return value
