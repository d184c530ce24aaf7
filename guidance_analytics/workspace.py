"""The Workspace: a thin facade over the stage functions that each own one job.

A workspace is a directory holding one embedded DuckDB file (``workspace.duckdb``) plus
``exports/``, ``rejects/`` and an optional ``config/`` folder with overrides of the packaged rules.
Each method calls one stage function with the workspace first; it has that function's full
signature (minus ``ws``) and its docstring (see :func:`delegates_to`), so ``help(ws.hotspots)``
shows ``freq``, ``start``, ``alpha`` … and the columns returned.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from . import effects as effects_stage
from . import hotspots as hotspot_stage
from . import ingest as ingest_stage
from . import register as register_stage
from . import targeting as targeting_stage
from .core import Store, prepare_folders
from .effects import EffectStudy, WorkReport
from .ingest import ImportResult

DB_NAME = "workspace.duckdb"
TABLES = (
    "businesses",
    "permits",
    "complaints",
    "inspections",
    "penalties",
    "rejects",
    "imports",
)

F = TypeVar("F", bound=Callable[..., Any])

_WS_PARAM = re.compile(r"^(?P<indent>[ ]*)ws :.*\n(?:(?P=indent)[ ]+.*\n)*", re.MULTILINE)


def delegates_to(owner: Callable[..., Any]) -> Callable[[F], F]:
    """Give a facade method the docstring of the stage function it calls (without the ``ws`` entry).

    The method's own signature must be the owner's minus ``ws`` (checked by the tests).
    """

    def decorate(method: F) -> F:
        doc = _WS_PARAM.sub("", (inspect.getdoc(owner) or "") + "\n")
        # the examples call the owner as ``owner(ws, …)``: here they read ``ws.method(…)``
        doc = doc.replace(f"{owner.__name__}(ws, ", f"ws.{method.__name__}(")
        doc = doc.replace(f"{owner.__name__}(ws)", f"ws.{method.__name__}()")
        method.__doc__ = doc + f"\nCalls :func:`{owner.__module__}.{owner.__name__}`."
        method.__wrapped_owner__ = owner  # type: ignore[attr-defined]
        return method

    return decorate


class Workspace:
    """A folder with the bureau's records in one DuckDB file, and what is derived from them.

    Parameters
    ----------
    path : str or Path
        The workspace directory; created with an empty database when missing.
    lock_wait : float, optional
        Seconds to retry while another process (a notebook, the CLI) holds the database.

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
        prepare_folders(self.path, (self.exports_dir, self.rejects_dir))
        self.store = Store(self.path / DB_NAME, lock_wait=lock_wait)

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    # -- ingest ------------------------------------------------------------------------------
    @delegates_to(ingest_stage.import_file)
    def import_file(
        self, path: str | Path, kind: str, sheet: str | None = None, progress: bool = False, today: Any = None
    ) -> ImportResult:
        return ingest_stage.import_file(self, path, kind, sheet=sheet, progress=progress, today=today)

    @delegates_to(ingest_stage.read_table)
    def table(self, name: str) -> pd.DataFrame:
        return ingest_stage.read_table(self, name)

    def query(self, sql_text: str, **params: Any) -> pd.DataFrame:
        """Run a read-only SQL query with ``$name`` parameters and return a DataFrame.

        The query runs on a connection of its own that can read the workspace's tables and
        nothing else: no writes, no ``COPY … TO`` or ``EXPORT``, no file or network access
        (``read_csv``, ``glob``, ``ATTACH`` …), no extensions; its settings are locked.

        Parameters
        ----------
        sql_text : str
            One SQL statement; values are bound as DuckDB ``$name`` parameters, never formatted in.
        **params
            The parameter values by name.

        Examples
        --------
        >>> import tempfile
        >>> Workspace(tempfile.mkdtemp()).query("SELECT $x + 1 AS y", x=1)["y"].tolist()
        [2]
        """
        return self.store.query_locked(sql_text, **params)

    @delegates_to(ingest_stage.status)
    def status(self) -> pd.DataFrame:
        return ingest_stage.status(self)

    # -- hotspots ----------------------------------------------------------------------------
    @delegates_to(hotspot_stage.hotspots)
    def hotspots(
        self,
        measure: str = "violations",
        by: str | tuple[str, ...] = "industry",
        freq: str = "M",
        start: Any = None,
        end: Any = None,
        alpha: float | None = None,
        fdr: float | None = None,
        *,
        substantiated: bool = False,
        exposure: str | None = "auto",
        request_types: list[str] | None = None,
        include_penalties: bool = True,
        min_count: int | None = None,
        **detect_options: Any,
    ) -> pd.DataFrame:
        return hotspot_stage.hotspots(
            self,
            measure,
            by,
            freq,
            start,
            end,
            alpha,
            fdr,
            substantiated=substantiated,
            exposure=exposure,
            request_types=request_types,
            include_penalties=include_penalties,
            min_count=min_count,
            **detect_options,
        )

    @delegates_to(hotspot_stage.hotspot_episodes)
    def hotspot_episodes(
        self,
        measure: str = "violations",
        by: str | tuple[str, ...] = "industry",
        max_gap: int | None = None,
        freq: str = "M",
        start: Any = None,
        end: Any = None,
        alpha: float | None = None,
        fdr: float | None = None,
        *,
        substantiated: bool = False,
        exposure: str | None = "auto",
        request_types: list[str] | None = None,
        include_penalties: bool = True,
        min_count: int | None = None,
        **detect_options: Any,
    ) -> pd.DataFrame:
        return hotspot_stage.hotspot_episodes(
            self,
            measure,
            by,
            max_gap,
            freq,
            start,
            end,
            alpha,
            fdr,
            substantiated=substantiated,
            exposure=exposure,
            request_types=request_types,
            include_penalties=include_penalties,
            min_count=min_count,
            **detect_options,
        )

    @delegates_to(hotspot_stage.hotspot_records)
    def hotspot_records(
        self,
        flag_row: Any,
        *,
        include_penalties: bool = True,
        request_types: list[str] | None = None,
        all_inspections: bool = False,
    ) -> pd.DataFrame:
        return hotspot_stage.hotspot_records(
            self,
            flag_row,
            include_penalties=include_penalties,
            request_types=request_types,
            all_inspections=all_inspections,
        )

    @delegates_to(hotspot_stage.seasonal_hotspots)
    def seasonal_hotspots(
        self,
        measure: str = "violations",
        by: str | tuple[str, ...] = "industry",
        freq: str = "M",
        end: Any = None,
        *,
        substantiated: bool = False,
        exposure: str | None = "auto",
        request_types: list[str] | None = None,
        include_penalties: bool = True,
        ratio_threshold: float | None = None,
        min_years: int | None = None,
        min_share_high: float | None = None,
        fdr: float | None = None,
        min_observed: int | None = None,
    ) -> pd.DataFrame:
        return hotspot_stage.seasonal_hotspots(
            self,
            measure,
            by,
            freq,
            end,
            substantiated=substantiated,
            exposure=exposure,
            request_types=request_types,
            include_penalties=include_penalties,
            ratio_threshold=ratio_threshold,
            min_years=min_years,
            min_share_high=min_share_high,
            fdr=fdr,
            min_observed=min_observed,
        )

    # -- risk and candidates -----------------------------------------------------------------
    @delegates_to(targeting_stage.features)
    def features(self, as_of: Any, *, use_hotspots: bool = True) -> pd.DataFrame:
        return targeting_stage.features(self, as_of, use_hotspots=use_hotspots)

    @delegates_to(targeting_stage.risk_scores)
    def risk_scores(
        self,
        as_of: Any,
        horizon_months: int = 3,
        *,
        use_hotspots: bool = True,
        with_features: bool = False,
        explain: int | None = None,
        **model_settings: Any,
    ) -> pd.DataFrame:
        return targeting_stage.risk_scores(
            self,
            as_of,
            horizon_months,
            use_hotspots=use_hotspots,
            with_features=with_features,
            explain=explain,
            **model_settings,
        )

    @delegates_to(targeting_stage.backtest)
    def backtest(
        self,
        start: Any,
        end: Any,
        horizon_months: int = 3,
        step_months: int = 1,
        k: list[float] | None = None,
        observe: str | None = None,
        *,
        n_boot: int | None = None,
        progress: bool = False,
        **model_settings: Any,
    ) -> pd.DataFrame:
        return targeting_stage.backtest(
            self,
            start,
            end,
            horizon_months,
            step_months,
            k,
            observe,
            n_boot=n_boot,
            progress=progress,
            **model_settings,
        )

    @delegates_to(targeting_stage.backtest_records)
    def backtest_records(
        self,
        start: Any,
        end: Any,
        horizon_months: int = 3,
        step_months: int = 1,
        *,
        models: list[str] | None = None,
        baselines: list[str] | None = None,
        cache: targeting_stage.PanelCache | None = None,
        with_actions: bool = False,
        progress: bool = False,
        **model_settings: Any,
    ) -> pd.DataFrame:
        return targeting_stage.backtest_records(
            self,
            start,
            end,
            horizon_months,
            step_months,
            models=models,
            baselines=baselines,
            cache=cache,
            with_actions=with_actions,
            progress=progress,
            **model_settings,
        )

    @delegates_to(targeting_stage.candidates)
    def candidates(
        self,
        as_of: Any,
        capacity: Any = None,
        *,
        draw: bool | None = None,
        cooldown_days: int | None = None,
        use_hotspots: bool = True,
        scores: pd.DataFrame | None = None,
        seed: int | None = None,
    ) -> pd.DataFrame:
        return targeting_stage.candidates(
            self,
            as_of,
            capacity,
            draw=draw,
            cooldown_days=cooldown_days,
            use_hotspots=use_hotspots,
            scores=scores,
            seed=seed,
        )

    @delegates_to(targeting_stage.contacts)
    def contacts(self, year: int | None = None, as_of: Any = None) -> pd.DataFrame:
        return targeting_stage.contacts(self, year, as_of)

    @delegates_to(targeting_stage.write_contacts)
    def write_contacts(self, year: int | None = None, path: Any = None, as_of: Any = None) -> Path:
        return targeting_stage.write_contacts(self, year, path, as_of)

    @delegates_to(targeting_stage.fairness_audit)
    def fairness_audit(
        self, candidates: pd.DataFrame, pool: pd.DataFrame | None = None, by_action: bool = True
    ) -> pd.DataFrame:
        return targeting_stage.fairness_audit(self, candidates, pool, by_action)

    @delegates_to(targeting_stage.write_review_file)
    def write_candidates(
        self,
        path: str | Path,
        as_of: Any,
        capacity: Any = None,
        cands: pd.DataFrame | None = None,
        audit: pd.DataFrame | None = None,
        *,
        draw: bool | None = None,
        cooldown_days: int | None = None,
        use_hotspots: bool = True,
        scores: pd.DataFrame | None = None,
        seed: int | None = None,
    ) -> Path:
        return targeting_stage.write_review_file(
            self,
            path,
            as_of,
            capacity,
            cands,
            audit,
            draw=draw,
            cooldown_days=cooldown_days,
            use_hotspots=use_hotspots,
            scores=scores,
            seed=seed,
        )

    # -- catalogue, register, documents, exports ---------------------------------------------
    @delegates_to(targeting_stage.catalog)
    def catalog(self) -> pd.DataFrame:
        return targeting_stage.catalog(self)

    @delegates_to(targeting_stage.export_catalog)
    def export_catalog(self, path: str | Path, *, draft: bool = False) -> Path:
        return targeting_stage.export_catalog(self, path, draft=draft)

    @delegates_to(register_stage.add_to_register)
    def add_to_register(
        self,
        chosen: Any,
        officers: Any = None,
        guided_on: Any = None,
        *,
        by: str | None = None,
        strict: bool = False,
        today: dt.date | None = None,
    ) -> pd.DataFrame:
        return register_stage.add_to_register(
            self, chosen, officers, guided_on, by=by, strict=strict, today=today
        )

    @delegates_to(register_stage.register)
    def register(
        self,
        year: int | None = None,
        *,
        start: Any = None,
        end: Any = None,
        include_void: bool = True,
        seq: int | None = None,
    ) -> pd.DataFrame:
        return register_stage.register(self, year, start=start, end=end, include_void=include_void, seq=seq)

    @delegates_to(register_stage.record_result)
    def record_result(
        self, year: int, seq: int, result: str, effect: str | None = None, *, by: str | None = None
    ) -> pd.DataFrame:
        return register_stage.record_result(self, year, seq, result, effect, by=by)

    @delegates_to(register_stage.void_entry)
    def void_entry(self, year: int, seq: int, by: str, reason: str) -> pd.DataFrame:
        return register_stage.void_entry(self, year, seq, by, reason)

    @delegates_to(register_stage.amend_entry)
    def amend_entry(self, year: int, seq: int, by: str, reason: str, **changes: Any) -> pd.DataFrame:
        return register_stage.amend_entry(self, year, seq, by, reason, **changes)

    @delegates_to(register_stage.write_documents)
    def write_documents(
        self,
        out_dir: str | Path,
        entries: Any = None,
        *,
        year: int | None = None,
        include_void: bool = False,
        draft: bool = False,
        progress: bool = False,
    ) -> list[Path]:
        return register_stage.write_documents(
            self, out_dir, entries, year=year, include_void=include_void, draft=draft, progress=progress
        )

    @delegates_to(register_stage.export_register)
    def export_register(
        self,
        path: str | Path,
        year: int | None = None,
        *,
        start: Any = None,
        end: Any = None,
        include_void: bool = True,
    ) -> Path:
        return register_stage.export_register(
            self, path, year, start=start, end=end, include_void=include_void
        )

    @delegates_to(register_stage.export_filing_batch)
    def export_filing_batch(
        self, path: str | Path, year: int | None = None, *, start: Any = None, end: Any = None
    ) -> Path:
        return register_stage.export_filing_batch(self, path, year, start=start, end=end)

    # -- learning ----------------------------------------------------------------------------
    @delegates_to(effects_stage.guidance_effects)
    def guidance_effects(
        self,
        window_months: int = 6,
        *,
        as_of: Any = None,
        methods: Any = None,
        controls_per_case: int | None = None,
        n_boot: int = 500,
        seed: int = 0,
        cases: pd.DataFrame | None = None,
        caliper: float | None = None,
    ) -> pd.DataFrame:
        return effects_stage.guidance_effects(
            self,
            window_months,
            as_of=as_of,
            methods=methods,
            controls_per_case=controls_per_case,
            n_boot=n_boot,
            seed=seed,
            cases=cases,
            caliper=caliper,
        )

    @delegates_to(effects_stage.effect_study)
    def effect_study(
        self,
        window_months: int = 6,
        *,
        as_of: Any = None,
        methods: Any = None,
        controls_per_case: int | None = None,
        n_boot: int = 500,
        seed: int = 0,
        cases: pd.DataFrame | None = None,
        caliper: float | None = None,
        censoring: str | None = None,
        use_risk_score: bool | None = None,
        outcome_model: str | None = None,
    ) -> EffectStudy:
        return effects_stage.effect_study(
            self,
            window_months,
            as_of=as_of,
            methods=methods,
            controls_per_case=controls_per_case,
            n_boot=n_boot,
            seed=seed,
            cases=cases,
            caliper=caliper,
            censoring=censoring,
            use_risk_score=use_risk_score,
            outcome_model=outcome_model,
        )

    @delegates_to(effects_stage.randomised_effects)
    def randomised_effects(self, window_months: int = 6, *, as_of: Any = None) -> pd.DataFrame:
        return effects_stage.randomised_effects(self, window_months, as_of=as_of)

    @delegates_to(effects_stage.follow_up_due)
    def follow_up_due(
        self, as_of: Any = None, *, result_days: int | None = None, revisit_days: int | None = None
    ) -> pd.DataFrame:
        return effects_stage.follow_up_due(self, as_of, result_days=result_days, revisit_days=revisit_days)

    @delegates_to(effects_stage.work_report)
    def work_report(self, start: Any, end: Any, *, window_months: int = 6, n_boot: int = 300) -> WorkReport:
        return effects_stage.work_report(self, start, end, window_months=window_months, n_boot=n_boot)
