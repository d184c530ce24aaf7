"""Commands: init, import, status, samples, demo."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..jobs import run_demo
from ..samples import generate_samples
from ._app import app, friendly_errors, open_workspace, state


@app.command()
@friendly_errors
def init() -> None:
    """Create the workspace directory and database (or upgrade an older one)."""
    ws = open_workspace()
    typer.echo(f"工作区已就绪：{ws.path}（数据库结构版本 {ws.store.schema_version()}）")


@app.command("import")
@friendly_errors
def import_(
    kind: Annotated[str, typer.Argument(help="permits | complaints | inspections | penalties")],
    file: Annotated[Path, typer.Argument(help="An .xlsx/.xls/.csv export (UTF-8, UTF-8 BOM or GB18030).")],
    sheet: Annotated[
        str | None, typer.Option(help="Sheet name (xlsx); default: the sheet whose header fits.")
    ] = None,
) -> None:
    """Import one export file and print the account (read = accepted + updated + duplicates + rejected).

    Exits non-zero only when the file could not be used at all (nothing is changed then).
    """
    ws = open_workspace()
    result = ws.import_file(file, kind, sheet=sheet, progress=sys.stderr.isatty())
    typer.echo(result.summary())


@app.command()
@friendly_errors
def status() -> None:
    """Row counts per table and the complaint match rate."""
    ws = open_workspace()
    table = ws.status()
    for row in table.itertuples(index=False):
        rate = (
            ""
            if row.match_rate != row.match_rate or row.match_rate is None
            else f"  匹配率 {row.match_rate:.1%}"
        )
        typer.echo(f"{row.table:<12}{row.rows:>10}{rate}")


@app.command()
def samples(
    out: Annotated[Path, typer.Argument(help="Directory to write the synthetic sample files to.")],
    seed: Annotated[int, typer.Option(help="Random seed (the committed set uses the default).")] = 20210510,
    n_businesses: Annotated[int, typer.Option(help="Number of businesses.")] = 2500,
) -> None:
    """Generate the synthetic sample data (with its ground truth) into OUT."""
    paths = generate_samples(out, seed=seed, n_businesses=n_businesses)
    for kind, files in paths.items():
        for path in files if isinstance(files, list) else [files]:
            typer.echo(f"{kind:<12}{path}")


@app.command()
@friendly_errors
def demo(
    data: Annotated[
        Path | None, typer.Option(help="Folder of export files; default: the bundled data_samples/.")
    ] = None,
) -> None:
    """The main job on the sample data: import everything, find hotspots, propose candidates.

    Writes the hotspot spreadsheet, an HTML chart page and the candidate review file to the
    workspace's exports/. Nothing is registered: people decide.
    """
    run_demo(state["workspace"], data, echo=typer.echo)
