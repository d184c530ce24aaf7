"""Records out: the guidance register (登记簿), its documents (.docx) and exports.

``add_to_register(ws, chosen)`` registers the reviewed actions (是否采纳 = 是) with gapless
per-year numbers (written ``2025年第001号`` everywhere) in one transaction, interviews booked into
free slots; results, voiding and amendments keep an audit trail. The forms (意见书, 文书, 约谈通知书),
the register in the form's layout and the city filing batch are written from the register, for
outside eyes: facts and the matter, never the tool's reasoning.
"""

from __future__ import annotations

from .documents import write_documents, write_notice, write_opinion, write_record
from .entries import (
    AMENDABLE,
    REPORT_COLUMNS,
    SYSTEM_ACCOUNTS,
    add_to_register,
    amend_entry,
    audit_trail,
    entry_no,
    operator,
    record_result,
    register,
    report,
    schedule_interviews,
    void_entry,
)
from .exports import (
    REGISTER_LAYOUT,
    REGISTER_WIDTHS,
    export_filing_batch,
    export_register,
    filing_table,
    register_table,
)
from .input import ALIASES, join_officers, read_chosen, row_label
from .layout import Form, safe_filename

__all__ = [
    "ALIASES",
    "AMENDABLE",
    "REGISTER_LAYOUT",
    "REGISTER_WIDTHS",
    "REPORT_COLUMNS",
    "SYSTEM_ACCOUNTS",
    "Form",
    "add_to_register",
    "amend_entry",
    "audit_trail",
    "entry_no",
    "export_filing_batch",
    "export_register",
    "filing_table",
    "join_officers",
    "operator",
    "read_chosen",
    "record_result",
    "register",
    "register_table",
    "report",
    "row_label",
    "safe_filename",
    "schedule_interviews",
    "void_entry",
    "write_documents",
    "write_notice",
    "write_opinion",
    "write_record",
]
