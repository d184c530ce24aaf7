"""What a stage function needs from a workspace: :class:`WorkspaceLike`.

Stage modules never import :class:`guidance_analytics.Workspace` (it sits above every stage);
they type their first argument as ``WorkspaceLike``. ``Workspace`` satisfies it, and so does any
object with these attributes (a test double, another front end).

>>> import tempfile
>>> from pathlib import Path
>>> from guidance_analytics.core import Store
>>> class Folder:
...     def __init__(self, path):
...         self.path = Path(path)
...         self.config_dir = self.path / "config"
...         self.exports_dir = self.path / "exports"
...         self.rejects_dir = self.path / "rejects"
...         self.store = Store(self.path / "ws.duckdb")
>>> isinstance(Folder(tempfile.mkdtemp()), WorkspaceLike)
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from .store import Store


@runtime_checkable
class WorkspaceLike(Protocol):
    """A workspace folder: its DuckDB store and the folders stage functions read and write.

    Attributes
    ----------
    path : pathlib.Path
        The workspace directory.
    store : Store
        The workspace's DuckDB file (named queries, short-lived connections, migrations).
    config_dir : pathlib.Path
        Edited copies of packaged rules and tables (``config/*.toml``, ``*.csv``); may not exist.
    exports_dir : pathlib.Path
        Where spreadsheets and chart pages for people are written by default.
    rejects_dir : pathlib.Path
        Where rejected rows of an import are written.
    """

    path: Path
    store: Store
    config_dir: Path
    exports_dir: Path
    rejects_dir: Path
