"""The typer application and the options every command shares. No logic of its own."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputFileError, RegisterError, WorkspaceBusyError
from ..workspace import Workspace

app = typer.Typer(
    name="guidance-analytics",
    help="Where to send targeted administrative guidance (行政指导): ingest, hotspots, candidates, register.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

state: dict[str, Path] = {"workspace": Path("workspace")}


@app.callback()
def _main(
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="Workspace directory (created if missing).")
    ] = Path("workspace"),
) -> None:
    state["workspace"] = workspace


def open_workspace() -> Workspace:
    """The workspace chosen with ``--workspace``."""
    return Workspace(state["workspace"])


def friendly_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the errors users can act on into a one-line message and exit code 2 (no traceback)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (InputFileError, WorkspaceBusyError, RegisterError) as exc:
            typer.echo(f"错误：{exc}", err=True)
            sys.exit(2)

    return wrapper
