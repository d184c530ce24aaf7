"""``guidance-analytics candidates | risk | backtest | contacts``: the candidate review file, risk
scores, the backtest and the contact ledger. No logic here: each command calls the package and prints a short summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..core import to_date, write_table
from ..targeting import (
    BACKTEST_HEADERS,
    SCORE_HEADERS,
    backtest_report,
    risk_scores,
    write_contacts,
    write_latest,
)
from ._app import CliError, app, non_negative, open_workspace, out_file, positive, progress_wanted


def _date(value: str | None, option: str) -> None:
    """Refuse a date that cannot be read, naming the option (before any work)."""
    if value is None:
        return
    try:
        to_date(value)
    except (TypeError, ValueError):
        raise CliError(f"{option} 不是有效日期：「{value}」（应为 YYYY-MM-DD，如 2025-01-01）") from None


@app.command(
    "candidates",
    short_help="Write the candidate review file (registers nothing). 写出指导对象建议清单审核表（不登记）。",
)
def candidates_command(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Planning date YYYY-MM-DD (default: the day after the latest record). 计划日期。",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Review file (.xlsx); default exports/候选名单_<date>.xlsx. 审核表路径。"
        ),
    ] = None,
    capacity: Annotated[
        list[str] | None,
        typer.Option(
            "--capacity", help="Capacity per action, e.g. --capacity 约谈=10 (repeatable). 各方式容量。"
        ),
    ] = None,
    draw: Annotated[
        bool | None,
        typer.Option(
            "--draw/--top",
            help="Risk-weighted random draw within each action, or the top by score. 风险加权随机抽取，或按分数取前。",
        ),
    ] = None,
    cooldown_days: Annotated[
        int | None,
        typer.Option(
            help="Cooldown in days (default from routing.toml). 冷却期天数。", callback=non_negative
        ),
    ] = None,
) -> None:
    """Write the candidate review file for the policy-law section. Registers nothing.

    写出给政策法规科的指导对象建议清单审核表（是否采纳、指导人员、计划时间待填写）。本命令不登记任何事项。
    """
    ws = open_workspace()
    _date(as_of, "--as-of")
    if out is not None:
        out_file(out, (".xlsx",))
    try:
        path, summary = write_latest(
            ws, out, as_of, capacity=capacity or None, draw=draw, cooldown_days=cooldown_days
        )
    except ValueError as exc:
        raise CliError(f"--capacity 有误：{exc}") from None
    typer.echo(summary)
    typer.echo(f"审核表：{path}")


@app.command("risk", short_help="Write the risk scores with explanations. 写出风险评分及中文说明。")
def risk_command(
    as_of: Annotated[str, typer.Option("--as-of", help="Planning date YYYY-MM-DD. 计划日期。")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (.xlsx or .csv). 输出文件。")],
    horizon_months: Annotated[
        int, typer.Option(help="Outcome window in months. 预测期（月）。", callback=positive)
    ] = 3,
) -> None:
    """Write the risk scores (one row per business, ranked, with Chinese explanations).

    写出风险评分：每户一行，按风险排序，附主要风险信号的中文说明（仅供内部审核，不写入发给相对人的文书）。
    """
    ws = open_workspace()
    _date(as_of, "--as-of")
    out_file(out)
    scores = risk_scores(ws, as_of, horizon_months=horizon_months)
    path = write_table(scores, out, headers=SCORE_HEADERS, title=f"风险评分（计划日期 {as_of}）")
    typer.echo(f"风险评分 {len(scores)} 户：{path}")


@app.command(
    "backtest",
    short_help="Rolling backtest vs a random draw and the complaint rule. 回测：与随机抽取、简单规则比较。",
)
def backtest_command(
    start: Annotated[str, typer.Option(help="First planning date YYYY-MM-DD. 第一个计划日期。")],
    end: Annotated[str, typer.Option(help="Last planning date YYYY-MM-DD. 最后一个计划日期。")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the table (.xlsx/.csv). 另写出回测表。")
    ] = None,
    horizon_months: Annotated[
        int, typer.Option(help="Outcome window in months. 预测期（月）。", callback=positive)
    ] = 3,
    step_months: Annotated[
        int, typer.Option(help="Months between planning dates. 计划日期间隔（月）。", callback=positive)
    ] = 1,
) -> None:
    """Rolling backtest: precision@k and lift vs a random draw and vs the complaint rule.

    滚动回测：在过去的计划日期上，模型选出的前 k 户命中率与随机抽取、“属实投诉最多优先”规则比较。
    """
    ws = open_workspace()
    _date(start, "--start")
    _date(end, "--end")
    if out is not None:
        out_file(out)
    table, text = backtest_report(
        ws, start, end, horizon_months=horizon_months, step_months=step_months, progress=progress_wanted()
    )
    typer.echo(text)
    if out is not None:
        typer.echo(
            f"回测表：{write_table(table, out, headers=BACKTEST_HEADERS, title='风险模型回测（汇总）')}"
        )


@app.command(
    "contacts",
    short_help="Write the contact ledger against the annual on-site cap. 写出涉企接触台账（入企次数与上限）。",
)
def contacts_command(
    year: Annotated[
        int | None,
        typer.Option("--year", help="Calendar year (default: every year). 年度。", callback=positive),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Output file (.xlsx/.csv); default exports/接触台账_<year>.xlsx. 输出文件。"
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Count contacts before this date YYYY-MM-DD. 统计截止日期。"),
    ] = None,
) -> None:
    """Write the contact ledger: per business and year, inspections by type (日常/专项/个案) and
    guidance by channel, the on-site contacts counted against the cap and what is left.

    写出涉企接触台账：每户每年的检查（日常、专项、个案）和行政指导（入企、到局、书面、电话、短信）次数，
    计入年度入企上限的次数和剩余次数（国办发〔2024〕54号；上限和计入口径见 contacts.toml）。
    """
    ws = open_workspace()
    _date(as_of, "--as-of")
    if out is not None:
        out_file(out)
    path = write_contacts(ws, year, out, as_of=as_of)
    ledger = ws.contacts(year, as_of=as_of)
    capped = int(ledger["at_cap"].sum())
    typer.echo(
        f"接触台账 {len(ledger)} 行（{year or '全部年度'}），已达年度入企上限（{ledger.attrs['cap']}次）{capped} 户：{path}"
    )
