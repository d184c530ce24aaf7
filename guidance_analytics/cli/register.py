"""Commands: catalog, register add/list/result/void/amend/export, documents, filing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..register import AMENDABLE, entry_no, report
from ..targeting import load_catalog
from ._app import ChineseGroup, CliError, app, open_workspace, out_file, out_folder, progress_wanted

register_app = typer.Typer(
    cls=ChineseGroup,
    rich_markup_mode=None,
    help="The guidance register (登记簿): add reviewed actions, results, exports. "
    "行政指导事项登记簿：登记审核通过的事项、记录结果、作废、更正、导出。",
    no_args_is_help=True,
)
app.add_typer(
    register_app,
    name="register",
    short_help="The guidance register: add, list, result, void, amend, export. 登记簿：登记、查看、记录结果、作废、更正、导出。",
)

YearOpt = Annotated[
    int | None, typer.Option("--year", help="Register year (default: all years). 登记年度（默认全部）。")
]
ByOpt = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Who does it (audit trail; default: GA_OPERATOR). 操作人姓名（默认环境变量 GA_OPERATOR）。",
    ),
]
DraftOpt = Annotated[
    bool,
    typer.Option(
        "--draft",
        help="Write even with placeholder contact numbers, watermarked 草稿 (never for sending). "
        "联系电话仍为占位号码时生成带“草稿”标记的版本（不得发出）。",
    ),
]


@app.command(
    short_help="The guidance catalogue: load an edited copy, export it. 行政指导事项目录清单：导入修改、导出。"
)
def catalog(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the catalogue (.xlsx or .csv) in its publishable layout. 导出可公布的目录清单。",
        ),
    ] = None,
    load: Annotated[
        Path | None,
        typer.Option(
            "--load",
            help="Replace the workspace copy with an edited .xlsx/.csv first. 先导入修改后的目录清单。",
        ),
    ] = None,
    draft: DraftOpt = False,
) -> None:
    """The guidance catalogue (行政指导事项目录清单): load an edited copy and/or export it.

    导入修改后的目录清单，和/或导出可在政府网站公布的版本。联系电话仍为占位号码时拒绝导出（或加 --draft 生成草稿）。
    """
    ws = open_workspace()
    if out is not None:
        out_file(out)
    if load is not None and not load.is_file():
        raise FileNotFoundError(2, "No such file", str(load))
    items = load_catalog(ws, load) if load is not None else ws.catalog()
    typer.echo(f"目录清单共 {len(items)} 项")
    if out is not None:
        typer.echo(f"已写出：{ws.export_catalog(out, draft=draft)}")


@register_app.command("add", short_help="Register the reviewed actions of a sheet. 登记审核表中采纳的事项。")
def add(
    file: Annotated[
        Path,
        typer.Argument(
            help="Reviewed candidates sheet (rows with 是否采纳 = 是 are registered). 审核后的清单。"
        ),
    ],
    officer: Annotated[
        str | None,
        typer.Option(
            "--officer", help="指导人员 for rows that have none (names separated by 、). 未填写时的指导人员。"
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="指导时间 for rows without 计划时间 (without it such rows are refused). 未填计划时间的行的指导时间。",
        ),
    ] = None,
    by: ByOpt = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Register nothing if any row is refused. 有任一行不符合即整批不登记。"),
    ] = False,
) -> None:
    """Register the reviewed actions of FILE; print what was created, refused and skipped.

    登记审核表中“是否采纳 = 是”的行，打印新登记、拒绝和跳过的行及原因（按序号和表格行号）。
    """
    ws = open_workspace()
    if not file.is_file():
        raise FileNotFoundError(2, "No such file", str(file))
    new = ws.add_to_register(file, officers=officer, guided_on=date, by=by, strict=strict)
    typer.echo(new.attrs["summary"])
    for row in new.itertuples(index=False):
        when = f"{row.starts_at:%Y-%m-%d %H:%M}" if row.method == "约谈" else f"{row.guided_on:%Y-%m-%d}"
        typer.echo(f"  {row.entry_no}  {when}  {row.target_name}  {row.method}  {row.doc_no}")
    for row in report(new).itertuples(index=False):
        typer.echo(f"  [{row.kind}] {row.row} {row.name}：{row.reason}")


@register_app.command("list", short_help="Print the register. 查看登记簿。")
def list_(year: YearOpt = None) -> None:
    """Print the register (序号, 时间, 指导事项, 指导结果, 指导人员, 状态).

    打印登记簿：序号、时间、指导事项、指导结果、指导人员、状态。
    """
    ws = open_workspace()
    reg = ws.register(year)
    if reg.empty:
        typer.echo("登记簿为空")
    for row in reg.itertuples(index=False):
        typer.echo(
            f"{row.entry_no}  {row.guided_on:%Y-%m-%d}  {row.target_name}：{row.matter}"
            f"  {row.result}  {row.officers}  {row.status}"
        )


@register_app.command("result", short_help="Record the result of an entry. 记录指导结果。")
def result(
    year: Annotated[int, typer.Argument(help="Register year. 登记年度。")],
    seq: Annotated[int, typer.Argument(help="序号 within the year. 年度内序号。")],
    text: Annotated[str, typer.Argument(help="指导结果, e.g. 已按期整改.")],
    effect: Annotated[str | None, typer.Option("--effect", help="指导取得的效益、效果.")] = None,
    by: ByOpt = None,
) -> None:
    """Record the result (指导结果) of an entry.

    记录一条登记的指导结果（及效益、效果）；原值保留在操作留痕中。
    """
    ws = open_workspace()
    ws.record_result(year, seq, text, effect=effect, by=by)
    typer.echo(f"已记录 {entry_no(year, seq)} 的指导结果")


@register_app.command("void", short_help="Void an entry (it stays, marked 已作废). 作废一条登记。")
def void(
    year: Annotated[int, typer.Argument(help="Register year. 登记年度。")],
    seq: Annotated[int, typer.Argument(help="序号 within the year. 年度内序号。")],
    by: Annotated[str, typer.Option("--by", help="Who voids it. 操作人。")],
    reason: Annotated[str, typer.Option("--reason", help="Why. 原因。")],
) -> None:
    """Void an entry (it stays in the register, marked 已作废).

    作废一条登记：条目和编号保留，标为“已作废”，并记录操作人、时间和原因。
    """
    ws = open_workspace()
    ws.void_entry(year, seq, by=by, reason=reason)
    typer.echo(f"已作废 {entry_no(year, seq)}")


@register_app.command("amend", short_help="Amend fields of an entry. 更正一条登记。")
def amend(
    year: Annotated[int, typer.Argument(help="Register year. 登记年度。")],
    seq: Annotated[int, typer.Argument(help="序号 within the year. 年度内序号。")],
    by: Annotated[str, typer.Option("--by", help="Who amends it. 操作人。")],
    reason: Annotated[str, typer.Option("--reason", help="Why. 原因。")],
    set_: Annotated[
        list[str],
        typer.Option(
            "--set", help=f"FIELD=VALUE (repeatable), FIELD one of {', '.join(AMENDABLE)}. 更正的字段=新值。"
        ),
    ],
) -> None:
    """Amend fields of an entry; the previous values are kept in the audit trail.

    更正一条登记的字段（可重复 --set 字段=新值）；原值保留在操作留痕中。
    """
    ws = open_workspace()
    bad = [item for item in set_ if "=" not in item]
    if bad:
        raise CliError(f"--set 应写成 字段=新值（如 officers=张三、李四），收到「{bad[0]}」")
    changes = dict(item.split("=", 1) for item in set_)
    ws.amend_entry(year, seq, by=by, reason=reason, **changes)
    typer.echo(f"已更正 {entry_no(year, seq)}：{'、'.join(changes)}")


@register_app.command(
    "export", short_help="Export the register in the form's layout. 导出登记簿（附件4格式）。"
)
def export(
    out: Annotated[Path, typer.Option("--out", help="Destination .xlsx (form layout) or .csv. 输出文件。")],
    year: YearOpt = None,
    start: Annotated[
        str | None, typer.Option("--start", help="First 指导时间 (YYYY-MM-DD). 起始日期。")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last 指导时间 (YYYY-MM-DD). 截止日期。")] = None,
) -> None:
    """Export the register (行政指导事项登记簿) for a year or a date range.

    导出某年度或某一时间段的行政指导事项登记簿（A4横向，每页重复标题行）。
    """
    ws = open_workspace()
    out_file(out)
    typer.echo(f"已写出：{ws.export_register(out, year=year, start=start, end=end)}")


@app.command(
    short_help="Write the .docx documents of the register entries. 生成意见书、文书、约谈通知书（.docx）。"
)
def documents(
    out: Annotated[Path, typer.Option("--out", help="Folder for the .docx documents. 输出文件夹。")],
    year: YearOpt = None,
    draft: DraftOpt = False,
) -> None:
    """Write 行政指导意见书 / 行政指导文书 / 约谈通知书 (.docx) for the register entries.

    为登记簿中的条目生成行政指导意见书、行政指导文书和约谈通知书（.docx）。联系电话仍为占位号码时拒绝生成，
    或加 --draft 生成带“草稿”水印的版本。
    """
    ws = open_workspace()
    if out.exists() and not out.is_dir():
        raise CliError(f"--out 应为文件夹，而不是文件：{out}")
    out_folder(out)
    paths = ws.write_documents(out, year=year, draft=draft, progress=progress_wanted())
    typer.echo(f"已写出 {len(paths)} 份文书{'（草稿）' if draft else ''}到 {out}")


@app.command(
    short_help="Write the filing batch for the city's system. 写出淄博市涉企检查网络备案系统的备案批次。"
)
def filing(
    out: Annotated[
        Path, typer.Option("--out", help="Destination .xlsx or .csv (UTF-8 with BOM). 输出文件。")
    ],
    year: YearOpt = None,
    csv: Annotated[
        bool,
        typer.Option("--csv/--no-csv", help="With an .xlsx, also write the .csv next to it. 同时写出 .csv。"),
    ] = True,
) -> None:
    """Write the filing batch for the city's 涉企检查网络备案系统 (行政指导专区).

    写出上传淄博市涉企检查网络备案系统“行政指导专区”的备案批次（列由 config/filing_columns.toml 配置）。
    """
    ws = open_workspace()
    out_file(out)
    typer.echo(f"已写出：{ws.export_filing_batch(out, year=year)}")
    if csv and out.suffix.lower() == ".xlsx":
        typer.echo(f"已写出：{ws.export_filing_batch(out.with_suffix('.csv'), year=year)}")
