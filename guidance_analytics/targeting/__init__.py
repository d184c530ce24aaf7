"""Chosen actions: features as of a planning date, risk scores, candidate lists, the review file.

``features(ws, as_of)`` (leakage-free, in DuckDB) → ``risk_scores`` (calibrated model with Chinese
explanations; ``backtest`` checks it on past planning dates) → ``candidates`` (routing rules with
their legal line, restraint, the catalogue item of each action) → ``fairness_audit`` →
``write_review_file`` for the policy-law section. The guidance catalogue (目录清单) lives here too,
because every candidate action is mapped to one of its items; the register reads it from here.
"""

from __future__ import annotations

from .backtesting import (
    BACKTEST_COLUMNS,
    BACKTEST_HEADERS,
    backtest,
    backtest_dates,
    backtest_report,
    evaluate,
    expected_hits_at_k,
    k_values,
    summarize_backtest,
)
from .catalogue import (
    COLUMNS as CATALOG_COLUMNS,
)
from .catalogue import (
    HEADERS as CATALOG_HEADERS,
)
from .catalogue import (
    TRIGGERS as CATALOG_TRIGGERS,
)
from .catalogue import (
    catalog,
    catalog_items,
    covers,
    export_catalog,
    load_catalog,
    match_catalog,
    match_item,
    no_item_note,
    publishable,
    read_catalog_file,
)
from .explain import GROUPS, describe
from .fairness import (
    AUDIT_COLUMNS,
    AUDIT_HEADERS,
    audit_groups,
    fairness_audit,
    industry_group,
    subject_group,
)
from .feature_table import (
    FEATURE_COLUMNS,
    business_info,
    feature_panel,
    features,
    hotspot_notes,
    industry_lookup,
    outcomes,
)
from .outward import (
    check_outward,
    internal_words,
    is_placeholder,
    placeholder_contacts,
    placeholder_message,
)
from .review import (
    ENFORCEMENT_HEADERS,
    ENFORCEMENT_SHEET,
    FACTS_HEADER,
    REVIEW_HEADERS,
    enforcement_frame,
    review_frame,
    settings_frame,
    write_latest,
    write_review_file,
)
from .risk import (
    SCORE_COLUMNS,
    SCORE_HEADERS,
    RiskModel,
    fit_model,
    panel_for,
    rank_min,
    risk_scores,
    score_frame,
    train,
    training_panel,
)
from .routing import ENFORCEMENT, evidence_text, facts_text, route
from .selection import (
    CANDIDATE_COLUMNS,
    GUIDANCE_ACTIONS,
    PRIORITY,
    apply_cooldown,
    candidates,
    inclusion_probabilities,
    latest_planning_date,
    parse_capacity,
    recent_actions,
    routing_params,
    select,
    summary_text,
    systematic_draw,
)

__all__ = [
    "AUDIT_COLUMNS",
    "AUDIT_HEADERS",
    "BACKTEST_COLUMNS",
    "BACKTEST_HEADERS",
    "CANDIDATE_COLUMNS",
    "CATALOG_COLUMNS",
    "CATALOG_HEADERS",
    "CATALOG_TRIGGERS",
    "ENFORCEMENT",
    "ENFORCEMENT_HEADERS",
    "ENFORCEMENT_SHEET",
    "FEATURE_COLUMNS",
    "GROUPS",
    "GUIDANCE_ACTIONS",
    "PRIORITY",
    "FACTS_HEADER",
    "REVIEW_HEADERS",
    "SCORE_COLUMNS",
    "SCORE_HEADERS",
    "RiskModel",
    "apply_cooldown",
    "audit_groups",
    "backtest",
    "backtest_dates",
    "backtest_report",
    "business_info",
    "candidates",
    "catalog",
    "catalog_items",
    "check_outward",
    "covers",
    "describe",
    "enforcement_frame",
    "evaluate",
    "evidence_text",
    "facts_text",
    "expected_hits_at_k",
    "export_catalog",
    "fairness_audit",
    "feature_panel",
    "features",
    "fit_model",
    "hotspot_notes",
    "inclusion_probabilities",
    "industry_group",
    "internal_words",
    "is_placeholder",
    "industry_lookup",
    "k_values",
    "latest_planning_date",
    "load_catalog",
    "match_catalog",
    "match_item",
    "no_item_note",
    "outcomes",
    "panel_for",
    "placeholder_contacts",
    "placeholder_message",
    "parse_capacity",
    "publishable",
    "rank_min",
    "read_catalog_file",
    "recent_actions",
    "review_frame",
    "risk_scores",
    "route",
    "routing_params",
    "score_frame",
    "select",
    "settings_frame",
    "subject_group",
    "summarize_backtest",
    "summary_text",
    "systematic_draw",
    "train",
    "training_panel",
    "write_latest",
    "write_review_file",
]
