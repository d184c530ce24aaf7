"""The layout rules that import-linter cannot express (the layer contract is in pyproject.toml).

* A module imports another package of ``guidance_analytics`` only through that package's
  ``__init__`` and only names it lists in ``__all__`` (or the package itself).
* No private ``_name`` is imported from, or read as an attribute of, another module.
* Imports inside functions are only for heavy optional libraries (:data:`LAZY_LIBRARIES`).
* SQL files are loaded by literal names, and every ``.sql`` file is used by some module.
* Stage modules type the workspace as ``WorkspaceLike``: no ``Workspace`` import, no ``ws: Any``.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "guidance_analytics"
ROOT = "guidance_analytics"

#: Libraries that may be imported inside a function (heavy, and only some calls need them).
LAZY_LIBRARIES = {"sklearn", "openpyxl", "tqdm", "python_calamine", "itables", "IPython"}

#: Modules that may import ``workspace`` / ``jobs`` (besides the top ``__init__``, which does so lazily).
FRONT_ENDS = {"guidance_analytics.jobs", "guidance_analytics.cli", "guidance_analytics.__main__"}

#: Calls whose first argument names a SQL file.
SQL_CALLS = {"load", "query", "execute", "run_on"}


def modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def is_package(name: str) -> bool:
    return (PACKAGE.parent / name.replace(".", "/") / "__init__.py").is_file()


def package_of(name: str, path: Path) -> str:
    """The package a module belongs to (a package's ``__init__`` belongs to itself)."""
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def absolute(name: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = package_of(name, path).split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def stage_of(module: str) -> str:
    """``guidance_analytics.X`` for any module under ``guidance_analytics.X``."""
    return ".".join(module.split(".")[:2])


def imports(tree: ast.Module) -> Iterator[tuple[ast.stmt, bool]]:
    """Every import statement with whether it sits inside a function."""

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.stmt, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, in_function
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            yield from walk(child, inner)

    yield from walk(tree, False)


def test_cross_package_imports_go_through_the_package_init() -> None:
    bad = []
    for name, path, tree in modules():
        own = package_of(name, path)
        for node, _ in imports(tree):
            if isinstance(node, ast.Import):
                bad += [
                    f"{name}: import {a.name}"
                    for a in node.names
                    if a.name.startswith(ROOT + ".") and not is_package(a.name)
                ]
                continue
            target = absolute(name, path, node)
            if not target.startswith(ROOT):
                continue
            if target == ROOT:  # `from guidance_analytics import X`: X must be a sub-package or errors
                bad += [
                    f"{name}: from {target} import {a.name}"
                    for a in node.names
                    if not is_package(f"{ROOT}.{a.name}") and a.name != "errors"
                ]
                continue
            same_package = target.rpartition(".")[0] == own or target == own
            top_module = target.rpartition(".")[0] == ROOT and not is_package(
                target
            )  # errors, workspace, jobs
            if same_package or top_module:
                continue
            if not is_package(target):
                bad.append(f"{name}: from {target} import … (go through the package __init__)")
                continue
            public = set(getattr(importlib.import_module(target), "__all__", ()))
            bad += [
                f"{name}: from {target} import {a.name} (not in {target}.__all__)"
                for a in node.names
                if a.name not in public and not is_package(f"{target}.{a.name}")
            ]
    assert not bad, "\n".join(bad)


def test_no_private_names_cross_module_boundaries() -> None:
    bad = []
    for name, path, tree in modules():
        imported_modules = set()
        for node, _ in imports(tree):
            if isinstance(node, ast.ImportFrom) and absolute(name, path, node).startswith(ROOT):
                for alias in node.names:
                    if alias.name.startswith("_") and alias.name != "__version__":
                        bad.append(f"{name}: imports {alias.name}")
                    imported_modules.add(alias.asname or alias.name)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported_modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                bad.append(f"{name}: reads {node.value.id}.{node.attr}")
    assert not bad, "\n".join(bad)


def test_function_level_imports_only_for_heavy_optional_libraries() -> None:
    bad = []
    for name, _path, tree in modules():
        for node, in_function in imports(tree):
            if not in_function:
                continue
            if isinstance(node, ast.ImportFrom) and node.level:
                bad.append(f"{name}:{node.lineno} from {'.' * node.level}{node.module or ''} import …")
                continue
            top = (node.module if isinstance(node, ast.ImportFrom) else node.names[0].name) or ""
            if top.split(".")[0] not in LAZY_LIBRARIES:
                bad.append(f"{name}:{node.lineno} imports {top} inside a function")
    assert not bad, "\n".join(bad)


def test_nothing_below_the_front_ends_imports_workspace_jobs_or_cli() -> None:
    bad = []
    for name, path, tree in modules():
        if name == ROOT or stage_of(name) in FRONT_ENDS or name in FRONT_ENDS:
            continue
        for node, _ in imports(tree):
            if isinstance(node, ast.ImportFrom):
                targets = [absolute(name, path, node)]
                if targets[0] == ROOT:
                    targets = [f"{ROOT}.{a.name}" for a in node.names]
            else:
                targets = [a.name for a in node.names]
            for target in targets:
                if stage_of(target) in {f"{ROOT}.workspace", f"{ROOT}.jobs", f"{ROOT}.cli"} and (
                    name != f"{ROOT}.workspace" or stage_of(target) != f"{ROOT}.workspace"
                ):
                    bad.append(f"{name} imports {target}")
    assert not bad, "\n".join(bad)


def test_stage_modules_type_the_workspace_as_workspace_like() -> None:
    bad = []
    for name, path, _tree in modules():
        if stage_of(name) in FRONT_ENDS or name in {ROOT, f"{ROOT}.workspace"}:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bws: Any\b", text):
            bad.append(f"{name}: ws: Any")
        if re.search(r"^\s*from \S*workspace import Workspace", text, re.MULTILINE):
            bad.append(f"{name}: imports Workspace")
    assert not bad, "\n".join(bad)


def sql_names() -> set[str]:
    folder = PACKAGE / "sql"
    return {
        p.relative_to(folder).with_suffix("").as_posix()
        for p in folder.rglob("*.sql")
        if p.parent.name != "migrations"
    }


def string_literals() -> set[str]:
    return {
        node.value
        for _name, _path, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_sql_files_are_loaded_by_literal_names() -> None:
    """The first argument of a call that names a SQL file is a literal that names an existing file
    (a parameter passed through, like ``Store.query(name)``, is allowed inside the loader's callers)."""
    known, bad = sql_names(), []
    for name, _path, tree in modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if func not in SQL_CALLS:
                continue
            arg = node.args[1] if func == "run_on" and len(node.args) > 1 else node.args[0]
            if isinstance(arg, ast.JoinedStr | ast.BinOp):
                bad.append(f"{name}:{node.lineno} composes a SQL file name")
            elif (
                isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
                and "/" in arg.value
                and " " not in arg.value
                and arg.value not in known
            ):
                bad.append(f"{name}:{node.lineno} names a missing SQL file {arg.value!r}")
    assert not bad, "\n".join(bad)


def test_every_sql_file_is_used() -> None:
    unused = sorted(sql_names() - string_literals())
    assert not unused, f"SQL files used by nothing (no literal name in the package): {unused}"


@pytest.mark.parametrize(
    "stage", ["core", "ingest", "hotspots", "hotspots.detect", "targeting", "register", "effects", "samples"]
)
def test_every_stage_lists_its_public_names(stage: str) -> None:
    package = importlib.import_module(f"{ROOT}.{stage}")
    assert package.__all__, stage
    missing = [n for n in package.__all__ if not hasattr(package, n)]
    assert not missing, missing
