"""Editable rules shipped as data files, with workspace copies that override them.

Every rule a person might want to change (routing thresholds, cooldown days, capacity, catalogue,
filing column mapping) lives in ``guidance_analytics/config/`` or ``guidance_analytics/data/``. A
file of the same name in the workspace's ``config/`` folder takes precedence.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd


def packaged_path(name: str) -> Path:
    """Path of a packaged config or data file (``config/<name>`` first, then ``data/<name>``)."""
    root = resources.files(__package__)
    for folder in ("config", "data"):
        candidate = root.joinpath(folder, name)
        if candidate.is_file():
            return Path(str(candidate))
    raise FileNotFoundError(f"no packaged config file named {name!r}")


def resolve(name: str, config_dir: str | Path | None = None) -> Path:
    """The workspace override of ``name`` when it exists, else the packaged file."""
    if config_dir is not None:
        override = Path(config_dir) / name
        if override.is_file():
            return override
    return packaged_path(name)


def load_toml(name: str, config_dir: str | Path | None = None) -> dict[str, Any]:
    """Read a TOML config file (workspace override first)."""
    with resolve(name, config_dir).open("rb") as fh:
        return tomllib.load(fh)


def load_csv(name: str, config_dir: str | Path | None = None, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV data file (UTF-8, workspace override first) with text columns as str."""
    return pd.read_csv(resolve(name, config_dir), dtype=str, keep_default_na=False, **kwargs)
