"""python-docx helpers for the bureau's printed forms: page, fonts, titles, form tables.

East-Asian fonts are written explicitly (``w:eastAsia`` on ``w:rFonts``, plus ``w:hint``) on the
styles *and* on every run, so Word, WPS and LibreOffice do not fall back to a Latin font for the
Chinese text. Page: A4, margins a little narrower than GB/T 9704 so that a typical form fits one page.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from docx import Document
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ..core import atomic_write

#: Chinese font sizes in points
SIZES = {"二号": 22.0, "三号": 16.0, "小三": 15.0, "四号": 14.0, "小四": 12.0, "五号": 10.5}
ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}
WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def set_fonts(
    target: Any, east_asia: str, latin: str, size: float | None = None, bold: bool | None = None
) -> None:
    """Set Latin and East-Asian font (and size/bold) on a run or a style."""
    font = target.font
    font.name = latin
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = target.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:hint"), "eastAsia")


class Form:
    """A document being written with the bureau's fonts."""

    def __init__(self, fonts: dict[str, str]) -> None:
        self.fonts = fonts
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        for name in ("Normal", "Table Grid"):
            style = self.doc.styles[name]
            body = fonts["table"] if name == "Table Grid" else fonts["body"]
            set_fonts(style, body, fonts["latin"], SIZES["三号"] if name == "Normal" else SIZES["四号"])
        self._document_defaults(fonts)
        normal = self.doc.styles["Normal"].paragraph_format
        normal.space_before, normal.space_after = Pt(0), Pt(0)
        normal.line_spacing = Pt(26)

    def _document_defaults(self, fonts: dict[str, str]) -> None:
        """Replace the template's theme fonts (which win over explicit names) in w:docDefaults."""
        rfonts = self.doc.styles.element.find(
            qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr") + "/" + qn("w:rFonts")
        )
        if rfonts is None:
            return
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(attr), None)
        for attr in ("w:ascii", "w:hAnsi", "w:cs"):
            rfonts.set(qn(attr), fonts["latin"])
        rfonts.set(qn("w:eastAsia"), fonts["body"])
        lang = rfonts.getparent().find(qn("w:lang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")

    @property
    def text_width(self) -> float:
        """Usable width in cm."""
        return 21.0 - 2.8 - 2.6

    def para(
        self,
        text: str = "",
        *,
        align: str = "justify",
        indent: bool = False,
        font: str | None = None,
        size: str = "三号",
        bold: bool = False,
        right_indent_cm: float = 0.0,
        space_before: float = 0.0,
    ) -> Any:
        """Add a paragraph with one run in the given font (``body`` unless named)."""
        p = self.doc.add_paragraph()
        p.alignment = ALIGN[align]
        fmt = p.paragraph_format
        if indent:
            fmt.first_line_indent = Pt(SIZES[size] * 2)
        if right_indent_cm:
            fmt.right_indent = Cm(right_indent_cm)
        if space_before:
            fmt.space_before = Pt(space_before)
        self.run(p, text, font=font, size=size, bold=bold)
        return p

    def run(
        self,
        paragraph: Any,
        text: str,
        *,
        font: str | None = None,
        size: str = "三号",
        bold: bool = False,
        underline: bool = False,
    ) -> Any:
        run = paragraph.add_run()
        for i, part in enumerate(xml_text(text).split("-")):
            if i:  # a hyphen that never breaks the line (phone numbers, codes)
                run._r.append(OxmlElement("w:noBreakHyphen"))
            if part:
                run._r.add_t(part)
        set_fonts(run, self.fonts[font or "body"], self.fonts["latin"], SIZES[size], bold)
        if underline:
            run.font.underline = True
        return run

    def title(self, unit: str, form_name: str) -> None:
        """The two title lines: the bureau's name and the form name (方正小标宋 二号, centred)."""
        for text in (unit, form_name):
            p = self.para(text, align="center", font="title", size="二号")
            p.paragraph_format.line_spacing = Pt(32)

    def number_line(self, doc_no: str) -> None:
        """The filled ``____年第____号`` line."""
        self.para(doc_no, align="center", space_before=6)

    def table(self, rows: int, widths_cm: list[float]) -> Any:
        table = self.doc.add_table(rows=rows, cols=len(widths_cm))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for column, width in zip(table.columns, widths_cm, strict=True):
            column.width = Cm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths_cm, strict=True):
                cell.width = Cm(width)
        return table

    def cell(
        self,
        cell: Any,
        lines: list[str],
        *,
        bold_first: bool = False,
        align: str = "left",
        size: str = "四号",
    ) -> None:
        """Fill a table cell with lines of text (table font)."""
        for run in list(cell.paragraphs[0].runs):
            run._r.getparent().remove(run._r)
        cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER if align == "center" else WD_ALIGN_VERTICAL.TOP
        for i, line in enumerate(lines):
            p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            p.alignment = ALIGN[align]
            p.paragraph_format.line_spacing = Pt(22)
            self.run(p, line, font="table", size=size, bold=bold_first and i == 0)

    def cell_line(self, cell: Any, text: str, *, size: str = "四号", align: str = "left") -> None:
        """Add one more line (paragraph) to a filled table cell."""
        p = cell.add_paragraph()
        p.alignment = ALIGN[align]
        p.paragraph_format.line_spacing = Pt(22)
        self.run(p, text, font="table", size=size)

    @staticmethod
    def min_height(row: Any, cm: float) -> None:
        row.height = Cm(cm)

    def all_text(self) -> str:
        """Every text of the document (paragraphs, table cells, headers), for checks before saving."""
        parts = [p.text for p in self.doc.paragraphs]
        for table in self.doc.tables:
            for row in table.rows:
                parts.extend(cell.text for cell in row.cells)
        for section in self.doc.sections:
            parts.extend(p.text for p in section.header.paragraphs)
        return "\n".join(parts)

    def watermark(self, text: str) -> None:
        """Mark every page as a draft: a large grey diagonal ``text`` behind the page (the VML
        watermark Word writes, which Word, WPS and LibreOffice show) and a header line."""
        for section in self.doc.sections:
            header = section.header
            header.is_linked_to_previous = False
            p = header.paragraphs[0]
            p.alignment = ALIGN["center"]
            self.run(p, f"{text}——仅供内部核对，不得发送", font="table", size="五号")
            run = p.add_run()
            run._r.append(parse_xml(_WATERMARK.format(text=xml_text(text), font=self.fonts["table"])))

    def save(self, path: Any) -> None:
        """Write the document under a temporary name, renamed once complete (never half a .docx)."""
        self.doc.core_properties.author = "guidance-analytics"
        with atomic_write(path) as tmp:
            self.doc.save(str(tmp))


_WATERMARK = (
    '<w:pict xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">'
    '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
    'path="m@7,l@8,m@5,21600l@6,21600e"><v:formulas><v:f eqn="sum #0 0 10800"/>'
    '<v:f eqn="prod #0 2 1"/><v:f eqn="sum 21600 0 @1"/><v:f eqn="sum 0 0 @2"/>'
    '<v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/><v:f eqn="if @0 21600 @1"/>'
    '<v:f eqn="if @0 0 @2"/><v:f eqn="if @0 @4 21600"/><v:f eqn="mid @5 @6"/>'
    '<v:f eqn="mid @8 @5"/><v:f eqn="mid @7 @8"/><v:f eqn="mid @6 @7"/><v:f eqn="sum @6 0 @5"/>'
    '</v:formulas><v:path textpathok="t" o:connecttype="custom" '
    'o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" o:connectangles="270,180,90,0"/>'
    '<v:textpath on="t" fitshape="t"/><v:handles><v:h position="#0,bottomRight" xrange="6629,14971"/>'
    '</v:handles><o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>'
    '<v:shape id="DraftWatermark" o:spid="_x0000_s2049" type="#_x0000_t136" '
    'style="position:absolute;margin-left:0;margin-top:0;width:360pt;height:180pt;rotation:315;'
    "z-index:-251657216;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
    'mso-position-vertical:center;mso-position-vertical-relative:margin" fillcolor="#c0c0c0" '
    'stroked="f"><v:fill opacity=".5"/><v:textpath style="font-family:&quot;{font}&quot;;font-size:1pt" '
    'string="{text}"/></v:shape></w:pict>'
)

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: Any) -> str:
    """``text`` without the characters XML 1.0 cannot hold; tabs and line ends become spaces."""
    return _NOT_XML.sub("", re.sub(r"[\t\r\n]+", " ", str(text)))


def safe_filename(text: Any, max_chars: int = 40) -> str:
    """A file-name fragment safe on Windows, macOS and Linux whatever ``text`` contains.

    Removes path separators, control and format characters, the characters Windows forbids,
    leading/trailing dots and spaces; shortens to ``max_chars`` characters; never returns a
    reserved device name (CON, NUL, COM1 …) or an empty string.

    >>> safe_filename("../../etc/passwd")
    'etc_passwd'
    >>> safe_filename("CON")
    '_CON'
    """
    value = unicodedata.normalize("NFKC", str(text if text is not None else ""))
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")
    value = re.sub(r'[<>:"/\\|?*\x00-\x1f]+', "_", value)
    value = re.sub(r"\s+", " ", value).strip(" ._")
    value = re.sub(r"_+", "_", value)
    value = value[:max_chars].strip(" ._")
    if not value:
        value = "未命名"
    if value.split(".")[0].upper() in WINDOWS_RESERVED:
        value = "_" + value
    return value
