"""The console script ``guidance-analytics`` (also ``python -m guidance_analytics``).

Each sub-module registers the commands of one area on the shared typer app; none holds logic.
"""

from __future__ import annotations

# Importing a module registers its commands; the order is the order of the commands in --help:
# files in → findings → actions → records → learning.
# isort: off
from . import ingest  # noqa: F401
from . import hotspots  # noqa: F401
from . import targeting  # noqa: F401
from . import register  # noqa: F401
from . import effects  # noqa: F401

# isort: on
from ._app import app


def main() -> None:
    """Entry point of the console script."""
    app()


__all__ = ["app", "main"]
