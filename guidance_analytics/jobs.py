"""The main job on a folder of exports: import, hotspots, candidates — printed and written to exports/.

Used by ``guidance-analytics demo`` (the README's first command) and by the notebooks' tests.
It never registers anything: the review file goes to the policy-law section, who decide.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .core import WorkspaceLike
from .errors import InputFileError
from .hotspots import hotspots, seasonal_hotspots, write_hotspot_report
from .ingest import ImportResult, import_file, status
from .samples import generate_samples
from .targeting import write_latest
from .workspace import Workspace

#: Import order: licences first so that work orders can be matched to licence holders.
IMPORT_ORDER = ("permits", "inspections", "penalties", "credit_classes", "complaints")
DATA_SUFFIXES = (".xlsx", ".xls", ".csv")


def bundled_samples() -> Path | None:
    """The repository's ``data_samples/`` folder, when the package runs from a checkout."""
    folder = Path(__file__).resolve().parents[1] / "data_samples"
    return folder if folder.is_dir() and any(folder.iterdir()) else None


def discover(folder: Path) -> list[tuple[str, Path]]:
    """Export files in ``folder`` whose names start with a kind (``permits_…``), in import order."""
    found = []
    for kind in IMPORT_ORDER:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in DATA_SUFFIXES and path.name.startswith(kind):
                found.append((kind, path))
    return found


def import_folder(
    ws: WorkspaceLike, folder: Path, echo: Callable[[str], Any] = print, progress: bool = False
) -> list[ImportResult]:
    """Import every export in ``folder`` and echo each account (``progress``: a bar per file)."""
    results = []
    for kind, path in discover(folder):
        result = import_file(ws, path, kind, progress=progress)
        echo(result.summary())
        results.append(result)
    return results


def check_data_folder(folder: Path) -> list[tuple[str, Path]]:
    """The export files of ``folder`` to import; a Chinese :class:`InputFileError` when there are none."""
    if not folder.exists():
        raise InputFileError(f"数据文件夹不存在：{folder}")
    if not folder.is_dir():
        raise InputFileError(f"--data 应为文件夹，而不是文件：{folder}")
    found = discover(folder)
    if not found:
        raise InputFileError(
            f"数据文件夹中没有可导入的文件：{folder}（文件名须以 {'_、'.join(IMPORT_ORDER)}_ 开头，"
            f"格式为 {'、'.join(DATA_SUFFIXES)}）"
        )
    return found


def run_demo(
    workspace: str | Path,
    data: str | Path | None = None,
    echo: Callable[[str], Any] = print,
    progress: bool = False,
) -> dict[str, Any]:
    """Import the sample (or given) exports into ``workspace``, then report hotspots and candidates.

    The last lines say what to do next: review the file, then ``register add`` and ``documents``.
    ``progress`` shows progress bars (imports, hotspot views) on the terminal.
    """
    folder = Path(data) if data is not None else bundled_samples()
    if folder is not None:
        check_data_folder(folder)  # before anything is created
    ws = Workspace(workspace)
    if folder is None:
        folder = ws.path / "samples"
        echo(f"未找到随包样例数据，正在生成合成样例数据到 {folder} …")
        generate_samples(folder)
    echo(f"== 1. 导入 {folder} ==")
    results = import_folder(ws, folder, echo, progress=progress)
    total = {
        k: sum(getattr(r, k) for r in results)
        for k in ("read", "accepted", "updated", "duplicates", "rejected")
    }
    parts = total["accepted"] + total["updated"] + total["duplicates"] + total["rejected"]
    echo(
        f"合计：读取 {total['read']} = 新增 {total['accepted']} + 更新 {total['updated']} + 重复 {total['duplicates']}"
        f" + 拒收 {total['rejected']}（{'已核对一致' if total['read'] == parts else '不一致！'}）"
    )
    summary: dict[str, Any] = {"imports": results, "workspace": ws}
    counts = status(ws).set_index("table")
    rate = counts.loc["complaints", "match_rate"]
    if rate == rate:
        echo(f"12345工单被反映对象匹配率：{rate:.1%}")
    summary.update(_hotspots(ws, echo, progress))
    summary.update(_candidates(ws, echo))
    echo(f"== 完成。输出文件在 {ws.exports_dir} ；任何事项均未登记，需政策法规科审核决定。 ==")
    for line in next_steps(workspace, summary["candidates_file"]):
        echo(line)
    return summary


def next_steps(workspace: str | Path, review_file: Path) -> list[str]:
    """What staff do after the main job: fill in the review file, register, write the documents."""
    ws = f'"{workspace}"' if " " in str(workspace) else str(workspace)
    review = f'"{review_file}"' if " " in str(review_file) else str(review_file)
    return [
        "下一步：",
        f"  1. 打开审核表 {review_file}，在“是否采纳”列选择 是 或 否，填写“指导人员”“计划时间”"
        "（约谈可写到时刻，如 2025-01-10 14:30），核对“存在问题（写入意见书）”一列——意见书只写这一列；",
        f"  2. 登记：guidance-analytics --workspace {ws} register add {review} --by 登记人姓名",
        f"  3. 生成文书：guidance-analytics --workspace {ws} documents --out {ws}/exports/文书"
        f"（须先在 {ws}/config/register.toml 和目录清单中填写真实联系电话，否则加 --draft 生成草稿）",
    ]


#: The views the main job reports: (by, Chinese name).
DEMO_VIEWS = (("industry", "行业"), ("township", "乡镇"), ("violation_type", "违法行为类型"))


def _hotspots(ws: WorkspaceLike, echo: Callable[[str], Any], progress: bool = False) -> dict[str, Any]:
    echo("== 2. 违法高发领域与时段（热点） ==")
    tables, files = {}, {}
    views: Any = DEMO_VIEWS
    if progress:
        from tqdm import tqdm

        views = tqdm(DEMO_VIEWS, desc="热点分析", unit="个维度")
    for by, label in views:
        table = hotspots(ws, "violations", by)
        flagged = table[table["flagged"]].sort_values(["period_start", "p_value"], ascending=[False, True])
        effort = int(table["effort_explained"].sum())
        echo(
            f"按{label}：{table['field'].nunique()} 个{'领域（门类、大类、中类、小类）' if by == 'industry' else label}"
            f" × {table['period_start'].nunique()} 个月，标记高发 {len(flagged)} 格"
            + (f"（另有 {effort} 格可由检查力度解释，未列为热点）" if effort else "")
        )
        for reason in flagged["reason"].head(5):
            echo(f"  · {reason}")
        files[by] = write_hotspot_report(ws, ws.exports_dir, measure="violations", by=by, hot=table)
        tables[by] = table
    seasonal = seasonal_hotspots(ws, "violations", "industry")
    recurrent = seasonal[seasonal["recurrent"]] if "recurrent" in seasonal else seasonal.iloc[0:0]
    echo(f"年年高发的时段（季节性热点）：{len(recurrent)} 个")
    for reason in recurrent["reason"].head(5):
        echo(f"  · {reason}")
    for written in files.values():
        for name, path in written.items():
            echo(f"  已写出 {name}：{path}")
    return {"hotspots": tables, "seasonal_hotspots": seasonal, "hotspot_files": files}


def _candidates(ws: WorkspaceLike, echo: Callable[[str], Any]) -> dict[str, Any]:
    echo("== 3. 指导对象建议清单（最新计划日期） ==")
    path, summary = write_latest(ws)
    echo(summary)
    echo(f"  已写出审核表：{path}")
    return {"candidates_file": path, "candidates_summary": summary}


def scratch_copy(ws: Workspace | str | Path, dest: str | Path | None = None) -> Workspace:
    """A throwaway copy of a workspace — its database and edited rules — for work that must not
    touch the real one (the register demonstration of notebook 04, trying a review sheet).

    Parameters
    ----------
    ws : Workspace or path
        The workspace to copy (nothing in it is changed).
    dest : path, optional
        Where the copy goes (default: a new temporary folder).

    Returns
    -------
    Workspace
        The copy; registering, documents and exports there leave ``ws`` as it was.

    Examples
    --------
    >>> import tempfile
    >>> original = Workspace(tempfile.mkdtemp())
    >>> copy = scratch_copy(original)
    >>> copy.path != original.path and copy.register().empty
    True
    """
    source = ws if isinstance(ws, Workspace) else Workspace(ws)
    target = Path(dest) if dest is not None else Path(tempfile.mkdtemp(prefix="ga-scratch-"))
    target.mkdir(parents=True, exist_ok=True)
    # connections are short-lived: between calls the database file (and its WAL) is consistent
    for name in (source.store.path.name, source.store.path.name + ".wal"):
        if (source.path / name).is_file():
            shutil.copy2(source.path / name, target / name)
    if source.config_dir.is_dir():
        shutil.copytree(source.config_dir, target / "config", dirs_exist_ok=True)
    return Workspace(target)


__all__ = [
    "IMPORT_ORDER",
    "bundled_samples",
    "check_data_folder",
    "discover",
    "import_folder",
    "next_steps",
    "run_demo",
    "scratch_copy",
]
