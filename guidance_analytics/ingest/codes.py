"""Credit codes and business ids.

* Unified social credit codes (统一社会信用代码, GB 32100-2015) and their embedded organisation
  code (GB 11714): format and check-character tests, scalar and vectorised.
* ``business_id``: the credit code when it has a valid format, else a stable surrogate from the
  normalised name (:func:`guidance_analytics.ingest.normalize_name`).

>>> uscc_check_ok("91330201MA2CMD7B12")
True
>>> business_id_for(None, "老王饭店")
'S5b100536fe1b51a52'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np
import pandas as pd

from .schema import USCC_PLACEHOLDER

__all__ = [
    "USCC_CHARSET",
    "USCC_IN_TEXT",
    "USCC_PLACEHOLDER",
    "business_id_for",
    "business_ids",
    "normalize_uscc",
    "org_code_check_ok",
    "org_code_check_ok_series",
    "surrogate_id",
    "uscc_check_ok",
    "uscc_check_ok_series",
    "uscc_valid_format",
    "uscc_valid_format_series",
]

# --------------------------------------------------------------------------------------------
# credit codes
# --------------------------------------------------------------------------------------------

#: The 31 characters of GB 32100-2015 (no I, O, S, V, Z).
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_USCC_RE = re.compile(rf"[{USCC_CHARSET}]{{18}}")
#: An 18-character credit code inside a text (not part of a longer code).
USCC_IN_TEXT = re.compile(rf"(?<![0-9A-Z])[{USCC_CHARSET}]{{18}}(?![0-9A-Z])")

# lookup tables over byte values (255 = not allowed)
_USCC_LUT = np.full(256, 255, dtype=np.int64)
for _i, _c in enumerate(USCC_CHARSET):
    _USCC_LUT[ord(_c)] = _i
_ORG_LUT = np.full(256, 255, dtype=np.int64)
for _c in "0123456789":
    _ORG_LUT[ord(_c)] = int(_c)
for _c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _ORG_LUT[ord(_c)] = ord(_c) - 55


def normalize_uscc(code: object) -> str | None:
    """Normalise one credit code: NFKC, no spaces or dashes, upper case; ``None`` when empty."""
    if code is None or (isinstance(code, float) and np.isnan(code)) or code is pd.NA:
        return None
    text = unicodedata.normalize("NFKC", str(code))
    text = re.sub(r"[\s\-_]", "", text).upper()
    return text or None


def _normalize_uscc_series(s: pd.Series) -> pd.Series:
    text = s.astype("object").where(s.notna()).astype("str")
    text = text.str.normalize("NFKC").str.replace(r"[\s\-_]", "", regex=True).str.upper()
    return text.mask(text == "")


def uscc_valid_format(code: object) -> bool:
    """True when ``code`` is 18 characters of the GB 32100 charset (after normalisation).

    The placeholder ``00000000000000000X`` has a valid format; see :func:`business_id_for`.
    """
    text = normalize_uscc(code)
    return text is not None and _USCC_RE.fullmatch(text) is not None


def uscc_check_ok(code: object) -> bool:
    """True when the 18th character is the GB 32100-2015 check character.

    Weights are ``3**(i-1) mod 31``; check value ``(31 - Σ mod 31) mod 31``. False for a code
    of invalid format. A mismatch is a warning, not a reason to reject a record.
    """
    text = normalize_uscc(code)
    if text is None or _USCC_RE.fullmatch(text) is None:
        return False
    total = sum(_USCC_VALUE[c] * int(w) for c, w in zip(text[:17], _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31] == text[17]


def _org_check_char(body: str) -> str | None:
    values = [int(_ORG_LUT[ord(c)]) if ord(c) < 256 else 255 for c in body]
    if len(values) != 8 or any(v == 255 for v in values):
        return None
    check = 11 - sum(v * int(w) for v, w in zip(values, _ORG_WEIGHTS, strict=True)) % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def org_code_check_ok(code: object) -> bool:
    """True when the organisation code embedded at positions 9–17 passes its GB 11714 check.

    ``code`` may be a full 18-character credit code or a 9-character organisation code
    (``12345678-9`` dashes allowed). Weights 3,7,9,10,5,8,4,2; ``11 - Σ mod 11`` with 10 → X
    and 11 → 0.
    """
    text = normalize_uscc(code)
    if text is None:
        return False
    if len(text) == 18:
        text = text[8:17]
    if len(text) != 9:
        return False
    expected = _org_check_char(text[:8])
    return expected is not None and expected == text[8]


def _code_matrix(s: pd.Series, valid: pd.Series) -> np.ndarray:
    """Rows of byte values for the valid 18-char codes."""
    codes = s[valid].to_numpy(dtype=object)
    if len(codes) == 0:
        return np.zeros((0, 18), dtype=np.int64)
    raw = "".join(codes).encode("ascii")
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18).astype(np.int64)


def uscc_valid_format_series(s: pd.Series) -> pd.Series:
    """Vectorised :func:`uscc_valid_format` (False for missing)."""
    norm = _normalize_uscc_series(pd.Series(s))
    return norm.str.fullmatch(_USCC_RE.pattern).fillna(False).astype(bool)


def uscc_check_ok_series(s: pd.Series) -> pd.Series:
    """Vectorised :func:`uscc_check_ok`.

    Returns
    -------
    pandas.Series
        ``boolean`` dtype: NA where the code is missing, False where its format is invalid.
    """
    s = pd.Series(s)
    norm = _normalize_uscc_series(s)
    valid = norm.str.fullmatch(_USCC_RE.pattern).fillna(False).astype(bool)
    out = pd.Series(False, index=s.index, dtype="boolean")
    out[norm.isna()] = pd.NA
    if valid.any():
        m = _USCC_LUT[_code_matrix(norm, valid)]
        total = (m[:, :17] * _USCC_WEIGHTS).sum(axis=1)
        out[valid] = (31 - total % 31) % 31 == m[:, 17]
    return out


def org_code_check_ok_series(s: pd.Series) -> pd.Series:
    """Vectorised :func:`org_code_check_ok` for full credit codes (``boolean``, NA when missing)."""
    s = pd.Series(s)
    norm = _normalize_uscc_series(s)
    valid = norm.str.fullmatch(r"[0-9A-Z]{18}").fillna(False).astype(bool)
    out = pd.Series(False, index=s.index, dtype="boolean")
    out[norm.isna()] = pd.NA
    if valid.any():
        m = _ORG_LUT[_code_matrix(norm, valid)]
        body, given = m[:, 8:16], m[:, 16]
        check = 11 - (body * _ORG_WEIGHTS).sum(axis=1) % 11
        expected = np.where(check == 10, ord("X") - 55, np.where(check == 11, 0, check))
        given_is_digit_or_x = (given < 10) | (given == ord("X") - 55)
        out[valid] = (expected == given) & given_is_digit_or_x & (body < 36).all(axis=1)
    return out


# --------------------------------------------------------------------------------------------
# business id
# --------------------------------------------------------------------------------------------


def surrogate_id(name_norm: str) -> str:
    """``"S"`` + the first 17 hex characters (lower case) of sha1(name_norm, UTF-8)."""
    return "S" + hashlib.sha1(name_norm.encode("utf-8")).hexdigest()[:17]


def business_id_for(uscc: object, name_norm: object) -> str | None:
    """Business identity: the credit code, or a stable surrogate from the normalised name.

    Parameters
    ----------
    uscc : str or None
        Credit code as given (normalised here).
    name_norm : str or None
        Output of :func:`normalize_name`.

    Returns
    -------
    str or None
        The normalised code when it has a valid format and is not the placeholder
        ``00000000000000000X`` (a failing check character is still accepted), else
        :func:`surrogate_id` of ``name_norm``; ``None`` when both are missing.
    """
    code = normalize_uscc(uscc)
    if code is not None and code != USCC_PLACEHOLDER and _USCC_RE.fullmatch(code):
        return code
    if name_norm is None or (isinstance(name_norm, float) and np.isnan(name_norm)) or name_norm is pd.NA:
        return None
    name = str(name_norm)
    return surrogate_id(name) if name else None


def business_ids(uscc: pd.Series, name_norm: pd.Series) -> pd.Series:
    """Vectorised :func:`business_id_for` (``str`` dtype, NaN when both inputs are missing)."""
    uscc = pd.Series(uscc)
    name_norm = pd.Series(name_norm, index=uscc.index)
    code = _normalize_uscc_series(uscc)
    use_code = code.str.fullmatch(_USCC_RE.pattern).fillna(False).astype(bool) & (code != USCC_PLACEHOLDER)
    out = code.where(use_code)
    need = ~use_code & name_norm.notna() & (name_norm.astype("str") != "")
    if need.any():
        names = name_norm[need].astype(str)
        uniq = {n: surrogate_id(n) for n in names.unique()}
        out[need] = names.map(uniq)
    return out.astype("str")
