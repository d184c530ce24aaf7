"""Helpers of the register tests: contact numbers that are not placeholders; reading documents."""

from __future__ import annotations

import re
from pathlib import Path

import docx

from guidance_analytics.core import config_file

#: Not a placeholder, and not anyone's number either: local numbers in 0533 never start with 1.
PHONE = "0533-1234567"


def set_contacts(config_dir: Path, phone: str = PHONE) -> None:
    """Write workspace copies of register.toml and catalog.csv whose numbers are ``phone``."""
    config_dir.mkdir(parents=True, exist_ok=True)
    rules = config_file(None, "register.toml").read_text(encoding="utf-8")
    (config_dir / "register.toml").write_text(rules.replace("0533-0000000", phone), encoding="utf-8")
    catalog = config_file(None, "catalog.csv").read_bytes().decode("utf-8")
    for n in range(10):
        catalog = catalog.replace(f"0533-000000{n}", phone)
    (config_dir / "catalog.csv").write_bytes(catalog.encode("utf-8"))


#: Words and patterns of the tool's own reasoning that a business must never read. Written here,
#: independently of the configured list the code uses.
INTERNAL = re.compile(
    r"风险分|风险评分|评分|排名|第\s*\d+\s*位|模型|概率|预测|预期|上限|q值|p值|置信|热点|宜教育劝导|"
    r"宜开展回访|宜约谈|建议方式|score|rank|logit|isotonic|\d\.\d{2}（"
)


def document_text(path: Path) -> str:
    """Everything a reader of the .docx sees: paragraphs, table cells, headers."""
    doc = docx.Document(path)
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    parts += [p.text for s in doc.sections for p in s.header.paragraphs]
    return "\n".join(parts)
