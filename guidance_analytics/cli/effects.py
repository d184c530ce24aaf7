"""Command: effects — follow-up of guidance results (did guidance reduce violations?)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..effects import write_effects
from ._app import app, non_negative, open_workspace, out_file, positive


@app.command(
    short_help="Did guidance reduce violations? Guided vs matched unguided businesses. "
    "指导效果评估：被指导与匹配的未指导主体前后对比（双重差分）。"
)
def effects(
    window: Annotated[
        int,
        typer.Option(
            "--window",
            help="Months before and after each guidance date (≥ 1). 指导前后各几个月。",
            callback=positive,
        ),
    ] = 6,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Follow-up cut-off date (default: newest record). 评估截止日。"),
    ] = None,
    method: Annotated[
        list[str] | None, typer.Option("--method", help="Only this 指导方式 (repeatable). 只评估该指导方式。")
    ] = None,
    controls: Annotated[
        int,
        typer.Option(
            "--controls", help="Matched controls per guided business. 每户对照主体数。", callback=positive
        ),
    ] = 3,
    caliper: Annotated[
        float | None,
        typer.Option(
            "--caliper",
            help="Largest pre-window record distance of a control (default: config, 0 = exact). 对照匹配容差。",
        ),
    ] = None,
    boot: Annotated[
        int,
        typer.Option(
            "--boot", help="Bootstrap resamples for the intervals. 自助法重抽样次数。", callback=non_negative
        ),
    ] = 500,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed (matching ties, bootstrap). 随机种子。")
    ] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the table (.xlsx or .csv) with Chinese headers. 输出评估表。"),
    ] = None,
) -> None:
    """Guided vs matched unguided businesses before/after guidance (difference-in-differences).

    被指导主体与匹配的未受指导主体在指导前后的对比（双重差分），附置信区间和中文解读。
    """
    ws = open_workspace()
    if out is not None:
        out_file(out)
    table = ws.guidance_effects(
        window,
        as_of=as_of,
        methods=method or None,
        controls_per_case=controls,
        n_boot=boot,
        seed=seed,
        caliper=caliper,
    )
    for row in table[table["outcome"] == "violations"].itertuples(index=False):
        typer.echo(f"[{row.method}] {row.interpretation}")
    if out is not None:
        typer.echo(f"已写出：{write_effects(table, out)}")
