"""``guidance-analytics candidates | risk | backtest``: the candidate review file, risk scores and
the backtest. No logic here: each command calls the package and prints a short summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..core import write_table
from ..targeting import BACKTEST_HEADERS, SCORE_HEADERS, backtest_report, risk_scores, write_latest
from ._app import app, friendly_errors, open_workspace


@app.command("candidates")
@friendly_errors
def candidates_command(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Planning date YYYY-MM-DD (default: the day after the latest record)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Review file (.xlsx); default exports/候选名单_<date>.xlsx."),
    ] = None,
    capacity: Annotated[
        list[str] | None,
        typer.Option("--capacity", help="Capacity per action, e.g. --capacity 约谈=10 (repeatable)."),
    ] = None,
    draw: Annotated[
        bool | None,
        typer.Option(
            "--draw/--top", help="Risk-weighted random draw within each action, or the top by score."
        ),
    ] = None,
    cooldown_days: Annotated[
        int | None, typer.Option(help="Cooldown in days (default from routing.toml).")
    ] = None,
) -> None:
    """Write the candidate review file for the policy-law section. Registers nothing."""
    ws = open_workspace()
    try:
        path, summary = write_latest(
            ws, out, as_of, capacity=capacity or None, draw=draw, cooldown_days=cooldown_days
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    typer.echo(summary)
    typer.echo(f"审核表：{path}")


@app.command("risk")
@friendly_errors
def risk_command(
    as_of: Annotated[str, typer.Option("--as-of", help="Planning date YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (.xlsx or .csv).")],
    horizon_months: Annotated[int, typer.Option(help="Outcome window in months.")] = 3,
) -> None:
    """Write the risk scores (one row per business, ranked, with Chinese explanations)."""
    ws = open_workspace()
    scores = risk_scores(ws, as_of, horizon_months=horizon_months)
    path = write_table(scores, out, headers=SCORE_HEADERS, title=f"风险评分（计划日期 {as_of}）")
    typer.echo(f"风险评分 {len(scores)} 户：{path}")


@app.command("backtest")
@friendly_errors
def backtest_command(
    start: Annotated[str, typer.Option(help="First planning date YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="Last planning date YYYY-MM-DD.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the table (.xlsx/.csv).")
    ] = None,
    horizon_months: Annotated[int, typer.Option(help="Outcome window in months.")] = 3,
    step_months: Annotated[int, typer.Option(help="Months between planning dates.")] = 1,
) -> None:
    """Rolling backtest: precision@k and lift vs a random draw and vs the complaint rule."""
    ws = open_workspace()
    table, text = backtest_report(ws, start, end, horizon_months=horizon_months, step_months=step_months)
    typer.echo(text)
    if out is not None:
        typer.echo(
            f"回测表：{write_table(table, out, headers=BACKTEST_HEADERS, title='风险模型回测（汇总）')}"
        )
