"""Commands: init, import, status, samples, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..jobs import run_demo
from ..samples import generate_samples
from ._app import app, open_workspace, out_folder, positive, progress_wanted, workspace_path


@app.command(short_help="Create (or upgrade) the workspace. 创建（或升级）工作区。")
def init() -> None:
    """Create the workspace folder and database, or upgrade an older one.

    创建工作区文件夹和数据库，或升级旧版本的工作区。其余命令（demo 除外）只在已有的工作区上运行。
    """
    ws = open_workspace(create=True)
    typer.echo(f"工作区已就绪：{ws.path.resolve()}（数据库结构版本 {ws.store.schema_version()}）")


@app.command(
    "import", short_help="Import one export file and print its account. 导入一个导出文件并核对每一行。"
)
def import_(
    kind: Annotated[
        str,
        typer.Argument(
            help="permits | complaints | inspections | penalties | credit_classes"
            "（许可、12345工单、检查、处罚、企业信用风险分类）"
        ),
    ],
    file: Annotated[
        Path,
        typer.Argument(help="An .xlsx/.xls/.csv export (UTF-8, UTF-8 BOM or GB18030). 导出文件。"),
    ],
    sheet: Annotated[
        str | None,
        typer.Option(
            help="Sheet name (xlsx); default: the sheet whose header fits. 工作表名（默认自动识别）。"
        ),
    ] = None,
) -> None:
    """Import one export file and print the account (read = accepted + updated + duplicates + rejected).

    导入一个导出文件并打印核对结果（读取 = 新增 + 更新 + 重复 + 拒收）。只有整个文件无法使用时才以非零状态退出，
    此时工作区不作任何改动。
    """
    ws = open_workspace()
    if not file.exists():
        raise FileNotFoundError(2, "No such file", str(file))
    result = ws.import_file(file, kind, sheet=sheet, progress=progress_wanted())
    typer.echo(result.summary())


@app.command(short_help="Row counts per table and the match rate. 各表行数和工单匹配率。")
def status() -> None:
    """Row counts per table and the complaint match rate.

    各数据表的行数和12345工单被反映对象的匹配率。
    """
    ws = open_workspace()
    table = ws.status()
    for row in table.itertuples(index=False):
        rate = (
            ""
            if row.match_rate != row.match_rate or row.match_rate is None
            else f"  匹配率 {row.match_rate:.1%}"
        )
        typer.echo(f"{row.table:<12}{row.rows:>10}{rate}")


@app.command(short_help="Generate the synthetic sample data into OUT. 生成合成样例数据。")
def samples(
    out: Annotated[Path, typer.Argument(help="Folder to write the sample files to. 输出文件夹。")],
    seed: Annotated[
        int, typer.Option(help="Random seed (the committed set uses the default). 随机种子。")
    ] = 20210510,
    n_businesses: Annotated[
        int, typer.Option(help="Number of businesses. 经营主体数。", callback=positive)
    ] = 2500,
) -> None:
    """Generate the synthetic sample data (with its ground truth) into OUT.

    生成合成样例数据（及其真值）到 OUT 文件夹。样例数据是虚构的，不含真实人员信息。
    """
    out_folder(out)
    paths = generate_samples(out, seed=seed, n_businesses=n_businesses)
    for kind, files in paths.items():
        for path in files if isinstance(files, list) else [files]:
            typer.echo(f"{kind:<12}{path}")


@app.command(
    short_help="The main job: import, hotspots, candidates (registers nothing). "
    "主流程：导入、热点、候选名单（不登记任何事项）。"
)
def demo(
    data: Annotated[
        Path | None,
        typer.Option(
            help="Folder of export files; default: the bundled data_samples/. 数据文件夹（默认随包样例）。"
        ),
    ] = None,
) -> None:
    """The main job on the sample data: import everything, find hotspots, propose candidates.

    主流程：导入数据文件夹中的全部文件，找出违法高发的领域和时段，提出指导对象建议清单；热点表、图表网页和审核表
    写到工作区的 exports/。不登记任何事项：由政策法规科审核决定。最后几行说明下一步怎么做。
    """
    path = workspace_path(create=True)
    run_demo(path, data, echo=typer.echo, progress=progress_wanted())
