"""Register tests: an operator name for the audit trail (the register names people)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def operator_name(monkeypatch: pytest.MonkeyPatch) -> str:
    """Tests run as 录入员 (CI runs as root, which the register refuses as an operator)."""
    monkeypatch.setenv("GA_OPERATOR", "录入员")
    return "录入员"
