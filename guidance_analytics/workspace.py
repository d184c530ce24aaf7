"""The Workspace: a thin facade over the modules that each own one job.

A workspace is a directory holding one embedded DuckDB file (``workspace.duckdb``) plus
``exports/``, ``rejects/`` and an optional ``config/`` folder with overrides of the packaged rules.
Each method here is a few lines that call the module that owns the job.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .store import Store

if TYPE_CHECKING:
    from .ingest import ImportResult

DB_NAME = "workspace.duckdb"
TABLES = (
    "businesses", "permits", "complaints", "inspections", "penalties", "rejects", "imports",
)


class Workspace:
    """A folder with the bureau's records in one DuckDB file, and what is derived from them.

    Parameters
    ----------
    path : the workspace directory; created with an empty database when missing.
    lock_wait : seconds to retry while another process (a notebook, the CLI) holds the database.

    Examples
    --------
    >>> import tempfile
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> ws.table("businesses").empty
    True
    """

    def __init__(self, path: str | Path, lock_wait: float | None = None) -> None:
        self.path = Path(path)
        self.exports_dir = self.path / "exports"
        self.rejects_dir = self.path / "rejects"
        self.config_dir = self.path / "config"
        for folder in (self.path, self.exports_dir, self.rejects_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.path / DB_NAME, lock_wait=lock_wait)

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    # -- ingest ------------------------------------------------------------------------------
    def import_file(
        self, path: str | Path, kind: str, sheet: str | None = None, progress: bool = False
    ) -> ImportResult:
        """Import one export file of ``kind`` (permits, complaints, inspections, penalties).

        Every row ends accepted, updated, duplicate or rejected (with reasons, also written to
        ``rejects/``). A file that cannot be used raises :class:`InputFileError` and changes nothing.
        """
        from .ingest import import_file

        return import_file(self, path, kind, sheet=sheet, progress=progress)

    def table(self, name: str) -> pd.DataFrame:
        """One table of the workspace as a DataFrame (see ``docs/design.md`` for the columns)."""
        from .ingest import read_table

        return read_table(self, name)

    def query(self, sql_text: str, **params: Any) -> pd.DataFrame:
        """Run a read-only SQL query with ``$name`` parameters, e.g. ``ws.query("… WHERE x = $x", x=1)``."""
        return self.store.query_text(sql_text, **params)

    def status(self) -> pd.DataFrame:
        """Row counts per table and the import history summary."""
        from .ingest import status

        return status(self)

    # -- hotspots ----------------------------------------------------------------------------
    def hotspots(self, measure: str = "violations", by: str | tuple[str, ...] = "industry", **kwargs: Any) -> pd.DataFrame:
        """Flag fields and periods where violations or complaints are unusually frequent."""
        from .hotspots import hotspots

        return hotspots(self, measure, by, **kwargs)

    def hotspot_episodes(self, measure: str = "violations", by: str | tuple[str, ...] = "industry", **kwargs: Any) -> pd.DataFrame:
        """Contiguous flagged periods of a field merged into episodes."""
        from .hotspots import hotspot_episodes

        return hotspot_episodes(self, measure, by, **kwargs)

    def seasonal_hotspots(self, measure: str = "violations", by: str | tuple[str, ...] = "industry", **kwargs: Any) -> pd.DataFrame:
        """Months (or quarters) of the year that are high year after year."""
        from .hotspots import seasonal_hotspots

        return seasonal_hotspots(self, measure, by, **kwargs)

    # -- risk and candidates -----------------------------------------------------------------
    def features(self, as_of: Any, **kwargs: Any) -> pd.DataFrame:
        """Per-business features as of a planning date (nothing dated after ``as_of`` is used)."""
        from .features import features

        return features(self, as_of, **kwargs)

    def risk_scores(self, as_of: Any, horizon_months: int = 3, **kwargs: Any) -> pd.DataFrame:
        """Calibrated risk per business as of ``as_of``, ranked, with Chinese explanations."""
        from .risk import risk_scores

        return risk_scores(self, as_of, horizon_months=horizon_months, **kwargs)

    def backtest(self, start: Any, end: Any, horizon_months: int = 3, step_months: int = 1, **kwargs: Any) -> pd.DataFrame:
        """Rolling-origin backtest: precision@k, recall@k, lift vs random draw and vs a simple rule."""
        from .risk import backtest

        return backtest(self, start, end, horizon_months=horizon_months, step_months=step_months, **kwargs)

    def candidates(self, as_of: Any, capacity: Any = None, **kwargs: Any) -> pd.DataFrame:
        """Proposed guidance actions (and 移送执法 referrals, listed separately) with reasons."""
        from .candidates import candidates

        return candidates(self, as_of, capacity=capacity, **kwargs)

    def fairness_audit(self, candidates: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
        """Selection rates by township, subject type and industry vs their share of businesses at risk."""
        from .candidates import fairness_audit

        return fairness_audit(self, candidates, **kwargs)

    def write_candidates(self, path: str | Path, as_of: Any, **kwargs: Any) -> Path:
        """Write the review spreadsheet for the policy-law section (是否采纳 / 指导人员 / 计划时间 / 备注)."""
        from .candidates import write_review_file

        return write_review_file(self, path, as_of, **kwargs)

    # -- catalogue, register, documents, exports ---------------------------------------------
    def catalog(self) -> pd.DataFrame:
        """The workspace's editable copy of the guidance catalogue (目录清单)."""
        from .catalog import catalog

        return catalog(self)

    def export_catalog(self, path: str | Path) -> Path:
        """Write the catalogue in a publishable layout."""
        from .catalog import export_catalog

        return export_catalog(self, path)

    def add_to_register(self, chosen: Any, officers: Any = None, guided_on: Any = None, **kwargs: Any) -> pd.DataFrame:
        """Register the chosen actions (rows with 是否采纳 = 是); returns the entries created."""
        from .register import add_to_register

        return add_to_register(self, chosen, officers=officers, guided_on=guided_on, **kwargs)

    def register(self, year: int | None = None, **kwargs: Any) -> pd.DataFrame:
        """The register (登记簿), one row per entry."""
        from .register import register

        return register(self, year=year, **kwargs)

    def record_result(self, year: int, seq: int, result: str, effect: str | None = None, **kwargs: Any) -> pd.DataFrame:
        """Record 指导结果 and 指导取得的效益、效果 for an entry."""
        from .register import record_result

        return record_result(self, year, seq, result, effect=effect, **kwargs)

    def void_entry(self, year: int, seq: int, by: str, reason: str) -> pd.DataFrame:
        """Void an entry (never deleted); who, when and why are kept."""
        from .register import void_entry

        return void_entry(self, year, seq, by=by, reason=reason)

    def amend_entry(self, year: int, seq: int, by: str, reason: str, **changes: Any) -> pd.DataFrame:
        """Amend an entry's fields; the previous values, who, when and why are kept."""
        from .register import amend_entry

        return amend_entry(self, year, seq, by=by, reason=reason, **changes)

    def write_documents(self, out_dir: str | Path, entries: Any = None, **kwargs: Any) -> list[Path]:
        """Write 行政指导意见书 / 行政指导文书 / 约谈通知书 (.docx) for register entries."""
        from .documents import write_documents

        return write_documents(self, out_dir, entries=entries, **kwargs)

    def export_register(self, path: str | Path, year: int | None = None, **kwargs: Any) -> Path:
        """The register as .xlsx in the form's layout (title 行政指导事项登记簿)."""
        from .register import export_register

        return export_register(self, path, year=year, **kwargs)

    def export_filing_batch(self, path: str | Path, **kwargs: Any) -> Path:
        """An upload batch for the city filing system (.xlsx or .csv with BOM)."""
        from .register import export_filing_batch

        return export_filing_batch(self, path, **kwargs)

    # -- learning ----------------------------------------------------------------------------
    def guidance_effects(self, window_months: int = 6, **kwargs: Any) -> pd.DataFrame:
        """Did guidance reduce violations? Guided businesses vs matched unguided ones, before/after."""
        from .effects import guidance_effects

        return guidance_effects(self, window_months=window_months, **kwargs)
