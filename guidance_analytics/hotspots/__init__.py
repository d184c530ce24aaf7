"""Panels and findings: the fields and periods where violations or complaints are unusually frequent.

``hotspots(ws, measure, by)`` builds a count panel in DuckDB (:mod:`.panels`), runs the prospective
aberration detector per field (:mod:`.detect`, pure: panel in, frame out) and flags the cells that
stay significant after Benjamini–Hochberg across the fields of a period (:mod:`.flags`). Episodes,
recurrent seasons (:mod:`.seasonal`), an exploratory scan statistic (:mod:`.scan`), the spreadsheet
and chart page for people (:mod:`.report`, :mod:`.charts`) and the check against planted sample
hotspots (:mod:`.evaluate`) build on it.
"""

from __future__ import annotations

from .charts import (
    empty_figure,
    episode_timeline,
    hotspot_heatmap,
    hotspot_report_page,
    hotspot_timeseries,
    seasonal_heatmap,
    top_fields,
    write_chart_page,
)
from .detect import benjamini_hochberg, detect_aberrations
from .evaluate import exposure_only_check, planted_cells, recall_table, scan_recall_table, seasonal_check
from .flags import (
    EXTRA_COLUMNS,
    OUTPUT_COLUMNS,
    find_episodes,
    flag_hotspots,
    hotspot_episodes,
    hotspots,
    period_label,
)
from .panels import DIMENSIONS, FREQS, MEASURES, PAIR_SEP, UNKNOWN, field_labels, hotspot_panel, parse_by
from .report import HEADERS, METHOD_NAMES, readable_hotspots, write_hotspot_report, write_hotspot_table
from .scan import scan_hotspots, scan_zones, workspace_scan
from .seasonal import SEASONAL_HEADERS, seasonal_hotspots, seasonal_profile

__all__ = [
    "DIMENSIONS",
    "EXTRA_COLUMNS",
    "FREQS",
    "HEADERS",
    "MEASURES",
    "METHOD_NAMES",
    "OUTPUT_COLUMNS",
    "PAIR_SEP",
    "SEASONAL_HEADERS",
    "UNKNOWN",
    "benjamini_hochberg",
    "detect_aberrations",
    "empty_figure",
    "episode_timeline",
    "exposure_only_check",
    "field_labels",
    "find_episodes",
    "flag_hotspots",
    "hotspot_episodes",
    "hotspot_heatmap",
    "hotspot_panel",
    "hotspot_report_page",
    "hotspot_timeseries",
    "hotspots",
    "parse_by",
    "period_label",
    "planted_cells",
    "readable_hotspots",
    "recall_table",
    "scan_hotspots",
    "scan_recall_table",
    "scan_zones",
    "seasonal_check",
    "seasonal_heatmap",
    "seasonal_hotspots",
    "seasonal_profile",
    "top_fields",
    "workspace_scan",
    "write_chart_page",
    "write_hotspot_report",
    "write_hotspot_table",
]
