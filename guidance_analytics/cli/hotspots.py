"""``guidance-analytics hotspots``: flag fields and periods where violations or complaints are frequent."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..hotspots import (
    DIMENSIONS,
    MEASURES,
    find_episodes,
    hotspot_report_page,
    hotspots,
    parse_by,
    records_of_flags,
    write_hotspot_table,
)
from ._app import CliError, app, open_workspace, out_file, progress_wanted, share

#: The detector's refusals of a measure/field combination, as staff read them.
COMBINATIONS = {
    "complaints have no violation_type": "投诉没有“违法行为类型”，请用 --by complaint_category（投诉事项分类）",
    "complaint_category only applies": "“投诉事项分类”只适用于 --measure complaints",
    "substantiated=True only applies": "“属实”只适用于投诉",
}


def _check_choices(measure: str, by: str, freq: str) -> None:
    if measure not in MEASURES:
        names = "、".join(f"{k}（{v[0]}）" for k, v in MEASURES.items())
        raise CliError(f"--measure 无法识别「{measure}」：可用 {names}")
    try:
        parse_by(by)
    except ValueError:
        names = "、".join(f"{k}（{v}）" for k, v in DIMENSIONS.items())
        raise CliError(
            f"--by 无法识别「{by}」：可用 industry、{names}，或两个维度用 × 连接（如 industry×township）"
        ) from None
    if freq.upper() not in ("W", "M", "Q"):
        raise CliError(f"--freq 应为 W、M 或 Q（周、月、季），收到「{freq}」")


def _steps(total: int) -> Any:
    """A progress bar over the steps of the command (on a terminal), else a silent counter."""
    from tqdm import tqdm

    return tqdm(total=total, desc="热点分析", unit="步", disable=not progress_wanted())


@app.command(
    "hotspots",
    short_help="Write the hotspot table of fields and periods. 写出违法、投诉高发的领域和时段（热点表）。",
)
def hotspots_command(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output file (.xlsx with sheets, or .csv). 输出文件。")
    ],
    measure: Annotated[
        str,
        typer.Option(
            help="violations | complaints | substantiated_complaints | inspection_failure_rate "
            "（违法、投诉、属实投诉、检查发现问题率）"
        ),
    ] = "violations",
    by: Annotated[
        str,
        typer.Option(
            help="industry (all GB/T 4754 levels) | industry_section | industry_division | industry_class | "
            "permit_item | township | violation_type | complaint_category, or a pair like 'industry×township'. "
            "领域维度（行业各层级、许可事项、乡镇、违法类型…或其组合）。"
        ),
    ] = "industry",
    freq: Annotated[str, typer.Option(help="Period length: W, M or Q. 期间：周、月、季。")] = "M",
    start: Annotated[str | None, typer.Option(help="First period reported (YYYY-MM-DD). 起始期间。")] = None,
    end: Annotated[str | None, typer.Option(help="Last date used (YYYY-MM-DD). 截止日期。")] = None,
    alpha: Annotated[
        float | None,
        typer.Option(
            help="Per-field level, no adjustment across fields (default: the false-flag budget). "
            "每个领域各自的显著性水平（不做跨领域校正）。",
            callback=share,
        ),
    ] = None,
    fdr: Annotated[
        float | None,
        typer.Option(
            help="Benjamini-Hochberg across the fields of a period instead of the budget. 改用每期错误发现率校正。",
            callback=share,
        ),
    ] = None,
    html: Annotated[
        Path | None, typer.Option(help="Also write the HTML chart page here. 另写出图表网页（.html）。")
    ] = None,
) -> None:
    """Write the hotspot table (flagged fields and periods, with Chinese reasons).

    写出热点表：违法或投诉明显高于预期的领域和期间，附中文说明。热点只是提示，是否开展指导由人决定。
    """
    ws = open_workspace()
    out_file(out)
    if html is not None:
        out_file(html, (".html",))
    _check_choices(measure, by, freq)
    opts = dict(freq=freq.upper(), start=start, end=end, alpha=alpha, fdr=fdr)
    with _steps(3 if html is not None else 2) as bar:
        try:
            hot = hotspots(ws, measure, by, **opts)
        except ValueError as exc:
            text = next((v for k, v in COMBINATIONS.items() if str(exc).startswith(k)), str(exc))
            raise CliError(f"参数组合有误：{text}") from None
        bar.update()
        path = write_hotspot_table(ws, out, measure, by, hot=hot, **opts)
        bar.update()
        page = None
        if html is not None:
            page = hotspot_report_page(
                hot, find_episodes(hot), html, measure=measure, records=records_of_flags(ws, hot)
            )
            bar.update()
    typer.echo(f"热点 {int(hot['flagged'].sum())} 个（{hot['field'].nunique()} 个领域）：{path}")
    if page is not None:
        typer.echo(f"图表：{page}")
