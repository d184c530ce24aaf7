"""Named SQL queries: one query per ``.sql`` file under ``guidance_analytics/sql/<stage>/``.

Queries are written as chains of CTE steps and take DuckDB ``$name`` parameters; values are never
formatted into SQL text. Callers name a file by a literal ``"<stage>/<query>"`` string (never
composed at run time), so ``grep -rn '"targeting/features_panel"'`` finds every caller, and a test
fails when a file is used by nothing. Schema migrations live in ``sql/migrations/NNN_name.sql``.

>>> load("targeting/newest_record").lstrip().startswith("--")
True
>>> [name for _version, name, _text in migrations()][:2]
['001_base', '002_register']
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable


def _root() -> Traversable:
    return resources.files("guidance_analytics").joinpath("sql")


@cache
def load(name: str) -> str:
    """Return the text of ``guidance_analytics/sql/<name>.sql`` (``name`` like ``"ingest/status"``).

    Raises
    ------
    KeyError
        No such file.
    """
    path = _root().joinpath(*f"{name}.sql".split("/"))
    if not path.is_file():
        raise KeyError(f"no SQL file named {name!r}")
    return path.read_text(encoding="utf-8")


def migrations() -> list[tuple[int, str, str]]:
    """All schema migrations as ``(version, name, sql)`` sorted by version (``NNN_name.sql``)."""
    out = []
    for entry in _root().joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            stem = entry.name[:-4]
            out.append((int(stem.split("_", 1)[0]), stem, entry.read_text(encoding="utf-8")))
    return sorted(out)
