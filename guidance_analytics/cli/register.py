"""Commands: catalog, register add/list/result/void/amend/export, documents, filing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..register import report
from ..targeting import load_catalog
from ._app import app, friendly_errors, open_workspace

register_app = typer.Typer(
    help="The guidance register (登记簿): add reviewed actions, results, exports.", no_args_is_help=True
)
app.add_typer(register_app, name="register")

YearOpt = Annotated[int | None, typer.Option("--year", help="Register year (default: all years).")]


@app.command()
@friendly_errors
def catalog(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the catalogue (.xlsx or .csv) in its publishable layout."),
    ] = None,
    load: Annotated[
        Path | None,
        typer.Option("--load", help="Replace the workspace copy with an edited .xlsx/.csv first."),
    ] = None,
) -> None:
    """The guidance catalogue (行政指导事项目录清单): load an edited copy and/or export it."""
    ws = open_workspace()
    items = load_catalog(ws, load) if load is not None else ws.catalog()
    typer.echo(f"目录清单共 {len(items)} 项")
    if out is not None:
        typer.echo(f"已写出：{ws.export_catalog(out)}")


@register_app.command("add")
@friendly_errors
def add(
    file: Annotated[
        Path, typer.Argument(help="Reviewed candidates sheet (rows with 是否采纳 = 是 are registered).")
    ],
    officer: Annotated[
        str | None,
        typer.Option("--officer", help="指导人员 for rows that have none (names separated by 、)."),
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="指导时间 for rows without 计划时间 (default: today).")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who registers (audit trail; default: login name).")
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Register nothing if any row is refused.")] = False,
) -> None:
    """Register the reviewed actions of FILE; print what was created, refused and skipped."""
    ws = open_workspace()
    new = ws.add_to_register(file, officers=officer, guided_on=date, by=by, strict=strict)
    typer.echo(new.attrs["summary"])
    for row in new.itertuples(index=False):
        typer.echo(f"  {row.year}年第{row.seq}号  {row.target_name}  {row.method}  {row.doc_no}")
    for row in report(new).itertuples(index=False):
        typer.echo(f"  [{row.kind}] 第{row.row_number}行 {row.name}：{row.reason}")


@register_app.command("list")
@friendly_errors
def list_(year: YearOpt = None) -> None:
    """Print the register (序号, 时间, 指导事项, 指导结果, 指导人员, 状态)."""
    ws = open_workspace()
    reg = ws.register(year)
    if reg.empty:
        typer.echo("登记簿为空")
    for row in reg.itertuples(index=False):
        typer.echo(
            f"{row.year}-{row.seq:03d}  {row.guided_on:%Y-%m-%d}  {row.target_name}：{row.matter}"
            f"  {row.result}  {row.officers}  {row.status}"
        )


@register_app.command("result")
@friendly_errors
def result(
    year: Annotated[int, typer.Argument(help="Register year.")],
    seq: Annotated[int, typer.Argument(help="序号 within the year.")],
    text: Annotated[str, typer.Argument(help="指导结果, e.g. 已按期整改.")],
    effect: Annotated[str | None, typer.Option("--effect", help="指导取得的效益、效果.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who records it (audit trail).")] = None,
) -> None:
    """Record the result (指导结果) of an entry."""
    ws = open_workspace()
    ws.record_result(year, seq, text, effect=effect, by=by)
    typer.echo(f"已记录 {year}年第{seq}号 的指导结果")


@register_app.command("void")
@friendly_errors
def void(
    year: Annotated[int, typer.Argument(help="Register year.")],
    seq: Annotated[int, typer.Argument(help="序号 within the year.")],
    by: Annotated[str, typer.Option("--by", help="Who voids it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
) -> None:
    """Void an entry (it stays in the register, marked 已作废)."""
    ws = open_workspace()
    ws.void_entry(year, seq, by=by, reason=reason)
    typer.echo(f"已作废 {year}年第{seq}号")


@register_app.command("amend")
@friendly_errors
def amend(
    year: Annotated[int, typer.Argument(help="Register year.")],
    seq: Annotated[int, typer.Argument(help="序号 within the year.")],
    by: Annotated[str, typer.Option("--by", help="Who amends it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
    set_: Annotated[
        list[str], typer.Option("--set", help="FIELD=VALUE, e.g. officers=张三、李四 (repeatable).")
    ],
) -> None:
    """Amend fields of an entry; the previous values are kept in the audit trail."""
    changes = dict(item.split("=", 1) for item in set_ if "=" in item)
    ws = open_workspace()
    ws.amend_entry(year, seq, by=by, reason=reason, **changes)
    typer.echo(f"已更正 {year}年第{seq}号：{'、'.join(changes)}")


@register_app.command("export")
@friendly_errors
def export(
    out: Annotated[Path, typer.Option("--out", help="Destination .xlsx (form layout) or .csv.")],
    year: YearOpt = None,
    start: Annotated[str | None, typer.Option("--start", help="First 指导时间 (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last 指导时间 (YYYY-MM-DD).")] = None,
) -> None:
    """Export the register (行政指导事项登记簿) for a year or a date range."""
    ws = open_workspace()
    typer.echo(f"已写出：{ws.export_register(out, year=year, start=start, end=end)}")


@app.command()
@friendly_errors
def documents(
    out: Annotated[Path, typer.Option("--out", help="Folder for the .docx documents.")],
    year: YearOpt = None,
) -> None:
    """Write 行政指导意见书 / 行政指导文书 / 约谈通知书 (.docx) for the register entries."""
    ws = open_workspace()
    paths = ws.write_documents(out, year=year)
    typer.echo(f"已写出 {len(paths)} 份文书到 {out}")


@app.command()
@friendly_errors
def filing(
    out: Annotated[Path, typer.Option("--out", help="Destination .xlsx or .csv (UTF-8 with BOM).")],
    year: YearOpt = None,
    csv: Annotated[
        bool, typer.Option("--csv/--no-csv", help="With an .xlsx, also write the .csv next to it.")
    ] = True,
) -> None:
    """Write the filing batch for the city's 涉企检查网络备案系统 (行政指导专区)."""
    ws = open_workspace()
    typer.echo(f"已写出：{ws.export_filing_batch(out, year=year)}")
    if csv and out.suffix.lower() == ".xlsx":
        typer.echo(f"已写出：{ws.export_filing_batch(out.with_suffix('.csv'), year=year)}")
