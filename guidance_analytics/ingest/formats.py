"""What a file really is, from its bytes: workbook, CSV text, or something that only looks like one.

Government systems often write files that are not what their name says: an HTML or MHTML page
saved as ``.xls``, a UTF-16 web page, a password-protected workbook (an OLE container holding an
``EncryptedPackage``), a CSV renamed ``.xlsx``, a zip of several exports. :func:`sniff` tells which
and raises :class:`~guidance_analytics.InputFileError` with a Chinese message naming what the file
really is and what to do. Messages never quote the file's contents.

For ``.xlsx`` workbooks :func:`xlsx_extents` reads how far each sheet's cells really reach (the
last row, the widest column) straight from the sheet XML, without building the sheet, and
:func:`xlsx_head` reads the first rows of one sheet; together they let the reader refuse a sheet
whose cell range would not fit in memory (one cell at ``XFD1048576`` makes a 1,048,576 × 16,384
range) and choose the sheet from its first rows only.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from ..errors import InputFileError

__all__ = ["SheetExtent", "col_index", "sniff", "xlsx_extents", "xlsx_head"]

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_WORKBOOK_PARTS = ("xl/workbook.xml", "xl/workbook.bin", "content.xml")
_HTML_START = ("<html", "<!doctype html", "<table", "<meta", "<head", "<body", "<style", "<?xml", "<div")
_COMMENT = re.compile(r"^\s*<!--.*?-->", re.DOTALL)
_SPREADSHEET_ML = "urn:schemas-microsoft-com:office:spreadsheet"


def sniff(path: Path, text_extensions: tuple[str, ...], excel_extensions: tuple[str, ...]) -> str:
    """``"excel"`` or ``"text"``: how to read ``path``, decided by its bytes.

    Raises
    ------
    InputFileError
        The file is a web page (HTML, MHTML, UTF-16 HTML, Excel 2003 XML), an encrypted workbook,
        a zip archive or Word document rather than a workbook, a text file named like a workbook,
        or not readable.
    """
    name = path.name
    ext = path.suffix.lower()
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
    except OSError as exc:
        raise InputFileError(f"无法读取文件 {name}：{exc.strerror or '读取失败'}") from None
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    if head.startswith(_OLE):
        if _ENCRYPTED in _ole_directory(path, head):
            raise InputFileError(
                f"文件 {name} 有密码保护（已加密），无法读取：请在 Excel 或 WPS 中打开并取消密码"
                "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后另存为 .xlsx 再导入。"
            )
        return "excel"
    text, utf16 = _head_text(head)
    probe = text.lstrip("\ufeff \t\r\n")
    while True:  # comments before the markup
        m = _COMMENT.match(probe)
        if not m:
            break
        probe = probe[m.end() :].lstrip()
    low = probe[:4096].lower()
    if low.startswith("mime-version:") or "content-type: multipart/related" in low[:2048]:
        raise InputFileError(
            f"文件 {name} 实际是“单个文件网页”（MHTML），不是 Excel 表格：请用 Excel 打开后另存为 .xlsx 再导入。"
        )
    if low.startswith(_HTML_START) or (low.startswith("<") and re.search(r"<(html|table)\b", low)):
        if _SPREADSHEET_ML in low:
            raise InputFileError(
                f"文件 {name} 是 Excel 2003 XML 表格（XML 电子表格），不能直接读取：请用 Excel 打开后另存为 .xlsx 再导入。"
            )
        enc = "（UTF-16 编码）" if utf16 else ""
        raise InputFileError(
            f"文件 {name} 实际是网页（HTML）格式{enc}，不是 Excel 表格：请用 Excel 打开后另存为 .xlsx 再导入。"
        )
    if ext in excel_extensions and ext != ".xls":
        if _looks_like_text(head):
            raise InputFileError(
                f"文件 {name} 的扩展名是 {ext}，但内容是 CSV 或其他文本，不是 Excel 工作簿："
                "请把扩展名改为 .csv 后再导入。"
            )
        raise InputFileError(f"文件 {name} 不是有效的 Excel 工作簿（无法识别文件内容）：请重新导出为 .xlsx。")
    if ext == ".xls" and b"\x00" in head and not utf16:
        raise InputFileError(f"文件 {name} 不是有效的 Excel 工作簿（无法识别文件内容）：请重新导出为 .xlsx。")
    return "text"


def _zip_kind(path: Path) -> str:
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            parts = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputFileError(
            f"文件 {name} 是损坏或不完整的压缩文件（xlsx 也是一种压缩文件），无法读取：请重新导出。"
        ) from None
    if any(p in parts for p in _WORKBOOK_PARTS):
        return "excel"
    if "word/document.xml" in parts:
        raise InputFileError(f"文件 {name} 是 Word 文档，不是 Excel 表格：请导入表格文件（.xlsx 或 .csv）。")
    shown = "、".join(p for p in parts[:5] if not p.endswith("/"))
    more = f"等 {len(parts)} 个文件" if len(parts) > 5 else ""
    raise InputFileError(
        f"文件 {name} 是 ZIP 压缩包（内含 {shown}{more}），不是 Excel 工作簿：请解压后导入其中的表格文件。"
    )


def _ole_directory(path: Path, head: bytes) -> bytes:
    """Enough of an OLE compound file to find its stream names (they sit in directory sectors)."""
    if _ENCRYPTED in head:
        return head
    try:
        with path.open("rb") as fh:
            return fh.read(1 << 22)
    except OSError:
        return head


def _head_text(head: bytes) -> tuple[str, bool]:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="ignore"), True
    if len(head) > 8 and head[1:8:2] == b"\x00\x00\x00\x00" and head[0:1] == b"<":  # UTF-16 LE, no BOM
        return head.decode("utf-16-le", errors="ignore"), True
    return head.decode("utf-8", errors="ignore"), False


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if b"\x00" in head:
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            return True
        except UnicodeDecodeError as exc:
            if exc.start > len(head) - 4:  # a character cut at the end of the sample
                return True
    return False


# -- xlsx extents ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SheetExtent:
    """How far one sheet's cells reach: ``rows`` (last row number), ``cols`` (widest column) and the
    reference of a far cell (e.g. ``XFD1048576``) when there is one."""

    name: str
    part: str
    rows: int
    cols: int
    far_cell: str | None

    @property
    def cells(self) -> int:
        return self.rows * self.cols


_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
#: a cell in column AA or beyond (a sheet of up to 26 columns never matches): a cheap search
_WIDE_ANY = re.compile(rb'r="[A-Z]{2}')
_WIDE_REF = re.compile(rb'\br="([A-Z]{2,3})(\d+)"')


def col_index(letters: str) -> int:
    """1-based column number of Excel column letters (``A`` → 1, ``XFD`` → 16384)."""
    out = 0
    for ch in letters:
        out = out * 26 + (ord(ch) - 64)
    return out


def _sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip part of its XML) in workbook order."""
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target", "") for r in rels}
    out = []
    for sheet in book.iter():
        if not sheet.tag.endswith("}sheet") and sheet.tag != "sheet":
            continue
        part = target.get(sheet.get(_REL_NS), "")
        part = part.lstrip("/") if part.startswith("/") else "xl/" + part
        out.append((sheet.get("name", ""), part))
    return out


def xlsx_extents(path: Path) -> dict[str, SheetExtent]:
    """Sheet name → its real extent, read from the sheet XML in 1 MiB chunks (nothing is built).

    Returns an empty dict when the workbook's parts cannot be found (the reader then relies on
    calamine's own checks).
    """
    out: dict[str, SheetExtent] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for name, part in _sheet_parts(zf):
                if part not in zf.namelist():
                    continue
                out[name] = _extent(zf, name, part)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return {}
    return out


def _extent(zf: zipfile.ZipFile, name: str, part: str) -> SheetExtent:
    rows = 0
    cols = 26
    far: str | None = None
    tail = b""
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            data = tail + chunk
            wide = _WIDE_REF.finditer(data) if _WIDE_ANY.search(data) else ()
            for m in wide:
                c = col_index(m.group(1).decode())
                if c > cols:
                    cols, far = c, (m.group(1) + m.group(2)).decode()
                rows = max(rows, int(m.group(2)))
            found = _ROW_REF.findall(data[-(1 << 16) :])
            if found:
                rows = max(rows, int(found[-1]))
            tail = data[-64:]
    if far is not None and col_index("".join(ch for ch in far if ch.isalpha())) <= 26:
        far = None
    return SheetExtent(name=name, part=part, rows=rows, cols=cols, far_cell=far)


def xlsx_head(path: Path, sheet: str, n: int) -> list[list[str]]:
    """The first ``n`` rows of one sheet as text (shared and inline strings, raw numbers), read from
    the start of its XML only. Used to choose a sheet and to report labels of a sheet too large
    to load; cell positions are the sheet's own columns."""
    with zipfile.ZipFile(path) as zf:
        parts = dict(_sheet_parts(zf))
        part = parts.get(sheet)
        if part is None:
            return []
        rows: list[tuple[int, dict[int, tuple[str, str]]]] = []
        with zf.open(part) as fh:
            parser = ElementTree.XMLPullParser(events=("end",))
            current: dict[int, tuple[str, str]] = {}
            done = False
            while not done:
                chunk = fh.read(1 << 16)
                if not chunk:
                    break
                parser.feed(chunk)
                for _event, elem in parser.read_events():
                    tag = elem.tag.rsplit("}", 1)[-1]
                    if tag == "c":
                        ref = elem.get("r", "")
                        letters = "".join(ch for ch in ref if ch.isalpha())
                        col = col_index(letters) - 1 if letters else len(current)
                        kind = elem.get("t", "n")
                        if kind == "inlineStr":
                            text = "".join(t.text or "" for t in elem.iter() if t.tag.endswith("}t"))
                        else:
                            v = next((c for c in elem if c.tag.endswith("}v")), None)
                            text = v.text if v is not None and v.text else ""
                        current[col] = (kind, text)
                        elem.clear()
                    elif tag == "row":
                        rows.append((int(elem.get("r", len(rows) + 1)), current))
                        current = {}
                        elem.clear()
                        if len(rows) >= n:
                            done = True
                            break
        wanted = {int(t) for _r, cells in rows for k, t in cells.values() if k == "s" and t.isdigit()}
        strings = _shared_strings(zf, max(wanted) if wanted else -1)
    out: list[list[str]] = []
    for number, cells in rows:
        if number > n:
            break
        while len(out) < number - 1:
            out.append([])
        width = max(cells) + 1 if cells else 0
        row = [""] * width
        for col, (kind, text) in cells.items():
            row[col] = (
                strings[int(text)] if kind == "s" and text.isdigit() and int(text) < len(strings) else text
            )
        out.append(row)
    return out[:n]


def _shared_strings(zf: zipfile.ZipFile, last: int) -> list[str]:
    """Shared strings up to index ``last`` (read incrementally; the rest of the table is skipped)."""
    if last < 0 or "xl/sharedStrings.xml" not in zf.namelist():
        return []
    out: list[str] = []
    with zf.open("xl/sharedStrings.xml") as fh:
        parser = ElementTree.XMLPullParser(events=("end",))
        while len(out) <= last:
            chunk = fh.read(1 << 16)
            if not chunk:
                break
            parser.feed(chunk)
            for _event, elem in parser.read_events():
                if elem.tag.rsplit("}", 1)[-1] == "si":
                    out.append("".join(t.text or "" for t in elem.iter() if t.tag.endswith("}t")))
                    elem.clear()
    return out
