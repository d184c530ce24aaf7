"""Builders of small hostile input files, all made in code (nothing is read from the package).

Every builder writes one file and returns its path. Rows are lists of cell strings under the
headers below, which are the labels of real exports (see ``/work/shared/domain/README.md`` and
``guidance_analytics/schema.py``).
"""

from __future__ import annotations

import codecs
import csv
import io
import quopri
import struct
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

COMPLAINT_HEADER = [
    "工单编号",
    "受理时间",
    "受理渠道",
    "诉求类型",
    "事项分类",
    "诉求标题",
    "诉求内容",
    "被反映对象",
    "事发地址",
    "所属乡镇",
    "承办单位",
    "办结时间",
    "办理结果",
    "是否属实",
    "满意度",
]
PERMIT_HEADER = [
    "行政相对人名称",
    "行政相对人类别",
    "行政相对人代码_1（统一社会信用代码）",
    "法定代表人",
    "行政许可决定文书名称",
    "行政许可决定文书号",
    "许可类别",
    "许可证书名称",
    "许可编号",
    "许可内容",
    "许可决定日期",
    "有效期自",
    "有效期至",
    "许可机关",
    "当前状态",
    "经营地址",
    "所属乡镇（街道）",
    "行业代码",
]
PENALTY_HEADER = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "处罚决定日期",
    "处罚机关",
    "数据来源单位",
    "经营地址",
    "所属乡镇",
]
INSPECTION_HEADER = [
    "检查编号",
    "检查日期",
    "行政相对人名称",
    "统一社会信用代码",
    "检查类型",
    "检查结果",
    "发现问题",
    "检查人员",
    "经营地址",
    "所属乡镇",
]
TOWNS = [
    "历山街道",
    "南麻街道",
    "鲁村镇",
    "东里镇",
    "悦庄镇",
    "西里镇",
    "大张庄镇",
    "中庄镇",
    "张家坡镇",
    "燕崖镇",
    "石桥镇",
    "南鲁山镇",
]
SHOPS = ["饭店", "超市", "药店", "宾馆", "浴池", "网吧", "小吃店", "诊所"]

# -- credit codes -------------------------------------------------------------------------------
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def uscc(n: int, prefix: str = "91", region: str = "370323") -> str:
    """A well-formed credit code with a correct check character (GB 32100), numbered ``n``."""
    body = f"{prefix}{region}MA{n:07d}"[:17]
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


# -- rows ---------------------------------------------------------------------------------------
def complaint_cells(i: int) -> dict[str, str]:
    """One plausible 12345 work order, by header label."""
    return {
        "工单编号": f"GD2024{i:06d}",
        "受理时间": f"2024-03-{1 + i % 27:02d} 14:23:11",
        "受理渠道": "电话",
        "诉求类型": "投诉",
        "事项分类": "市场监管/食品安全/餐饮服务",
        "诉求标题": "反映饭店卫生问题",
        "诉求内容": f"沂源县历山街道健康路{i}号饭店店内卫生脏乱差，请核查处理。",
        "被反映对象": f"沂源县历山街道健康路{i}号饭店",
        "事发地址": f"沂源县历山街道健康路{i}号",
        "所属乡镇": "历山街道",
        "承办单位": "沂源县市场监督管理局",
        "办结时间": f"2024/4/{1 + i % 27} 9:10",
        "办理结果": "经现场核查，反映情况属实，已责令整改。",
        "是否属实": "属实",
        "满意度": "满意",
    }


def complaint_row(i: int, header: Sequence[str] = COMPLAINT_HEADER, **over: str) -> list[str]:
    """One work order as a row under ``header``; ``over`` replaces cells by header label."""
    return row_for(header, complaint_cells(i), **over)


def row_for(header: Sequence[str], base: dict[str, str], **over: str) -> list[str]:
    cells = dict(base)
    cells.update(over)
    return [cells.get(h, "") for h in header]


def permit_cells(i: int) -> dict[str, str]:
    return {
        "行政相对人名称": f"沂源县{TOWNS[i % 12]}{i:04d}号{SHOPS[i % 8]}",
        "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1（统一社会信用代码）": uscc(i),
        "法定代表人": "王某某",
        "行政许可决定文书名称": "食品经营许可决定书",
        "行政许可决定文书号": f"源审批食〔2024〕{i}号",
        "许可类别": "普通",
        "许可证书名称": "食品经营许可证",
        "许可编号": f"JY13703230{i:06d}",
        "许可内容": "热食类食品制售",
        "许可决定日期": "2024-03-05",
        "有效期自": "2024-03-05",
        "有效期至": "2029-03-04",
        "许可机关": "沂源县行政审批服务局",
        "当前状态": "正常",
        "经营地址": f"沂源县{TOWNS[i % 12]}健康路{i}号",
        "所属乡镇（街道）": TOWNS[i % 12],
        "行业代码": "6210",
    }


def penalty_cells(i: int) -> dict[str, str]:
    return {
        "行政相对人名称": f"沂源县历山街道{i:04d}号饭店",
        "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": uscc(i),
        "行政处罚决定书文号": f"源市监罚〔2024〕{i}号",
        "违法行为类型": "食品安全",
        "违法事实": "经营超过保质期的食品",
        "处罚依据": "《中华人民共和国食品安全法》第一百二十四条",
        "处罚类别": "警告；罚款",
        "处罚内容": "警告并处罚款",
        "罚款金额（万元）": "0.500000",
        "处罚决定日期": "2024-05-06",
        "处罚机关": "沂源县市场监督管理局",
        "数据来源单位": "沂源县市场监督管理局",
        "经营地址": f"沂源县历山街道健康路{i}号",
        "所属乡镇": "历山街道",
    }


def inspection_cells(i: int) -> dict[str, str]:
    return {
        "检查编号": f"JC2024{i:05d}",
        "检查日期": "2024-06-07",
        "行政相对人名称": f"沂源县历山街道{i:04d}号饭店",
        "统一社会信用代码": uscc(i),
        "检查类型": "双随机抽查",
        "检查结果": "责令限期整改",
        "发现问题": "后厨卫生不达标",
        "检查人员": "执法人员甲、执法人员乙",
        "经营地址": f"沂源县历山街道健康路{i}号",
        "所属乡镇": "历山街道",
    }


# -- text files ---------------------------------------------------------------------------------
def csv_lines(header: Sequence[str], rows: Iterable[Sequence[str]], title: str | None = None) -> list[str]:
    """Properly quoted CSV lines (with line ends) for ``header`` and ``rows``."""
    buf = io.StringIO()
    if title:
        buf.write(title + "\r\n")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().splitlines(keepends=True)


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    encoding: str = "utf-8",
    title: str | None = None,
) -> Path:
    return write_lines(path, csv_lines(header, rows, title), encoding)


def write_lines(path: Path, lines: Iterable[str | bytes], encoding: str = "utf-8") -> Path:
    """Write text lines (encoded with ``encoding``) or raw byte lines as they are."""
    with path.open("wb") as fh:
        for line in lines:
            fh.write(line if isinstance(line, bytes) else line.encode(encoding))
    return path


def plain_join(cells: Sequence[str]) -> str:
    """A CSV line joined with commas and no quoting at all (hostile: quotes stay as typed)."""
    return ",".join(cells) + "\r\n"


# -- mojibake -----------------------------------------------------------------------------------
_PAD = "的一是在了有和人这中大为上个国我以要他时来用们生到作地于出就年"


def gb18030_valid_utf8(text: str) -> str:
    """``text`` padded (with common characters) until its UTF-8 bytes decode as GB18030 without
    error, i.e. a cell that turns into plausible-looking mojibake instead of a decoding error."""
    for extra in [""] + list(_PAD) + [a + b for a in _PAD for b in _PAD]:
        candidate = text + extra
        try:
            candidate.encode("utf-8").decode("gb18030")
        except UnicodeDecodeError:
            continue
        return candidate
    raise ValueError(f"no GB18030-valid padding for {text!r}")


# -- spreadsheets -------------------------------------------------------------------------------
def col_letter(j: int) -> str:
    """0-based column index → Excel letters (0 → A, 16383 → XFD)."""
    out = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        out = chr(65 + rem) + out
    return out


_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}"
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_SHEET_CT = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="1"><xf/></cellXfs>'
    "</styleSheet>"
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


class _Strings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.count = 0

    def ref(self, text: str) -> int:
        self.count += 1
        idx = self.index.get(text)
        if idx is None:
            idx = self.index[text] = len(self.index)
        return idx

    def xml(self) -> str:
        items = "".join(f'<si><t xml:space="preserve">{escape(t)}</t></si>' for t in self.index)
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {_NS} count="{self.count}" '
            f'uniqueCount="{len(self.index)}">{items}</sst>'
        )


def _sheet_rows_xml(rows: Iterable[Sequence[object]], strings: _Strings, first_row: int = 1) -> Iterable[str]:
    for i, row in enumerate(rows, start=first_row):
        cells = []
        for j, value in enumerate(row):
            if value is None or value == "":
                continue
            ref = f"{col_letter(j)}{i}"
            if isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="s"><v>{strings.ref(str(value))}</v></c>')
        yield f'<row r="{i}">{"".join(cells)}</row>'


def write_xlsx(
    path: Path,
    sheets: dict[str, Iterable[Sequence[object]]],
    far_cells: dict[str, list[tuple[str, str]]] | None = None,
    dimension: dict[str, str] | None = None,
) -> Path:
    """A minimal xlsx (shared strings), rows streamed into the zip.

    ``far_cells`` adds cells by reference after the rows of a sheet (e.g. ``[("XFD1048576", "x")]``);
    ``dimension`` declares a ``<dimension ref=…>`` per sheet (hostile: a range far beyond the data).
    """
    far_cells = far_cells or {}
    dimension = dimension or {}
    strings = _Strings()
    names = list(sheets)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr(
            "[Content_Types].xml",
            _CT.format(sheets="".join(_SHEET_CT.format(n=n) for n in range(1, len(names) + 1))),
        )
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr(
            "xl/workbook.xml",
            (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} {_RNS}><sheets>'
                + "".join(
                    f'<sheet name="{escape(nm)}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, nm in enumerate(names, 1)
                )
                + "</sheets></workbook>"
            ),
        )
        rels = "".join(
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(names) + 1)
        )
        n_sheets = len(names)
        rels += (
            f'<Relationship Id="rId{n_sheets + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId{n_sheets + 2}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/styles" Target="styles.xml"/>'
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
                "</Relationships>"
            ),
        )
        for n, name in enumerate(names, 1):
            with zf.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as fh:
                dim = f'<dimension ref="{dimension[name]}"/>' if name in dimension else ""
                fh.write(
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>{dim}'
                    "<sheetData>".encode()
                )
                chunk: list[str] = []
                for row_xml in _sheet_rows_xml(sheets[name], strings):
                    chunk.append(row_xml)
                    if len(chunk) >= 2000:
                        fh.write("".join(chunk).encode())
                        chunk = []
                fh.write("".join(chunk).encode())
                for ref, value in far_cells.get(name, []):
                    row = "".join(ch for ch in ref if ch.isdigit())
                    fh.write(
                        f'<row r="{row}"><c r="{ref}" t="s"><v>{strings.ref(value)}</v></c></row>'.encode()
                    )
                fh.write(b"</sheetData></worksheet>")
        zf.writestr("xl/sharedStrings.xml", strings.xml())
        zf.writestr("xl/styles.xml", _STYLES)
    return path


# -- things that are not what their name says ----------------------------------------------------
def html_table(header: Sequence[str], rows: Sequence[Sequence[str]], charset: str = "utf-8") -> str:
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in [header, *rows])
    return (
        f'<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        f'xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="{charset}">'
        f"</head><body><table border=1>{body}</table></body></html>"
    )


def write_html_xls(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    prefix: str = "",
    encoding: str = "utf-8",
) -> Path:
    """An HTML table saved as .xls (what many government systems call an Excel export)."""
    text = prefix + html_table(header, rows, "utf-16" if encoding.startswith("utf-16") else encoding)
    data = text.encode(encoding)
    if encoding == "utf-16-le":
        data = codecs.BOM_UTF16_LE + data
    path.write_bytes(data)
    return path


def write_mhtml_xls(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    """A 'single file web page' (MHTML) saved as .xls, as Excel and WPS write it."""
    html = quopri.encodestring(html_table(header, rows, "gb2312").encode("gb18030")).decode("ascii")
    text = (
        "MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\n"
        'Content-Type: multipart/related; boundary="----=_NextPart_01DA0000.12345678"\r\n\r\n'
        "此文档为“单个文件网页”，也称为“Web 档案”文件。\r\n\r\n"
        "------=_NextPart_01DA0000.12345678\r\n"
        "Content-Location: file:///C:/0000/export.htm\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        'Content-Type: text/html; charset="gb2312"\r\n\r\n'
        f"{html}\r\n------=_NextPart_01DA0000.12345678--\r\n"
    )
    path.write_bytes(text.encode("gb18030"))
    return path


def write_encrypted_stub(path: Path) -> Path:
    """An OLE compound file (CFB v3) holding ``EncryptionInfo`` and ``EncryptedPackage`` streams:
    the container Excel writes for a password-protected .xlsx (contents are filler)."""
    sector = 512
    info = (struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>').ljust(4096, b"\0")
    package = (struct.pack("<Q", 1234) + bytes(range(256)) * 15).ljust(4096, b"\0")[:4096]
    end, free, fat_sect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    # sector 0: FAT, 1: directory, 2-9: EncryptionInfo, 10-17: EncryptedPackage
    fat = [fat_sect, end] + list(range(3, 10)) + [end] + list(range(11, 18)) + [end]
    fat += [free] * (sector // 4 - len(fat))
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<I", header, 76, 0)
    for k in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * k, free)

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        raw[0 : len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 64, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 68, left, right, child)
        struct.pack_into("<II", raw, 116, start, size)
        return bytes(raw)

    nostream = 0xFFFFFFFF
    directory = (
        entry("Root Entry", 5, nostream, nostream, 1, end, 0)
        + entry("EncryptionInfo", 2, nostream, 2, nostream, 2, len(info))
        + entry("EncryptedPackage", 2, nostream, nostream, nostream, 10, len(package))
        + entry("", 0, nostream, nostream, nostream, 0, 0)
    )
    path.write_bytes(bytes(header) + struct.pack(f"<{len(fat)}I", *fat) + directory + info + package)
    return path


def write_plain_zip(path: Path) -> Path:
    """A zip archive (an export bundle) named like a workbook."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("说明.txt", "本压缩包含导出的工单数据。")
        zf.writestr("工单.csv", ",".join(COMPLAINT_HEADER) + "\r\n")
    return path


# -- bulk ---------------------------------------------------------------------------------------
def bulk_complaints(
    path: Path,
    rows: int,
    *,
    encoding: str = "gb18030",
    reject_all: bool = False,
    seed: int = 1,
    start: int = 0,
    chunk: int = 100_000,
) -> Path:
    """``rows`` synthetic work orders in chunks (title row, then header); with ``reject_all`` every
    row has an unknown 诉求类型 and so must be rejected."""
    rng = np.random.default_rng(seed)
    with path.open("w", encoding=encoding, newline="") as fh:
        fh.write("沂源县12345政务服务便民热线工单导出\r\n")
        fh.write(",".join(COMPLAINT_HEADER) + "\r\n")
        for lo in range(0, rows, chunk):
            n = min(chunk, rows - lo)
            frame = complaints_frame(rng, start + lo, n, reject_all)
            frame.to_csv(fh, header=False, index=False, lineterminator="\r\n")
    return path


def complaints_frame(
    rng: np.random.Generator, start: int, n: int, reject_all: bool = False, names: np.ndarray | None = None
) -> pd.DataFrame:
    received = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365 * 86400, n), unit="s")
    closed = received + pd.to_timedelta(rng.integers(3600, 20 * 86400, n), unit="s")
    town = rng.choice(TOWNS, n)
    if names is None:
        shop = rng.choice(SHOPS, n)
        names = np.char.add(
            np.char.add("沂源县", town), np.char.add(np.char.mod("%04d号", rng.integers(0, 3000, n)), shop)
        )
    kinds = np.full(n, "其它类") if reject_all else rng.choice(["投诉", "举报", "咨询", "建议", "求助"], n)
    return pd.DataFrame(
        {
            "工单编号": np.char.mod("GD%010d", np.arange(start, start + n)),
            "受理时间": received.strftime("%Y-%m-%d %H:%M:%S"),
            "受理渠道": rng.choice(["电话", "网站", "微信"], n),
            "诉求类型": kinds,
            "事项分类": rng.choice(["市场监管/食品安全/餐饮服务", "市场监管/药品安全", "城市管理/噪音"], n),
            "诉求标题": "反映经营问题",
            "诉求内容": np.char.add(names, "卫生条件差，请核查处理"),
            "被反映对象": names,
            "事发地址": np.char.add(town, "某路"),
            "所属乡镇": town,
            "承办单位": "沂源县市场监督管理局",
            "办结时间": closed.strftime("%Y/%m/%d %H:%M"),
            "办理结果": "已转办核实",
            "是否属实": rng.choice(["属实", "部分属实", "不属实", "无法核实"], n),
            "满意度": rng.choice(["满意", "基本满意", "不满意"], n),
        }
    )
