"""The main job on a folder of exports: import, hotspots, candidates — printed and written to exports/.

Used by ``guidance-analytics demo`` (the README's first command) and by the notebooks' tests.
It never registers anything: the review file goes to the policy-law section, who decide.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .schema import KIND_SPECS
from .workspace import Workspace

#: Import order: licences first so that work orders can be matched to licence holders.
IMPORT_ORDER = ("permits", "inspections", "penalties", "complaints")
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


def import_folder(ws: Workspace, folder: Path, echo: Callable[[str], Any] = print) -> list[Any]:
    """Import every export in ``folder`` and echo each account."""
    results = []
    for kind, path in discover(folder):
        result = ws.import_file(path, kind)
        echo(result.summary())
        results.append(result)
    return results


def latest_planning_date(ws: Workspace) -> pd.Timestamp:
    """The first day of the month after the newest record: the next planning date."""
    newest = ws.store.query("demo_newest_record").iloc[0, 0]
    newest = pd.Timestamp(newest) if newest is not None and not pd.isna(newest) else pd.Timestamp.today()
    return (newest + pd.offsets.MonthBegin(1)).normalize()


def run_demo(workspace: str | Path, data: str | Path | None = None,
             echo: Callable[[str], Any] = print) -> dict[str, Any]:
    """Import the sample (or given) exports into ``workspace``, then report hotspots and candidates."""
    ws = Workspace(workspace)
    folder = Path(data) if data is not None else bundled_samples()
    if folder is None:
        from .samples import generate_samples

        folder = ws.path / "samples"
        echo(f"未找到随包样例数据，正在生成合成样例数据到 {folder} …")
        generate_samples(folder)
    echo(f"== 1. 导入 {folder} ==")
    results = import_folder(ws, folder, echo)
    total = {k: sum(getattr(r, k) for r in results) for k in ("read", "accepted", "updated", "duplicates", "rejected")}
    parts = total["accepted"] + total["updated"] + total["duplicates"] + total["rejected"]
    echo(
        f"合计：读取 {total['read']} = 新增 {total['accepted']} + 更新 {total['updated']} + 重复 {total['duplicates']}"
        f" + 拒收 {total['rejected']}（{'已核对一致' if total['read'] == parts else '不一致！'}）"
    )
    summary: dict[str, Any] = {"imports": results, "workspace": ws}
    status = ws.status().set_index("table")
    rate = status.loc["complaints", "match_rate"]
    if rate == rate:
        echo(f"12345工单被反映对象匹配率：{rate:.1%}")
    summary.update(_hotspots(ws, echo))
    summary.update(_candidates(ws, echo))
    echo(f"== 完成。输出文件在 {ws.exports_dir} ；任何事项均未登记，需政策法规科审核决定。 ==")
    return summary


def _hotspots(ws: Workspace, echo: Callable[[str], Any]) -> dict[str, Any]:
    try:
        from .hotspots import write_hotspot_report
    except ImportError:
        return {}
    echo("== 2. 违法高发领域与时段（热点） ==")
    written = write_hotspot_report(ws, ws.exports_dir, measure="violations", by="industry")
    table = ws.hotspots("violations", "industry")
    flagged = table[table["flagged"]].sort_values(["period_start", "p_value"], ascending=[False, True])
    echo(f"共 {len(flagged)} 个领域×月份被标记为高发。最近的标记：")
    for reason in flagged["reason"].head(10):
        echo(f"  · {reason}")
    for name, path in written.items():
        echo(f"  已写出 {name}：{path}")
    return {"hotspots": table, "hotspot_files": written}


def _candidates(ws: Workspace, echo: Callable[[str], Any]) -> dict[str, Any]:
    try:
        from . import candidates as _  # noqa: F401
    except ImportError:
        return {}
    as_of = latest_planning_date(ws)
    echo(f"== 3. 指导对象建议清单（计划日期 {as_of:%Y-%m-%d}） ==")
    cands = ws.candidates(as_of)
    path = ws.write_candidates(ws.exports_dir / f"指导对象建议清单_{as_of:%Y%m%d}.xlsx", as_of)
    counts = cands["action"].value_counts()
    for action, n in counts.items():
        echo(f"  {action}：{n} 户")
    audit = ws.fairness_audit(cands)
    if "flagged" in audit:
        outside = audit[audit["flagged"]]
        echo(f"  公平性审查：{len(audit)} 个分组，{len(outside)} 个超出 0.8–1.25 区间")
        for row in outside.head(8).itertuples(index=False):
            echo(f"    · {getattr(row, 'dimension', '')} {getattr(row, 'group', '')}：比值 {getattr(row, 'disparity_ratio', float('nan')):.2f}")
    echo(f"  已写出审核表：{path}")
    return {"candidates": cands, "candidates_file": path, "fairness": audit, "as_of": as_of}


__all__ = ["IMPORT_ORDER", "KIND_SPECS", "bundled_samples", "discover", "import_folder", "latest_planning_date", "run_demo"]
