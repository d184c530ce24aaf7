"""``guidance-analytics hotspots``: flag fields and periods where violations or complaints are frequent."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..hotspots import find_episodes, hotspot_report_page, hotspots, write_hotspot_table
from ._app import app, friendly_errors, open_workspace


@app.command("hotspots")
@friendly_errors
def hotspots_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (.xlsx with sheets, or .csv).")],
    measure: Annotated[
        str, typer.Option(help="violations | complaints | substantiated_complaints | inspection_failure_rate")
    ] = "violations",
    by: Annotated[
        str,
        typer.Option(
            help="industry[_section|_division|_class] | permit_item | township | violation_type | "
            "complaint_category, or a pair like 'industry×township' / 'industry*township'."
        ),
    ] = "industry",
    freq: Annotated[str, typer.Option(help="Period length: W, M or Q.")] = "M",
    start: Annotated[str | None, typer.Option(help="First period reported (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option(help="Last date used (YYYY-MM-DD).")] = None,
    alpha: Annotated[float | None, typer.Option(help="Level of the upper bound (default 0.01).")] = None,
    fdr: Annotated[float | None, typer.Option(help="False discovery rate per period (default 0.05).")] = None,
    html: Annotated[Path | None, typer.Option(help="Also write the HTML chart page here.")] = None,
) -> None:
    """Write the hotspot table (flagged fields and periods, with Chinese reasons)."""
    ws = open_workspace()
    opts = dict(freq=freq, start=start, end=end, alpha=alpha, fdr=fdr)
    try:
        hot = hotspots(ws, measure, by, **opts)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    path = write_hotspot_table(ws, out, measure, by, hot=hot, **opts)
    typer.echo(f"热点 {int(hot['flagged'].sum())} 个（{hot['field'].nunique()} 个领域）：{path}")
    if html is not None:
        page = hotspot_report_page(hot, find_episodes(hot), html, measure=measure)
        typer.echo(f"图表：{page}")
