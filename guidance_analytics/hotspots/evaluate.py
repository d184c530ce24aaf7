"""Score hotspot flags against the ground truth of the synthetic sample set (``data_samples/truth``).

Only for evaluation: the analytics never read the truth files. Used by ``tests/test_hotspots.py`` and
``benchmarks/eval_hotspots_samples.py``.

* ``planted_hotspots.csv`` — cells whose latent violation rate was multiplied by ``factor``. One-off
  hotspots (``recurrent == False``) are what the prospective detector should flag; the recurrent one
  (every July–August) is, by design, part of the seasonal baseline after the first year and is
  scored with :func:`seasonal_hotspots` instead.
* ``exposure_only_field.csv`` — a licence boom: counts rise with the number of licences only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, rules
from .flags import hotspots
from .scan import scan_hotspots
from .seasonal import seasonal_hotspots

__all__ = [
    "BY_TRUTH",
    "exposure_only_check",
    "industry_recall",
    "planted_cells",
    "recall_table",
    "scan_recall_table",
    "seasonal_check",
]

#: truth ``by`` → hotspot ``by``
BY_TRUTH = {
    "township": "township",
    "industry_division": "industry_division",
    "violation_type": "violation_type",
    "township+industry_division": "industry_division×township",
}


def planted_cells(truth_dir: str | Path) -> pd.DataFrame:
    """One row per planted month: ``hotspot_id, by, key, period_start, recurrent, factor``.

    ``key`` is the field key without the section letter (``62``, ``62×鲁村镇``, ``东里镇``).
    """
    t = pd.read_csv(Path(truth_dir) / "planted_hotspots.csv", dtype=str, keep_default_na=False)
    rows = []
    for r in t.to_dict("records"):
        key = {
            "industry_division": r["industry_division"],
            "township": r["township"],
            "violation_type": r["violation_type"],
        }.get(r["by"], f"{r['industry_division']}×{r['township']}")
        for p in pd.period_range(r["period_start"], r["period_end"], freq="M"):
            rows.append(
                {
                    "hotspot_id": r["hotspot_id"],
                    "by": BY_TRUTH[r["by"]],
                    "key": key,
                    "period_start": p.start_time,
                    "recurrent": r["recurrent"] == "True",
                    "factor": float(r["factor"]),
                }
            )
    return pd.DataFrame(rows)


def _key(field: pd.Series) -> pd.Series:
    return field.str.replace(r"^[A-Z](\d\d)", r"\1", regex=True)


def recall_table(
    ws: WorkspaceLike,
    truth_dir: str | Path,
    measures: tuple[str, ...] = ("violations", "complaints"),
    start: str = "2021-07-01",
    **kwargs: Any,
) -> pd.DataFrame:
    """Recall of the one-off planted cells and false flags per period, per measure and ``by``.

    Returns
    -------
    pandas.DataFrame
        ``measure, by, planted_cells, flagged_cells, recall, hotspots, hotspots_found, found_ids, false_flags,
        periods, false_per_period, fields`` — a planted hotspot counts as found when any of its months
        is flagged; false flags are flagged cells outside every planted cell (recurrent ones included,
        so a flag of the summer peak is not counted as false).
    """
    cells = planted_cells(truth_dir)
    cells = cells[cells["period_start"] >= pd.Timestamp(start)]
    rows = []
    for measure in measures:
        for by in sorted(cells["by"].unique()):
            if by == "violation_type" and measure != "violations":
                continue
            hot = hotspots(ws, measure, by, start=start, **kwargs)
            hot = hot.assign(key=_key(hot["field"]))
            planted = cells[cells["by"] == by]
            one_off = planted[~planted["recurrent"]]
            got = one_off.merge(
                hot[["key", "period_start", "flagged"]], on=["key", "period_start"], how="left"
            )
            got["flagged"] = got["flagged"].fillna(False).astype(bool)
            all_planted = set(zip(planted["key"], planted["period_start"], strict=True))
            flagged = hot[hot["flagged"]]
            false = sum(
                (k, p) not in all_planted
                for k, p in zip(flagged["key"], flagged["period_start"], strict=True)
            )
            periods = hot["period_start"].nunique()
            rows.append(
                {
                    "measure": measure,
                    "by": by,
                    "planted_cells": len(got),
                    "flagged_cells": int(got["flagged"].sum()),
                    "recall": got["flagged"].mean() if len(got) else float("nan"),
                    "hotspots": got["hotspot_id"].nunique(),
                    "hotspots_found": got.loc[got["flagged"], "hotspot_id"].nunique(),
                    "found_ids": ",".join(sorted(got.loc[got["flagged"], "hotspot_id"].unique())),
                    "false_flags": int(false),
                    "periods": periods,
                    "false_per_period": false / max(periods, 1),
                    "fields": hot["field"].nunique(),
                }
            )
    return pd.DataFrame(rows)


def seasonal_check(
    ws: WorkspaceLike, truth_dir: str | Path, measure: str = "violations", **kwargs: Any
) -> pd.DataFrame:
    """Recurrent planted seasons (field, month) with whether :func:`seasonal_hotspots` marks them."""
    cells = planted_cells(truth_dir)
    rec = cells[cells["recurrent"]].assign(season=lambda d: d["period_start"].dt.month)
    out = []
    for by, part in rec.groupby("by"):
        s = seasonal_hotspots(ws, measure, by, **kwargs).assign(key=lambda d: _key(d["field"]))
        wanted = part[["hotspot_id", "key", "season"]].drop_duplicates()
        out.append(wanted.merge(s, on=["key", "season"], how="left").assign(by=by))
    if not out:
        return pd.DataFrame()
    return pd.concat(out, ignore_index=True)[
        [
            "hotspot_id",
            "by",
            "key",
            "season",
            "years_total",
            "years_high",
            "mean_ratio",
            "q_value",
            "recurrent",
        ]
    ]


def exposure_only_check(
    ws: WorkspaceLike, truth_dir: str | Path, measure: str = "violations", **kwargs: Any
) -> pd.DataFrame:
    """Flags of the licence-boom field during the boom, with and without exposure."""
    t = pd.read_csv(Path(truth_dir) / "exposure_only_field.csv", dtype=str)
    rows = []
    for r in t.to_dict("records"):
        by = r["by"]
        lo, hi = pd.Period(r["boom_start"], "M").start_time, pd.Period(r["boom_end"], "M").start_time
        for exposure in ("auto", None):
            hot = hotspots(ws, measure, by, exposure=exposure, **kwargs)
            hot = hot[(hot["field"].str[1:] == r["field"]) & hot["period_start"].between(lo, hi)]
            rows.append(
                {
                    "by": by,
                    "field": r["field"],
                    "exposure": "licences" if exposure else "none",
                    "boom_periods": len(hot),
                    "flagged": int(hot["flagged"].sum()),
                    "alarms": int(hot["alarm"].sum()),
                    "observed_before": None,
                    "licences_first": hot["exposure"].iloc[0] if len(hot) else None,
                    "licences_last": hot["exposure"].iloc[-1] if len(hot) else None,
                }
            )
    return pd.DataFrame(rows).drop(columns="observed_before")


def scan_recall_table(
    ws: WorkspaceLike,
    truth_dir: str | Path,
    measures: tuple[str, ...] = ("violations", "complaints"),
    start: str = "2021-07-01",
    lag: int = 2,
    **kwargs: Any,
) -> pd.DataFrame:
    """Planted one-off hotspots found by the scan statistic (:mod:`~guidance_analytics.hotspots.scan`).

    A hotspot is found when a reported zone contains its field, its window overlaps the planted months
    and it is reported at most ``lag`` periods after the planted end. A reported zone × window that
    overlaps no planted cell (recurrent ones included) is a false cluster.

    Returns
    -------
    pandas.DataFrame
        ``measure, by, hotspots, hotspots_found, found_ids, clusters, false_clusters, periods,
        false_per_period``.
    """
    min_count = int(kwargs.pop("min_count", rules(ws, "hotspots").get("detect", {}).get("min_count", 5)))
    cells = planted_cells(truth_dir)
    cells = cells[cells["period_start"] >= pd.Timestamp(start)]
    rows = []
    for measure in measures:
        for by in sorted(cells["by"].unique()):
            if by == "violation_type" and measure != "violations":
                continue
            hot = hotspots(ws, measure, by, start=start, min_count=min_count, **kwargs)
            sc = scan_hotspots(hot, min_count=min_count)
            planted = cells[cells["by"] == by]
            found, false = set(), 0
            for r in sc.itertuples(index=False):
                keys = set(_key(pd.Series(r.fields.split(";"))))
                hit = planted[
                    planted["key"].isin(keys) & planted["period_start"].between(r.window_start, r.window_end)
                ]
                if hit.empty:
                    false += 1
                    continue
                ends = hit.groupby("hotspot_id")["period_start"].transform("max")
                ok = hit[(r.period <= ends + pd.DateOffset(months=lag)) & ~hit["recurrent"]]
                found |= set(ok["hotspot_id"])
            one_off = planted.loc[~planted["recurrent"], "hotspot_id"].nunique()
            periods = sc["period"].nunique() if len(sc) else 0
            n_periods = hot["period_start"].nunique()
            rows.append(
                {
                    "measure": measure,
                    "by": by,
                    "hotspots": one_off,
                    "hotspots_found": len(found),
                    "found_ids": ",".join(sorted(found)),
                    "clusters": len(sc),
                    "false_clusters": false,
                    "periods": n_periods,
                    "false_per_period": false / max(n_periods, 1),
                    "periods_with_clusters": periods,
                }
            )
    return pd.DataFrame(rows)


def industry_recall(
    ws: WorkspaceLike,
    truth_dir: str | Path,
    measure: str = "violations",
    start: str = "2021-07-01",
    **kwargs: Any,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """The planted industry hotspots through the default multi-level ``hotspots(ws, measure, "industry")``.

    A planted division hotspot (``by == industry_division`` in ``planted_hotspots.csv``) is found when a
    flag of that division or of one of its groups or classes falls in one of its months. A flag is
    false when it lies in no planted industry cell (the recurrent season included); false flags that
    fall in a month and township or violation type of another planted hotspot (whose higher rate
    touches every industry there) are counted apart as ``spillover``.

    Returns
    -------
    tuple
        ``(per_hotspot, summary)``: one row per planted industry hotspot (``hotspot_id, field, months,
        recurrent, found, flags``) and ``{"hotspots", "found", "recall", "flags", "false_flags",
        "spillover", "months", "false_per_month"}``.
    """
    cells = planted_cells(truth_dir)
    cells = cells[cells["period_start"] >= pd.Timestamp(start)]
    hot = hotspots(ws, measure, "industry", start=start, **kwargs)
    flagged = hot[hot["flagged"]]
    ind = cells[cells["by"] == "industry_division"]
    rows, covered = [], np.zeros(len(flagged), dtype=bool)
    for hid, grp in ind.groupby("hotspot_id"):
        div = str(grp["key"].iloc[0])
        inside = flagged["field"].str[1:].str.startswith(div) & flagged["period_start"].isin(
            grp["period_start"]
        )
        covered |= inside.to_numpy()
        rows.append(
            {
                "hotspot_id": hid,
                "field": div,
                "months": len(grp),
                "recurrent": bool(grp["recurrent"].iloc[0]),
                "found": bool(inside.any()),
                "flags": int(inside.sum()),
            }
        )
    per = pd.DataFrame(rows)
    others = cells[cells["by"] != "industry_division"]
    spill = flagged["period_start"].isin(others["period_start"]).to_numpy() & ~covered
    months = hot["period_start"].nunique()
    one_off = per[~per["recurrent"]]
    false = int((~covered).sum())
    summary = {
        "hotspots": len(one_off),
        "found": int(one_off["found"].sum()),
        "recall": float(one_off["found"].mean()) if len(one_off) else float("nan"),
        "flags": len(flagged),
        "false_flags": false,
        "spillover": int(spill.sum()),
        "months": months,
        "false_per_month": false / max(months, 1),
    }
    return per, summary
