"""Records out: the guidance register (登记簿), its documents (.docx) and exports.

``add_to_register(ws, chosen)`` registers the reviewed actions (是否采纳 = 是) with gapless
per-year numbers in one transaction; results, voiding and amendments keep an audit trail. The
forms (意见书, 文书, 约谈通知书), the register in the form's layout and the city filing batch are
written from the register.
"""

from __future__ import annotations

from .documents import write_documents, write_notice, write_opinion, write_record
from .entries import (
    AMENDABLE,
    REPORT_COLUMNS,
    add_to_register,
    amend_entry,
    audit_trail,
    record_result,
    register,
    report,
    void_entry,
)
from .exports import REGISTER_LAYOUT, export_filing_batch, export_register, filing_table, register_table
from .input import ALIASES, join_officers, read_chosen
from .layout import Form, safe_filename

__all__ = [
    "ALIASES",
    "AMENDABLE",
    "REGISTER_LAYOUT",
    "REPORT_COLUMNS",
    "Form",
    "add_to_register",
    "amend_entry",
    "audit_trail",
    "export_filing_batch",
    "export_register",
    "filing_table",
    "join_officers",
    "read_chosen",
    "record_result",
    "register",
    "register_table",
    "report",
    "safe_filename",
    "void_entry",
    "write_documents",
    "write_notice",
    "write_opinion",
    "write_record",
]
