"""What goes out to businesses: no internal reasoning, no placeholder contact numbers.

Used by the publishable catalogue (here) and by the register's documents and exports.

A letter (意见书, 文书, 约谈通知书), the printed register and the filing batch state the matter and
the facts the business can recognise. :func:`internal_words` finds the tool's own vocabulary
(scores, ranks, model words, the reviewer's advice such as 宜教育劝导) from ``[outward] forbidden``
in ``config/register.toml``; :func:`placeholder_contacts` finds contact numbers that are still the
shipped placeholders (``[contact] placeholder``), so nothing is sent with 0533-0000000 on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..errors import RegisterError

__all__ = ["check_outward", "internal_words", "is_placeholder", "placeholder_contacts", "placeholder_message"]


def internal_words(text: Any, rules: dict[str, Any]) -> list[str]:
    """The internal words and patterns found in ``text`` (empty list: fit to send).

    >>> from guidance_analytics.core import rules as config
    >>> internal_words("风险分0.68（第25位）：近24个月责令限期整改2次", config(None, "register"))
    ['风险分', '第25位']
    >>> internal_words("2024年9月20日现场检查发现你（单位）存在食品贮存不当问题", config(None, "register"))
    []
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    found: list[str] = []
    for pattern in rules.get("outward", {}).get("forbidden", []):
        for match in re.finditer(pattern, str(text)):
            if match.group(0) not in found:
                found.append(match.group(0))
    return found


def check_outward(text: Any, rules: dict[str, Any], where: str) -> None:
    """Raise :class:`RegisterError` when ``text`` meant for a business carries internal words."""
    found = internal_words(text, rules)
    if found:
        raise RegisterError(
            f"{where}含内部用语「{'」「'.join(found)}」，不能写入发给行政相对人的文书：请改写为相对人可以核对的事实"
        )


def is_placeholder(phone: Any, rules: dict[str, Any]) -> bool:
    """True for an empty contact number or one matching ``[contact] placeholder``.

    >>> from guidance_analytics.core import rules as config
    >>> [is_placeholder(p, config(None, "register")) for p in ("0533-0000000", "0533-0000001", "0533-3123456", "")]
    [True, True, False, True]
    """
    text = "" if phone is None or (not isinstance(phone, str) and pd.isna(phone)) else str(phone).strip()
    pattern = rules.get("contact", {}).get("placeholder", r"^\s*(0\d{2,3}-?)?0{6,7}\d?\s*$")
    return not text or re.search(pattern, text) is not None


def placeholder_contacts(
    rules: dict[str, Any], catalogue_phones: Iterable[tuple[str, Any]], uses_fallback: bool
) -> list[str]:
    """Where a placeholder contact number would be printed: one Chinese phrase per setting.

    ``catalogue_phones`` are ``(事项编码, 联系电话)`` pairs of the items used; ``uses_fallback`` says
    whether some letter falls back to ``[contact] phone`` (an item without its own number).
    """
    out = []
    fallback = rules["contact"].get("phone")
    if uses_fallback and is_placeholder(fallback, rules):
        out.append(f"config/register.toml 的 [contact] phone = {fallback or '（空）'}")
    bad: dict[str, list[str]] = {}
    for code, phone in catalogue_phones:
        text = "" if phone is None or (not isinstance(phone, str) and pd.isna(phone)) else str(phone).strip()
        if text and is_placeholder(text, rules):
            bad.setdefault(text, []).append(str(code))
    for phone, codes in bad.items():
        shown = "、".join(sorted(set(codes))[:4]) + ("等" if len(set(codes)) > 4 else "")
        out.append(f"目录清单「联系电话」{phone}（{shown}）")
    return out


def placeholder_message(what: str, places: list[str]) -> str:
    """The one-line refusal naming each setting that still holds a placeholder number."""
    return (
        f"{what}中的联系电话仍是占位号码：{'；'.join(places)}。请在工作区 config/register.toml 中填写真实电话，"
        "并在目录清单中填写各事项的联系电话（catalog --out 导出、修改后 catalog --load 导入）；"
        "仅供内部核对时可加 --draft（draft=True）生成带“草稿”水印的版本"
    )
