"""A non-editable install ships every SQL, rule and reference file (pyproject package-data globs)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "guidance_analytics"


def test_package_data_globs_cover_every_data_file() -> None:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = conf["tool"]["setuptools"]["package-data"]["guidance_analytics"]
    shipped = {p for pattern in globs for p in PACKAGE.glob(pattern)}
    data = {
        p
        for folder in ("sql", "config", "data")
        for p in (PACKAGE / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert data, "no data files found"
    assert sorted(str(p.relative_to(PACKAGE)) for p in data - shipped) == []
