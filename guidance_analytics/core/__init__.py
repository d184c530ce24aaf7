"""The base every stage stands on: the DuckDB store, SQL files, rules, exports, dates.

Nothing here knows about a stage. Stage modules take a :class:`WorkspaceLike` (never the
``Workspace`` facade) and reach everything below through this package's names.
"""

from __future__ import annotations

from . import sql
from .config import config_file, packaged_file, rules, table
from .dates import month_starts, optional_date, planning_grid, to_date
from .display import CHINESE_TABLE_TEXT, interactive_tables
from .exports import for_people, neutralize, neutralize_frame, write_table
from .files import atomic_write, prepare_folders, short_name
from .protocols import WorkspaceLike
from .store import Store

__all__ = [
    "CHINESE_TABLE_TEXT",
    "Store",
    "WorkspaceLike",
    "atomic_write",
    "config_file",
    "for_people",
    "interactive_tables",
    "month_starts",
    "neutralize",
    "neutralize_frame",
    "optional_date",
    "packaged_file",
    "planning_grid",
    "prepare_folders",
    "rules",
    "short_name",
    "sql",
    "table",
    "to_date",
    "write_table",
]
