"""Command: effects — follow-up of guidance results (did guidance reduce violations?)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..core import write_table
from ..effects import DUE_HEADERS, write_effects, write_work_report
from ._app import app, non_negative, open_workspace, out_file, positive


@app.command(
    short_help="Did guidance reduce violations? Guided vs matched clean controls, with a verdict. "
    "指导效果评估：被指导主体与可比的未受指导主体对比，给出结论。"
)
def effects(
    window: Annotated[
        int,
        typer.Option(
            "--window",
            help="Months before and after each guidance date (≥ 1). 指导前后各几个月。",
            callback=positive,
        ),
    ] = 6,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Follow-up cut-off date (default: newest record). 评估截止日。"),
    ] = None,
    method: Annotated[
        list[str] | None, typer.Option("--method", help="Only this 指导方式 (repeatable). 只评估该指导方式。")
    ] = None,
    controls: Annotated[
        int | None,
        typer.Option(
            "--controls",
            help="Matched controls per guided business (default: config). 每户对照主体数。",
            callback=positive,
        ),
    ] = None,
    caliper: Annotated[
        float | None,
        typer.Option(
            "--caliper",
            help="Largest standardised distance of a control (default: config). 对照匹配容差。",
        ),
    ] = None,
    boot: Annotated[
        int,
        typer.Option(
            "--boot", help="Bootstrap resamples for the intervals. 自助法重抽样次数。", callback=non_negative
        ),
    ] = 500,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed (matching ties, bootstrap). 随机种子。")
    ] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the table (.xlsx or .csv) with Chinese headers. 输出评估表。"),
    ] = None,
) -> None:
    """Guided vs matched clean controls (staggered adoption, pre-trend test, placebo, verdict).

    被指导主体与按指导前记录和风险匹配的未受指导主体对比，附置信区间、前趋势检验和结论。
    """
    ws = open_workspace()
    if out is not None:
        out_file(out)
    table = ws.guidance_effects(
        window,
        as_of=as_of,
        methods=method or None,
        controls_per_case=controls,
        n_boot=boot,
        seed=seed,
        caliper=caliper,
    )
    for row in table[table["outcome"] == "violations"].itertuples(index=False):
        typer.echo(f"[{row.method}] {row.interpretation}")
    drawn = ws.randomised_effects(window, as_of=as_of)
    for row in drawn.itertuples(index=False):
        typer.echo(f"[随机抽取·{row.method}] {row.interpretation}")
    if out is not None:
        typer.echo(f"已写出：{write_effects(table, out)}")


@app.command(
    "follow-up",
    short_help="Entries due a follow-up (missing 指导结果, 案件回访 not done). 待回访、待补录结果的登记事项。",
)
def follow_up(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Cut-off date (default: newest record). 截止日期。")
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            help="Days after guidance a result is due (default: config). 结果应填写天数。",
            callback=positive,
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the list (.xlsx or .csv). 输出待办清单。")
    ] = None,
) -> None:
    """Register entries waiting for a result or a return visit.

    登记簿中逾期未填写指导结果、或约谈/劝导警示后尚未回访的事项。
    """
    ws = open_workspace()
    if out is not None:
        out_file(out)
    due = ws.follow_up_due(as_of, result_days=days)
    if due.empty:
        typer.echo("没有待回访或待补录结果的事项。")
    for row in due.itertuples(index=False):
        typer.echo(f"{row.entry_no} {row.method} {row.target_name}：{row.reason}（逾期{row.days_overdue}天）")
    if out is not None:
        typer.echo(
            f"已写出：{write_table(due[list(DUE_HEADERS)], out, headers=DUE_HEADERS, title='待回访事项')}"
        )


@app.command(short_help="The work report for a period (.xlsx, .docx or .html). 行政指导工作情况报告。")
def report(
    start: Annotated[str, typer.Option("--from", help="First day of the period. 起始日期。")],
    end: Annotated[str, typer.Option("--to", help="Last day of the period. 截止日期。")],
    out: Annotated[Path, typer.Option("--out", help="The report file: .xlsx, .docx or .html. 报告文件。")],
    window: Annotated[
        int,
        typer.Option(
            "--window",
            help="Months after guidance for the effect figures. 效果评估窗口（月）。",
            callback=positive,
        ),
    ] = 6,
    boot: Annotated[
        int, typer.Option("--boot", help="Bootstrap resamples. 自助法重抽样次数。", callback=non_negative)
    ] = 300,
) -> None:
    """Actions by unit, method and result; hotspots followed up; effects with verdicts; typical cases.

    按实施科室、指导方式、指导结果统计，高发领域的跟进，效果评估结论，典型案例候选和待回访事项。
    """
    ws = open_workspace()
    out_file(out, (".xlsx", ".docx", ".html"))
    rep = ws.work_report(start, end, window_months=window, n_boot=boot)
    typer.echo(rep.overview.to_string(index=False, header=False))
    typer.echo(f"已写出：{write_work_report(rep, out)}")
