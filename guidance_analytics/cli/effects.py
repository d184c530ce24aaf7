"""Command: effects — follow-up of guidance results (did guidance reduce violations?)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..effects import write_effects
from ._app import app, friendly_errors, open_workspace


@app.command()
@friendly_errors
def effects(
    window: Annotated[int, typer.Option("--window", help="Months before and after each guidance date.")] = 6,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Follow-up cut-off date (default: newest record).")
    ] = None,
    method: Annotated[
        list[str] | None, typer.Option("--method", help="Only this 指导方式 (repeatable).")
    ] = None,
    controls: Annotated[int, typer.Option("--controls", help="Matched controls per guided business.")] = 3,
    caliper: Annotated[
        float | None,
        typer.Option(
            "--caliper", help="Largest pre-window record distance of a control (default: config, 0 = exact)."
        ),
    ] = None,
    boot: Annotated[int, typer.Option("--boot", help="Bootstrap resamples for the intervals.")] = 500,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (matching ties, bootstrap).")] = 0,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the table (.xlsx or .csv) with Chinese headers.")
    ] = None,
) -> None:
    """Guided vs matched unguided businesses before/after guidance (difference-in-differences)."""
    ws = open_workspace()
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
    if out is not None:
        typer.echo(f"已写出：{write_effects(table, out)}")
