"""The facade: every method has the signature and docstring of the stage function it calls."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import guidance_analytics as ga
from guidance_analytics.workspace import Workspace

DELEGATING = [name for name, member in vars(Workspace).items() if hasattr(member, "__wrapped_owner__")]


def test_most_methods_delegate() -> None:
    assert len(DELEGATING) >= 20, DELEGATING


@pytest.mark.parametrize("name", DELEGATING)
def test_method_has_the_owners_signature_minus_ws(name: str) -> None:
    method = getattr(Workspace, name)
    owner = method.__wrapped_owner__
    mine = list(inspect.signature(method).parameters.values())[1:]  # without self
    theirs = list(inspect.signature(owner).parameters.values())[1:]  # without ws
    assert [(p.name, p.kind, p.default) for p in mine] == [(p.name, p.kind, p.default) for p in theirs]
    assert inspect.signature(method).return_annotation == inspect.signature(owner).return_annotation


@pytest.mark.parametrize("name", DELEGATING)
def test_method_has_the_owners_numpydoc_docstring(name: str) -> None:
    doc = inspect.getdoc(getattr(Workspace, name)) or ""
    owner = getattr(Workspace, name).__wrapped_owner__
    assert doc.startswith((inspect.getdoc(owner) or "").splitlines()[0])
    assert "ws :" not in doc


def test_help_shows_the_real_parameters() -> None:
    text = inspect.signature(Workspace.hotspots).parameters
    assert {"freq", "start", "end", "alpha", "fdr", "min_count", "exposure"} <= set(text)
    assert "kwargs" not in text
    doc = inspect.getdoc(Workspace.hotspots)
    assert "Returns" in doc and "q_value" in doc and "freq : str" in doc


def test_no_kwargs_catch_all() -> None:
    for name, member in vars(Workspace).items():
        if callable(member):
            assert "kwargs" not in inspect.signature(member).parameters, name


def test_public_names_of_the_package_stay_importable() -> None:
    before = {
        "ImportResult",
        "InputFileError",
        "RegisterError",
        "Workspace",
        "WorkspaceBusyError",
        "__version__",
        "benjamini_hochberg",
        "detect_aberrations",
        "find_episodes",
        "flag_hotspots",
        "generate_samples",
        "normalize_name",
        "uscc_check_ok",
    }
    assert before <= set(ga.__all__)
    for name in ga.__all__:
        assert getattr(ga, name) is not None, name


def test_version_comes_from_the_installed_metadata() -> None:
    from importlib.metadata import version

    assert ga.__version__ == version("guidance-analytics")


def test_importing_the_package_is_cheap() -> None:
    """``import guidance_analytics`` loads neither pandas nor DuckDB (names are loaded on first use)."""
    code = "import sys, guidance_analytics; print(sorted({'pandas', 'duckdb'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
