"""Editable rules shipped as data files, with workspace copies that override them.

Every rule a person might want to change (routing thresholds, cooldown days, capacity, catalogue,
filing column mapping, import batch size) lives in ``guidance_analytics/config/`` (TOML rules, CSV
lists) or ``guidance_analytics/data/`` (reference tables). A file of the same name in the
workspace's ``config/`` folder takes precedence over the packaged one.

There is one accessor for rules, :func:`rules` (``rules(ws, "hotspots")`` reads
``config/hotspots.toml``), and one for tables, :func:`table` (``table(ws, "industries")`` reads
``industries.csv``).

>>> rules(None, "hotspots")["detect"]["min_count"]
5
>>> list(table(None, "townships").columns)[:2]
['code', 'name']
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from .protocols import WorkspaceLike

#: Packaged folders searched for a file, in order.
FOLDERS = ("config", "data")

#: The rule files (``config/<name>.toml``) and who reads them.
RULE_FILES = {
    "hotspots": "hotspot detection, episodes, seasonal hotspots, report",
    "routing": "features, risk model, backtest, candidate routing, restraint, fairness",
    "register": "register numbering, documents, unit, contact",
    "filing_columns": "the city filing batch's columns",
    "effects": "follow-up evaluation of guidance",
    "ingest": "import batch size and memory cap",
    "contacts": "contact ledger and caps, channels, education after 不予处罚, 信用修复, credit classes",
}


def packaged_file(filename: str) -> Path:
    """Path of a packaged config or data file (``config/<filename>`` first, then ``data/``).

    Raises
    ------
    FileNotFoundError
        No packaged file of that name.
    """
    root = resources.files("guidance_analytics")
    for folder in FOLDERS:
        candidate = root.joinpath(folder, filename)
        if candidate.is_file():
            return Path(str(candidate))
    raise FileNotFoundError(f"no packaged config file named {filename!r}")


def config_file(ws: WorkspaceLike | None, filename: str) -> Path:
    """The workspace's copy of ``filename`` (in ``ws.config_dir``) when it exists, else the packaged one.

    >>> config_file(None, "routing.toml").name
    'routing.toml'
    """
    if ws is not None:
        override = Path(ws.config_dir) / filename
        if override.is_file():
            return override
    return packaged_file(filename)


def rules(ws: WorkspaceLike | None, name: str) -> dict[str, Any]:
    """The rules of ``config/<name>.toml`` (the workspace's copy first).

    Parameters
    ----------
    ws : WorkspaceLike or None
        The workspace whose ``config/`` folder may hold an edited copy; ``None`` = packaged rules.
    name : str
        One of :data:`RULE_FILES`: ``"hotspots"``, ``"routing"``, ``"register"``,
        ``"filing_columns"``, ``"effects"``, ``"ingest"``.

    Returns
    -------
    dict
        The parsed TOML document (tables as nested dicts).

    Examples
    --------
    >>> rules(None, "routing")["cooldown"]["days"]
    180
    """
    with config_file(ws, f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


def table(ws: WorkspaceLike | None, name: str) -> pd.DataFrame:
    """The table ``<name>.csv`` (UTF-8; the workspace's copy first) with every column as text.

    Parameters
    ----------
    ws : WorkspaceLike or None
        The workspace whose ``config/`` folder may hold an edited copy; ``None`` = packaged table.
    name : str
        ``"catalog"``, ``"hotspot_industry_names"``, ``"industries"``, ``"townships"`` …

    Returns
    -------
    pandas.DataFrame
        The rows, empty cells as ``""``.

    Examples
    --------
    >>> table(None, "industries").columns.tolist()
    ['section', 'division', 'group', 'class', 'name', 'typical_licence']
    """
    return pd.read_csv(config_file(ws, f"{name}.csv"), dtype=str, keep_default_na=False)
