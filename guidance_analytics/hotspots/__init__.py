"""Panels and findings: the fields and periods where violations or complaints are unusually frequent.

``hotspots(ws, measure, by)`` builds a count panel in DuckDB (:mod:`.panels`; every GB/T 4754 level
for ``by="industry"``), runs the prospective detector per field with single-period and window tests
(:mod:`.detect`, pure: panel in, frame out), decides the flags so that the expected number of false
flags a month stays under a budget, marks violation flags explained by inspection effort
(:mod:`.effort`) and lets the finest level carry each flag (:mod:`.levels`, :mod:`.flags`). The
records behind a flag (:mod:`.records`), episodes, recurrent seasons (:mod:`.seasonal`), a calibrated
scan statistic (:mod:`.scan`), the spreadsheet and chart page for people (:mod:`.report`,
:mod:`.charts`) and the check against planted sample hotspots (:mod:`.evaluate`) build on it.
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
from .effort import effort_check
from .evaluate import (
    exposure_only_check,
    industry_recall,
    planted_cells,
    recall_table,
    scan_recall_table,
    seasonal_check,
)
from .flags import (
    EXTRA_COLUMNS,
    FLAG_OPTIONS,
    OUTPUT_COLUMNS,
    find_episodes,
    flag_hotspots,
    hotspot_episodes,
    hotspots,
    period_label,
)
from .panels import (
    DIMENSIONS,
    FREQS,
    MEASURES,
    PAIR_SEP,
    UNKNOWN,
    field_labels,
    hotspot_panel,
    industry_parents,
    parse_by,
)
from .records import RECORD_COLUMNS, RECORD_HEADERS, cell_name, hotspot_records, records_of_flags
from .report import HEADERS, METHOD_NAMES, readable_hotspots, write_hotspot_report, write_hotspot_table
from .scan import scan_hotspots, scan_zones, workspace_scan
from .seasonal import SEASONAL_HEADERS, seasonal_hotspots, seasonal_profile

__all__ = [
    "DIMENSIONS",
    "EXTRA_COLUMNS",
    "FLAG_OPTIONS",
    "FREQS",
    "HEADERS",
    "MEASURES",
    "METHOD_NAMES",
    "OUTPUT_COLUMNS",
    "PAIR_SEP",
    "RECORD_COLUMNS",
    "RECORD_HEADERS",
    "SEASONAL_HEADERS",
    "UNKNOWN",
    "benjamini_hochberg",
    "cell_name",
    "detect_aberrations",
    "effort_check",
    "empty_figure",
    "episode_timeline",
    "exposure_only_check",
    "field_labels",
    "find_episodes",
    "flag_hotspots",
    "hotspot_episodes",
    "hotspot_heatmap",
    "hotspot_panel",
    "hotspot_records",
    "hotspot_report_page",
    "hotspot_timeseries",
    "hotspots",
    "industry_parents",
    "industry_recall",
    "parse_by",
    "period_label",
    "planted_cells",
    "readable_hotspots",
    "recall_table",
    "records_of_flags",
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
