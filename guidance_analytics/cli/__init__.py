"""The console script ``guidance-analytics`` (also ``python -m guidance_analytics``).

Each sub-module registers the commands of one area on the shared typer app; none holds logic.
"""

from __future__ import annotations

from importlib import import_module

from ._app import app

# Registering order is the order of the commands in --help: files in → findings → actions → learning.
for _area in ("ingest", "hotspots", "candidates", "register", "effects"):
    import_module(f".{_area}", __name__)


def main() -> None:
    """Entry point of the console script."""
    app()


__all__ = ["app", "main"]
