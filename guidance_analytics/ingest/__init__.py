"""Files in → checked tables: read exports, check rows, identify businesses, import with an account.

``import_file(ws, path, kind)`` reads a permits / complaints / inspections / penalties export
(.xlsx or .csv in any of the county's encodings), checks every row, links it to a business and
writes it into the workspace in one transaction; every row ends accepted, updated, duplicate or
rejected with Chinese reasons. The building blocks (readers, the one text/date/amount normaliser,
credit-code checks, name and township identity, complaint-target matching) are public too.
"""

from __future__ import annotations

from .codes import (
    USCC_CHARSET,
    business_id_for,
    business_ids,
    normalize_uscc,
    org_code_check_ok,
    org_code_check_ok_series,
    surrogate_id,
    uscc_check_ok,
    uscc_check_ok_series,
    uscc_valid_format,
    uscc_valid_format_series,
)
from .identity import (
    OTHER_TOWNSHIP,
    name_core,
    normalize_address,
    normalize_name,
    township_canonical,
    townships,
)
from .importer import ImportResult, import_file, read_table, status
from .matching import MATCH_COLUMNS, BusinessIndex, match_targets
from .normalize import (
    PII_MASK,
    normalize_enum,
    normalize_enum_multi,
    normalize_text,
    parse_amounts,
    parse_dates,
    scrub_people,
    scrub_pii,
    strip_control,
)
from .readers import CALLER_NAMES, ROW_NUMBER, SOURCE_ROW, RawTable, read_batches
from .schema import (
    ENUMS,
    KIND_SPECS,
    KINDS,
    PERSONAL_HEADERS,
    USCC_PLACEHOLDER,
    Column,
    Kind,
    alias_map,
    header_key,
)
from .validate import REASON, Checked, check_batch, waiver_kind

__all__ = [
    "CALLER_NAMES",
    "ENUMS",
    "KINDS",
    "KIND_SPECS",
    "MATCH_COLUMNS",
    "OTHER_TOWNSHIP",
    "PERSONAL_HEADERS",
    "PII_MASK",
    "REASON",
    "ROW_NUMBER",
    "SOURCE_ROW",
    "USCC_CHARSET",
    "USCC_PLACEHOLDER",
    "BusinessIndex",
    "Checked",
    "Column",
    "ImportResult",
    "Kind",
    "RawTable",
    "alias_map",
    "business_id_for",
    "business_ids",
    "check_batch",
    "waiver_kind",
    "header_key",
    "import_file",
    "match_targets",
    "name_core",
    "normalize_address",
    "normalize_enum",
    "normalize_enum_multi",
    "normalize_name",
    "normalize_text",
    "normalize_uscc",
    "org_code_check_ok",
    "org_code_check_ok_series",
    "parse_amounts",
    "parse_dates",
    "read_batches",
    "read_table",
    "scrub_people",
    "scrub_pii",
    "strip_control",
    "status",
    "surrogate_id",
    "township_canonical",
    "townships",
    "uscc_check_ok",
    "uscc_check_ok_series",
    "uscc_valid_format",
    "uscc_valid_format_series",
]
