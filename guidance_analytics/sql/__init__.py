"""Named SQL queries: one query per ``.sql`` file in this folder, loaded by name.

Queries are written as chains of CTE steps and take DuckDB ``$name`` parameters; values are never
formatted into SQL text.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load(name: str) -> str:
    """Return the text of ``guidance_analytics/sql/<name>.sql``.

    ``name`` may contain a sub-folder (``"migrations/001_base"``).
    """
    path = resources.files(__package__).joinpath(f"{name}.sql")
    if not path.is_file():
        raise KeyError(f"no SQL file named {name!r}")
    return path.read_text(encoding="utf-8")


def migrations() -> list[tuple[int, str, str]]:
    """All schema migrations as ``(version, name, sql)`` sorted by version."""
    folder = resources.files(__package__).joinpath("migrations")
    out = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            stem = entry.name[:-4]
            out.append((int(stem.split("_", 1)[0]), stem, entry.read_text(encoding="utf-8")))
    return sorted(out)
