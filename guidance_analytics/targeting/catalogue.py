"""The guidance catalogue (行政指导事项目录清单): what guidance the bureau offers, on what basis.

The packaged ``config/catalog.csv`` (or a workspace override of the same name) seeds the
workspace's own copy, the ``catalog_items`` table, the first time it is needed. Staff edit the
exported sheet and load it back with :func:`load_catalog`; register entries keep the codes they
were registered under. :func:`match_item` maps a candidate (action, industry, licence item) to the
best-fitting 事项编码, so every registered guidance action refers to a published matter.

Columns of :func:`catalog` (snake_case; Chinese headers in :data:`HEADERS`):
``item_code`` 事项编码, ``item_name`` 事项名称, ``issue`` 问题概述 (fills 「关于你（单位）存在的…问题」),
``actions`` the methods covered, ``;``-separated (提示提醒;约谈;劝导警示;案件回访), ``legal_basis`` 指导依据,
``situations`` 适用情形, ``targets`` 指导对象, ``content`` 指导内容, ``unit`` 实施科室, ``contact`` /
``phone`` 联系人 / 联系电话, ``permit_items`` 关联许可事项 (``;``), ``industries`` GB/T 4754 code
prefixes it applies to (``;``; empty = any industry), ``triggers`` the situations it is for
(``;``, from :data:`TRIGGERS`; empty = any), ``remarks`` 备注.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import WorkspaceLike, rules, sql, table, write_table
from ..errors import RegisterError
from .outward import placeholder_contacts, placeholder_message

log = logging.getLogger(__name__)

CATALOG_FILE = "catalog.csv"

COLUMNS = (
    "item_code",
    "item_name",
    "issue",
    "actions",
    "legal_basis",
    "situations",
    "targets",
    "content",
    "unit",
    "contact",
    "phone",
    "permit_items",
    "industries",
    "triggers",
    "remarks",
)

#: Situations a candidate action arises from (routing), and that an item may be limited to.
TRIGGERS = (
    "许可到期",
    "投诉",
    "属实投诉",
    "处罚",
    "轻微违法",
    "重大许可",
    "风险信号",
    "领域高发",
    "不予处罚",
    "信用修复",
)
#: Situations that are duties of their own (education after 不予处罚, the 信用修复 reminder): an
#: item made for one of them is preferred to an item that only fits the industry.
DUTY_TRIGGERS = ("不予处罚", "信用修复")

#: Chinese headers of the publishable layout (and accepted when loading an edited sheet).
HEADERS = {
    "item_code": "事项编码",
    "item_name": "事项名称",
    "actions": "指导方式",
    "legal_basis": "指导依据",
    "situations": "适用情形",
    "targets": "指导对象",
    "content": "指导内容",
    "unit": "实施科室",
    "contact": "联系人",
    "phone": "联系电话",
    "permit_items": "关联许可事项",
    "issue": "问题概述",
    "industries": "适用行业代码",
    "triggers": "适用触发情形",
    "remarks": "备注",
}
REQUIRED = ("item_code", "item_name", "actions", "legal_basis")


def read_catalog_file(path: str | Path | None = None, ws: WorkspaceLike | None = None) -> pd.DataFrame:
    """Read a catalogue file: the packaged/overridden ``catalog.csv``, or an edited .csv/.xlsx.

    ``path=None`` reads ``catalog.csv`` (the copy in ``ws``'s ``config/`` folder first). Headers may be
    the snake_case names or the Chinese ones of :data:`HEADERS`; a title row above
    the header (as in the exported sheet) is skipped. ``指导方式`` may be separated by ``、`` or ``;``.

    Raises
    ------
    RegisterError
        Required columns missing, empty or duplicate 事项编码.
    """
    if path is None:
        raw = table(ws, "catalog")
    else:
        path = Path(path)
        if path.suffix.lower() == ".csv":
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        else:
            raw = pd.read_excel(path, dtype=str, header=None, engine="openpyxl").fillna("")
            header = next(
                (
                    i
                    for i, row in raw.iterrows()
                    if "事项编码" in set(row.astype(str)) or "item_code" in set(row.astype(str))
                ),
                None,
            )
            if header is None:
                raise RegisterError(f"目录清单文件 {path.name} 中未找到「事项编码」表头")
            raw.columns = [str(c).strip() for c in raw.iloc[header]]
            raw = raw.iloc[header + 1 :]
    back = {v: k for k, v in HEADERS.items()}
    frame = raw.rename(columns=lambda c: back.get(str(c).strip(), str(c).strip()))
    if "联系人/电话" in frame.columns and "contact" not in frame.columns:
        parts = frame["联系人/电话"].fillna("").astype(str).str.rsplit("/", n=1)
        frame["contact"] = [p[0] if len(p) == 2 else p[0] for p in parts]
        frame["phone"] = [p[1] if len(p) == 2 else "" for p in parts]
    missing = [HEADERS[c] for c in REQUIRED if c not in frame.columns]
    if missing:
        raise RegisterError(f"目录清单缺少必填列：{'、'.join(missing)}")
    absent = [c for c in COLUMNS if c not in frame.columns]
    out = pd.DataFrame({c: frame[c] if c in frame.columns else "" for c in COLUMNS})
    out = out.fillna("").astype(str).apply(lambda s: s.str.strip())
    out = out[out["item_code"] != ""].reset_index(drop=True)
    out["actions"] = out["actions"].str.replace("、", ";").str.replace("；", ";")
    for col in ("permit_items", "industries", "triggers"):
        out[col] = out[col].str.replace("；", ";").str.replace("、", ";")
    dupes = out["item_code"][out["item_code"].duplicated()].unique().tolist()
    if dupes:
        raise RegisterError(f"目录清单中事项编码重复：{'、'.join(dupes)}")
    empty = out.loc[out["item_name"] == "", "item_code"].tolist()
    if empty:
        raise RegisterError(f"目录清单中以下事项缺少事项名称：{'、'.join(empty)}")
    out.attrs["absent"] = absent
    return out


def load_catalog(ws: WorkspaceLike, path: str | Path | None = None) -> pd.DataFrame:
    """Replace the workspace copy of the catalogue with a file (default: the configured one).

    An edited publishable sheet (:func:`export_catalog`) lacks the internal columns ``issue``,
    ``industries`` and ``triggers``; they are kept from the current copy for the items it already has.

    Returns the catalogue now in the workspace (see :func:`catalog`).
    """
    items = read_catalog_file(path, ws)
    absent = items.attrs.get("absent", [])
    if path is not None and absent:
        # the publishable sheet leaves out internal columns (问题概述, 适用行业代码): keep the current ones
        current = ws.store.query("targeting/catalogue_items").set_index("item_code")
        for col in absent:
            if col in current.columns:
                items[col] = items["item_code"].map(current[col]).fillna("").astype(str)
    source = Path(path).name if path is not None else CATALOG_FILE
    now = dt.datetime.now().replace(microsecond=0)
    with ws.store.transaction() as con:
        con.execute(sql.load("targeting/catalogue_clear"))
        for position, row in enumerate(items.to_dict("records"), start=1):
            con.execute(
                sql.load("targeting/catalogue_insert"),
                {
                    **{k: (row[k] or None) for k in COLUMNS},
                    "position": position,
                    "loaded_from": source,
                    "loaded_at": now,
                },
            )
    return catalog(ws)


def catalog(ws: WorkspaceLike) -> pd.DataFrame:
    """The workspace's editable copy of the catalogue, seeded from the configuration when empty.

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace (its ``catalog_items`` table; seeded from ``config/catalog.csv``, the
        workspace's copy first).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS` plus ``loaded_from``, ``loaded_at`` and ``guides`` (一业一册: the
        行业合规指引 of the divisions the item covers, from ``config/industry_guides.csv``), in
        publication order.

    Examples
    --------
    >>> import tempfile
    >>> from guidance_analytics import Workspace
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> bool(catalog(ws)["item_code"].is_unique)
    True
    """
    items = ws.store.query("targeting/catalogue_items")
    if items.empty:
        items = load_catalog(ws)
    guides = industry_guides(ws)
    items["guides"] = pd.Series(
        [guide_for(guides, None, industries) for industries in items["industries"]],
        index=items.index,
        dtype="str",
    )
    return items


def industry_guides(ws: WorkspaceLike | None) -> pd.DataFrame:
    """一业一册: the industry compliance guides (行业合规指引) per GB/T 4754 division
    (``config/industry_guides.csv``, editable; a workspace copy wins): ``division``, ``title``,
    ``issuer``, ``remarks``.

    >>> industry_guides(None).set_index("division").loc["62", "title"]
    '《沂源县餐饮业合规经营指引》'
    """
    out = table(ws, "industry_guides")
    out["division"] = out["division"].str.strip().str.zfill(2)
    return out


def guide_for(guides: pd.DataFrame, industry_code: Any = None, industries: Any = None) -> str:
    """The guide titles for a business (its division) or, without one, for a matter's industries.

    >>> g = pd.DataFrame({"division": ["62", "52"], "title": ["《餐饮》", "《零售》"]})
    >>> guide_for(g, "6210"), guide_for(g, None, "512;521;62"), guide_for(g, "8930", "62"), guide_for(g, None, "")
    ('《餐饮》', '《零售》、《餐饮》', '', '')
    """
    titles = dict(zip(guides["division"], guides["title"], strict=True))
    code = _text(industry_code)
    if code:
        return str(titles.get(code[:2], ""))
    found: list[str] = []
    for prefix in _split(industries):
        title = titles.get(prefix[:2])
        if len(prefix) >= 2 and title and title not in found:
            found.append(str(title))
    return "、".join(found)


def publishable(items: pd.DataFrame) -> pd.DataFrame:
    """The catalogue in the layout published on the government website (Chinese headers)."""
    out = pd.DataFrame({"序号": range(1, len(items) + 1)})
    for col in (
        "item_code",
        "item_name",
        "actions",
        "legal_basis",
        "situations",
        "targets",
        "content",
        "unit",
    ):
        values = items[col].fillna("").astype(str).to_numpy()
        out[HEADERS[col]] = values
    out["指导方式"] = out["指导方式"].str.replace(";", "、")
    out["联系人/电话"] = [
        "/".join(x for x in (str(c or ""), str(p or "")) if x and x != "nan")
        for c, p in zip(items["contact"], items["phone"], strict=True)
    ]
    out["关联许可事项"] = items["permit_items"].fillna("").astype(str).str.replace(";", "；").to_numpy()
    if "guides" in items:
        out["行业合规指引（一业一册）"] = items["guides"].fillna("").astype(str).to_numpy()
    out["备注"] = items["remarks"].fillna("").astype(str).to_numpy()
    return out


def export_catalog(ws: WorkspaceLike, path: str | Path, *, draft: bool = False) -> Path:
    """Write the catalogue in its publishable layout (.xlsx with title rows, or .csv with BOM).

    Parameters
    ----------
    ws : WorkspaceLike
        The workspace.
    path : str or Path
        Destination ``.xlsx`` or ``.csv``.
    draft : bool
        Write even though some 联系电话 is still a placeholder, marked 草稿 (title, page header and
        file name) — for checking, never for publishing. Without it the export is refused.

    Returns
    -------
    pathlib.Path
        The path written: 序号, 事项编码, 事项名称, 指导方式, 指导依据, 适用情形, 指导对象, 指导内容,
        实施科室, 联系人/电话, 关联许可事项, 备注.

    Raises
    ------
    RegisterError
        A 联系电话 (of an item, or the fallback ``[contact] phone`` for items without one) is still a
        placeholder and ``draft`` is False; the message names each setting.
    """
    config = rules(ws, "register")
    unit = config["unit"]["name"]
    items = catalog(ws)
    pairs = list(zip(items["item_code"], items["phone"], strict=True))
    places = placeholder_contacts(config, pairs, uses_fallback=False)
    if places and not draft:
        raise RegisterError(placeholder_message("目录清单", places))
    table = publishable(items)
    widths = {"指导依据": 40, "适用情形": 40, "指导内容": 60, "事项名称": 30}
    path = Path(path)
    if draft:
        path = path.with_name(f"{path.stem}_草稿{path.suffix}")
    mark = "（草稿，联系电话待核实，不得发布）" if draft else ""
    return write_table(
        table,
        path,
        title=f"{unit}行政指导事项目录清单{mark}",
        subtitle=f"共 {len(table)} 项",
        sheet_name="目录清单",
        column_widths=widths,
        page={"orientation": "landscape", "footer": "草稿　" if draft else ""},
    )


def _split(text: Any) -> list[str]:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return []
    return [p.strip() for p in str(text).replace("；", ";").split(";") if p.strip()]


def _bigrams(text: Any) -> set[str]:
    text = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    return {
        text[i : i + 2]
        for i in range(len(text) - 1)
        if not any(c in "，。、；：（）,;:() " for c in text[i : i + 2])
    }


def covers(row: Any, industry_code: Any = None, held_permits: Any = None) -> bool:
    """Whether a catalogue item's scope covers a business (its industry and the licences it holds).

    An item restricted to industries (``industries``: GB/T 4754 code prefixes) covers only a
    business whose class code starts with one of them; a business of unknown industry is covered
    only through a licence the item names. An item that names licences (``permit_items``) does not
    cover a business whose licences are known and include none of them. An item with neither
    restriction (a general item) covers every business.

    >>> food = {"industries": "62", "permit_items": "食品经营许可"}
    >>> covers(food, "6210"), covers(food, "5124"), covers(food, "6210", ["娱乐场所经营许可"])
    (True, False, False)
    >>> covers(food, None, ["食品经营许可"]), covers({"industries": "", "permit_items": ""}, "9013")
    (True, True)
    """
    prefixes = _split(_get(row, "industries"))
    permits = _split(_get(row, "permit_items"))
    code = _text(industry_code)
    held = _permits(held_permits)
    held_match = any(_permit_fits(p, h) for p in permits for h in held)
    if prefixes:
        if code:
            if not any(code.startswith(p) for p in prefixes):
                return False
        elif not held_match:
            return False
    return not (permits and held and not held_match)


def match_item(
    items: pd.DataFrame,
    action: str,
    industry_code: Any = None,
    permit_item: Any = None,
    reasons: Any = None,
    held_permits: Any = None,
    triggers: Any = None,
) -> str | None:
    """The 事项编码 that best covers a candidate action, or ``None`` when no item fits.

    Only items whose ``actions`` include ``action``, whose scope covers the business
    (:func:`covers`: its industry, the licences it holds) and whose ``triggers`` (when set) share
    one of the candidate's ``triggers`` (the situations the action arose from) are considered;
    nothing outside an item's own scope is ever chosen. When the situations are not known (a
    hand-made list), items limited to situations rank 0.5 lower. Among those: the candidate's licence item (``permit_item``,
    e.g. the licence that expires) named by the item scores 4, the longest matching industry
    prefix scores 1 + its length / 10, a general item (no industry, no licence restriction)
    scores 0.5. The share of the candidate's ``reasons`` two-character pairs found in the item's
    name and 适用情形 adds up to 0.09 (it only breaks ties). Remaining ties go to the first item in
    catalogue order.

    >>> cat = pd.DataFrame({"item_code": ["A", "B"], "actions": ["提示提醒", "提示提醒;约谈"],
    ...                     "industries": ["62", ""], "permit_items": ["", ""]})
    >>> match_item(cat, "提示提醒", "6210"), match_item(cat, "约谈", "6210"), match_item(cat, "案件回访")
    ('A', 'B', None)
    """
    best: tuple[float, str] | None = None
    wanted = _bigrams(reasons)
    code = _text(industry_code)
    permit = _text(permit_item)
    held = _permits(held_permits)
    if permit and permit not in held:
        held.append(permit)
    situations = set(_permits(triggers))
    for row in items.to_dict("records"):
        if action not in _split(row.get("actions")) or not covers(row, code, held):
            continue
        limited = set(_split(row.get("triggers")))
        if limited and situations and not limited & situations:
            continue
        unsure = 0.5 if limited and not situations else 0.0  # needs a situation nobody stated
        prefixes = _split(row.get("industries"))
        permits = _split(row.get("permit_items"))
        score = 0.0
        if permit and any(_permit_fits(p, permit) for p in permits):
            score += 4
        hits = [len(p) for p in prefixes if code and code.startswith(p)]
        if hits:
            score += 1 + max(hits) / 10
        if not prefixes and not permits:
            score = 0.5
        score -= unsure
        if limited & situations & set(DUTY_TRIGGERS):
            score += 4
        if wanted:
            found = _bigrams(f"{row.get('item_name', '')}{row.get('situations', '')}")
            score += 0.09 * len(wanted & found) / len(wanted)
        if best is None or score > best[0]:
            best = (score, str(row["item_code"]))
    return None if best is None else best[1]


def no_item_note(action: str, industry_code: Any, industry_name: Any = None) -> str:
    """The reviewer's note when no catalogue item covers a candidate (nothing is guessed).

    >>> no_item_note("劝导警示", "6220", "快餐服务")
    '目录清单中没有覆盖本主体行业（6220 快餐服务）的「劝导警示」事项：请复核选定事项编码或先补充目录清单'
    """
    industry = " ".join(x for x in (_text(industry_code), _text(industry_name)) if x) or "行业不详"
    return f"目录清单中没有覆盖本主体行业（{industry}）的「{action}」事项：请复核选定事项编码或先补充目录清单"


def _get(row: Any, key: str) -> Any:
    return row.get(key) if isinstance(row, dict) else getattr(row, key, None)


def _text(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def _permits(value: Any) -> list[str]:
    """Licence items as a list: ``;``-joined text, a list, or nothing (None / NaN)."""
    if isinstance(value, str):
        return _split(value)
    if isinstance(value, list | tuple | set):
        return [str(v).strip() for v in value if isinstance(v, str) and v.strip()]
    return []


def _permit_fits(listed: str, held: str) -> bool:
    return bool(listed and held and (listed in held or held in listed))


# -- candidates → catalogue items ---------------------------------------------------------------
#: Accepted spellings of the catalogue columns this module reads.
_ALIASES = {
    "事项编码": "item_code",
    "事项名称": "item_name",
    "指导方式": "actions",
    "指导依据": "legal_basis",
    "关联许可事项": "permit_items",
    "适用行业": "industries",
    "适用情形": "situations",
    "适用触发情形": "triggers",
}


def catalog_items(ws: WorkspaceLike) -> pd.DataFrame:
    """The catalogue rows (snake_case columns), or an empty frame when there is none.

    The workspace copy (``catalog_items``) when it holds rows, else the packaged / overridden
    ``config/catalog.csv``.
    """
    try:
        items = ws.store.query("targeting/catalogue_items")  # the workspace copy, when it has been seeded
        if not items.empty:
            return items
        return read_catalog_file(None, ws).rename(columns=_ALIASES)
    except Exception as exc:  # the catalogue is optional for the list: never fail the list on it
        log.warning("guidance catalogue unavailable: %s", exc)
        return pd.DataFrame()


def _permit_for(row: Any) -> Any:
    """The licence a candidate's action is about: the major licence of a 回访, the expiring one of a
    reminder, else the first licence held."""
    for value in (getattr(row, "major_item", None), getattr(row, "expiring_item", None)):
        if isinstance(value, str) and value and row.action in ("案件回访", "提示提醒"):
            return value
    items = getattr(row, "permit_items", None)
    return items.split(";")[0] if isinstance(items, str) and items else None


def match_catalog(ws: WorkspaceLike, routed: pd.DataFrame) -> pd.DataFrame:
    """Add ``catalog_item``, ``catalog_name`` and ``legal_basis`` to routed candidates.

    Only an item whose scope covers the business is chosen (:func:`match_item`); where none does,
    ``catalog_item`` is NaN and ``catalog_name`` says so for the reviewer (:func:`no_item_note`).
    移送执法 rows get none: they are not guidance.
    """
    out = routed.copy()
    for col in ("catalog_item", "catalog_name", "legal_basis"):
        out[col] = pd.Series(np.nan, index=out.index, dtype="str")
    items = catalog_items(ws) if not out.empty else pd.DataFrame()
    if items.empty or "item_code" not in items.columns:
        return out
    codes = items["item_code"].astype(str)
    basis = dict(zip(codes, items.get("legal_basis", pd.Series(dtype="str")), strict=False))
    names = dict(zip(codes, items.get("item_name", pd.Series(dtype="str")), strict=False))
    picked, notes = [], []
    for row in out.itertuples(index=False):
        if row.action == "移送执法":
            picked.append(None)
            notes.append(None)
            continue
        code = match_item(
            items,
            row.action,
            row.industry,
            _permit_for(row),
            row.reasons,
            held_permits=getattr(row, "permit_items", None),
            triggers=getattr(row, "triggers", None),
        )
        picked.append(code)
        notes.append(
            names.get(code)
            if code is not None
            else no_item_note(row.action, row.industry, getattr(row, "industry_name", None))
        )
    out["catalog_item"] = pd.Series(picked, index=out.index, dtype="str")
    out["catalog_name"] = pd.Series(notes, index=out.index, dtype="str")
    out["legal_basis"] = out["catalog_item"].map(basis).astype("str")
    out.loc[out["catalog_item"].isna(), "legal_basis"] = np.nan
    return out
