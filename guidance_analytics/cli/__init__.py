"""The console script ``guidance-analytics`` (also ``python -m guidance_analytics``).

Each sub-module registers the commands of one area on the shared typer app; none holds logic.
"""

from __future__ import annotations

from importlib import import_module

from ._app import app

for _name in ("ingest", "hotspots", "candidates", "register", "effects"):
    try:
        import_module(f".{_name}", __name__)
    except ModuleNotFoundError as _exc:  # an area whose commands are not installed yet
        if _exc.name != f"{__name__}.{_name}":
            raise


def main() -> None:
    """Entry point of the console script."""
    app()


__all__ = ["app", "main"]
