"""The five record kinds: canonical columns, header aliases, enumerations, required fields.

Headers are matched by label, never by position. A header is first normalised with
:func:`header_key` (NFKC, no spaces, no ``*`` required-markers, lower case, ASCII brackets), then
looked up in the kind's alias table. Both 双公示 generations (current and the 2015–16 legacy one),
common 12345 hotline variants and the canonical snake_case names are accepted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

KINDS = ("permits", "complaints", "inspections", "penalties", "credit_classes")


def header_key(label: object) -> str:
    """Normalise a header label for alias lookup."""
    text = unicodedata.normalize("NFKC", str(label))
    text = re.sub(r"[\s*＊:：]", "", text)
    return text.lower()


@dataclass(frozen=True)
class Column:
    """One canonical column of a record kind.

    ``aliases`` are header labels (any spelling; normalised by :func:`header_key`). ``scale``
    multiplies numeric values read under a given alias (万元 → 元). ``label`` is the official
    Chinese column name used in reasons and exports.
    """

    name: str
    label: str
    aliases: tuple[str, ...] = ()
    dtype: str = "text"  # text | date | datetime | amount | int | enum
    required: bool = False
    enum: str | None = None
    scale: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    """A record kind: its table, natural key and columns."""

    name: str
    label: str
    key: tuple[str, ...]  # canonical key column, then fallbacks
    columns: tuple[Column, ...]
    #: headers that identify the kind when found (used to recognise a wrong-kind file)
    signature: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


# Personal data: columns dropped at read, never stored, never in rejects files.
PERSONAL_HEADERS = tuple(
    header_key(h)
    for h in (
        "来电人",
        "来电人姓名",
        "诉求人",
        "诉求人姓名",
        "反映人",
        "联系人",
        "联系人姓名",
        "姓名",
        "市民姓名",
        "来电号码",
        "联系电话",
        "联系方式",
        "手机号码",
        "手机号",
        "电话",
        "来电人电话",
        "诉求人电话",
        "caller_name",
        "caller_phone",
        "phone",
        "身份证号",
        "身份证号码",
        "证件号码",
        "法定代表人证件号码",
        "法定代表人证件类型",
        "证件类型",
        "居民身份证号",
        "行政相对人代码_5(居民身份证号)",
        "id_number",
    )
)

_SUBJECT = Column(
    "subject_type",
    "行政相对人类别",
    ("行政相对人类别", "相对人类别", "主体类别", "subject_type"),
    dtype="enum",
    enum="subject_type",
)
_NAME = Column(
    "name",
    "行政相对人名称",
    (
        "行政相对人名称",
        "相对人名称",
        "单位名称",
        "企业名称",
        "经营者名称",
        "被检查单位",
        "检查对象",
        "被处罚单位",
        "当事人",
        "name",
    ),
    required=True,
)
_USCC = Column(
    "uscc",
    "统一社会信用代码",
    (
        "行政相对人代码_1(统一社会信用代码)",
        "行政相对人代码_1",
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "uscc",
    ),
)
_LEGAL_REP = Column("legal_rep", "法定代表人", ("法定代表人", "法定代表人姓名", "负责人", "legal_rep"))
_ADDRESS = Column("address", "经营地址", ("经营地址", "经营场所", "住所", "地址", "address"))
_TOWNSHIP = Column(
    "township",
    "所属乡镇（街道）",
    ("所属乡镇(街道)", "所属乡镇", "所属镇街", "乡镇街道", "所属街道", "乡镇", "township"),
)
_INDUSTRY = Column(
    "industry_code", "行业代码", ("行业代码", "行业", "国民经济行业代码", "行业类别代码", "industry_code")
)

PERMITS = Kind(
    name="permits",
    label="行政许可",
    key=("permit_no", "decision_doc_no"),
    signature=("许可决定日期", "许可证书名称", "许可编号", "许可类别", "审批类别", "许可截止期"),
    columns=(
        _NAME,
        _SUBJECT,
        _USCC,
        _LEGAL_REP,
        Column("decision_doc_name", "行政许可决定文书名称", ("行政许可决定文书名称", "decision_doc_name")),
        Column(
            "decision_doc_no",
            "行政许可决定文书号",
            ("行政许可决定文书号", "行政许可决定书文号", "许可决定书文号", "决定文书号", "decision_doc_no"),
        ),
        Column(
            "permit_category",
            "许可类别",
            ("许可类别", "审批类别", "permit_category"),
            dtype="enum",
            enum="permit_category",
        ),
        Column("certificate_name", "许可证书名称", ("许可证书名称", "证书名称", "certificate_name")),
        Column("permit_item", "许可事项", ("许可事项", "项目名称", "审批事项", "permit_item")),
        Column("permit_no", "许可编号", ("许可编号", "许可证编号", "证书编号", "permit_no")),
        Column("content", "许可内容", ("许可内容", "content")),
        Column(
            "decision_date",
            "许可决定日期",
            ("许可决定日期", "决定日期", "审批日期", "decision_date"),
            dtype="date",
            required=True,
        ),
        Column("valid_from", "有效期自", ("有效期自", "许可生效期", "有效期起", "valid_from"), dtype="date"),
        Column("valid_to", "有效期至", ("有效期至", "许可截止期", "有效期止", "valid_to"), dtype="date"),
        Column("authority", "许可机关", ("许可机关", "审批机关", "authority")),
        Column("status", "当前状态", ("当前状态", "状态", "status")),
        _ADDRESS,
        _TOWNSHIP,
        _INDUSTRY,
    ),
)

COMPLAINTS = Kind(
    name="complaints",
    label="12345热线工单",
    key=("order_no",),
    signature=("工单编号", "诉求类型", "诉求内容", "被反映对象", "受理时间"),
    columns=(
        Column(
            "order_no", "工单编号", ("工单编号", "工单号", "工单编码", "受理编号", "order_no"), required=True
        ),
        Column(
            "received_at",
            "受理时间",
            ("受理时间", "来电时间", "登记时间", "创建时间", "受理日期", "received_at"),
            dtype="datetime",
            required=True,
        ),
        Column("channel", "受理渠道", ("受理渠道", "来源渠道", "诉求渠道", "渠道", "channel")),
        Column(
            "request_type",
            "诉求类型",
            ("诉求类型", "工单类型", "来电类型", "诉求性质", "request_type"),
            dtype="enum",
            enum="request_type",
            required=True,
        ),
        Column("category", "事项分类", ("事项分类", "问题分类", "诉求分类", "业务分类", "category")),
        Column("title", "诉求标题", ("诉求标题", "工单标题", "标题", "title")),
        Column("content", "诉求内容", ("诉求内容", "来电内容", "问题描述", "工单内容", "content")),
        Column(
            "target_name",
            "被反映对象",
            ("被反映对象", "被反映单位", "被投诉对象", "被投诉单位", "被反映企业", "涉及企业", "target_name"),
        ),
        Column("address", "事发地址", ("事发地址", "事发地点", "问题地址", "address")),
        _TOWNSHIP,
        Column("handling_unit", "承办单位", ("承办单位", "办理单位", "责任单位", "handling_unit")),
        Column("closed_at", "办结时间", ("办结时间", "结案时间", "办结日期", "closed_at"), dtype="datetime"),
        Column("result", "办理结果", ("办理结果", "处理结果", "答复内容", "result")),
        Column(
            "substantiated",
            "是否属实",
            ("是否属实", "核实情况", "属实情况", "substantiated"),
            dtype="enum",
            enum="substantiated",
        ),
        Column("satisfaction", "满意度", ("满意度", "回访满意度", "satisfaction")),
        Column("status", "工单状态", ("工单状态", "办理状态", "工单当前状态", "status")),
    ),
)

INSPECTIONS = Kind(
    name="inspections",
    label="现场检查",
    key=("inspection_no",),
    signature=("检查编号", "检查日期", "检查结果", "检查类型"),
    columns=(
        Column(
            "inspection_no",
            "检查编号",
            ("检查编号", "检查单号", "检查记录编号", "inspection_no"),
            required=True,
        ),
        Column(
            "inspected_on", "检查日期", ("检查日期", "检查时间", "inspected_on"), dtype="date", required=True
        ),
        _NAME,
        _USCC,
        Column(
            "inspection_type",
            "检查类型",
            ("检查类型", "检查方式", "检查类别", "inspection_type"),
            dtype="enum",
            enum="inspection_type",
        ),
        Column(
            "result",
            "检查结果",
            ("检查结果", "处理结果", "result"),
            dtype="enum",
            enum="inspection_result",
            required=True,
        ),
        Column("problems", "发现问题", ("发现问题", "问题描述", "存在问题", "problems")),
        Column("problem_count", "问题数量", ("问题数量", "问题数", "problem_count"), dtype="int"),
        Column("violation_type", "违法行为类型", ("违法行为类型", "问题类别", "问题类型", "violation_type")),
        Column("inspectors", "检查人员", ("检查人员", "执法人员", "inspectors")),
        _ADDRESS,
        _TOWNSHIP,
        _INDUSTRY,
    ),
)

PENALTIES = Kind(
    name="penalties",
    label="行政处罚",
    key=("decision_no",),
    signature=("行政处罚决定书文号", "处罚类别", "处罚决定日期", "违法行为类型"),
    columns=(
        _NAME,
        _SUBJECT,
        _USCC,
        _LEGAL_REP,
        Column(
            "decision_no",
            "行政处罚决定书文号",
            ("行政处罚决定书文号", "处罚决定书文号", "决定书文号", "decision_no"),
            required=True,
        ),
        Column("violation_type", "违法行为类型", ("违法行为类型", "案件名称", "violation_type")),
        Column("facts", "违法事实", ("违法事实", "处罚事由", "facts")),
        Column("basis", "处罚依据", ("处罚依据", "basis")),
        Column(
            "penalty_types",
            "处罚类别",
            ("处罚类别", "处罚类别1", "处罚种类", "penalty_types"),
            dtype="enum",
            enum="penalty_type",
        ),
        Column(
            "decision_type",
            "决定类型",
            ("决定类型", "处罚决定类型", "案件处理结果", "处理决定", "decision_type"),
        ),
        Column("content", "处罚内容", ("处罚内容", "处罚结果", "content")),
        Column(
            "fine_yuan",
            "罚款金额（万元）",
            ("罚款金额(万元)", "罚款金额", "罚款金额(元)", "fine_yuan"),
            dtype="amount",
            scale={header_key("罚款金额(万元)"): 10000.0},
        ),
        Column(
            "confiscation_yuan",
            "没收违法所得、没收非法财物的金额（万元）",
            (
                "没收违法所得、没收非法财物的金额(万元)",
                "没收金额(万元)",
                "没收金额",
                "没收金额(元)",
                "confiscation_yuan",
            ),
            dtype="amount",
            scale={
                header_key("没收违法所得、没收非法财物的金额(万元)"): 10000.0,
                header_key("没收金额(万元)"): 10000.0,
            },
        ),
        Column(
            "decided_on",
            "处罚决定日期",
            ("处罚决定日期", "决定日期", "decided_on"),
            dtype="date",
            required=True,
        ),
        Column("authority", "处罚机关", ("处罚机关", "authority")),
        Column("data_source", "数据来源单位", ("数据来源单位", "data_source")),
        _ADDRESS,
        _TOWNSHIP,
        _INDUSTRY,
    ),
)

CREDIT_CLASSES = Kind(
    name="credit_classes",
    label="企业信用风险分类",
    key=("class_key",),
    signature=("风险分类", "信用风险分类", "分类日期", "分类机关", "信用风险类别"),
    columns=(
        Column(
            "uscc",
            "统一社会信用代码",
            ("统一社会信用代码", "社会信用代码", "信用代码", "行政相对人代码_1(统一社会信用代码)", "uscc"),
            required=True,
        ),
        Column(
            "name", "企业名称", ("企业名称", "市场主体名称", "主体名称", "单位名称", "行政相对人名称", "name")
        ),
        Column(
            "risk_class",
            "风险分类",
            ("风险分类", "信用风险分类", "信用风险类别", "风险类别", "分类结果", "风险等级", "risk_class"),
            dtype="enum",
            enum="risk_class",
            required=True,
        ),
        Column(
            "classified_on",
            "分类日期",
            ("分类日期", "分类时间", "评定日期", "分类结果日期", "classified_on"),
            dtype="date",
            required=True,
        ),
        Column("authority", "分类机关", ("分类机关", "评定机关", "分类单位", "authority")),
    ),
)

KIND_SPECS: dict[str, Kind] = {
    k.name: k for k in (PERMITS, COMPLAINTS, INSPECTIONS, PENALTIES, CREDIT_CLASSES)
}

#: Wording of a 不予行政处罚 decision (行政处罚法 第三十三条) in 处罚类别 / 决定类型 / 处罚内容,
#: most specific first: (pattern, the kind stored in ``penalties.waiver``).
WAIVER_PATTERNS = (
    (r"首违不罚|(?:首次|初次)违法.{0,40}(?:不予|免予)", "首违不罚"),
    (r"轻微(?:违法)?不罚|(?:违法行为)?轻微.{0,40}(?:不予|免予)", "轻微违法不罚"),
    (r"(?:不予|免予)(?:行政)?处罚|不罚", "不予处罚"),
)

#: The national classes' names (国市监信发〔2022〕6号).
_RISK_WORDS = {"A": "信用风险低", "B": "信用风险一般", "C": "信用风险较高", "D": "信用风险高"}

#: Canonical enumeration values and their accepted spellings (keys normalised by header_key).
ENUMS: dict[str, dict[str, str]] = {
    "subject_type": {
        "法人及非法人组织": "法人及非法人组织",
        "法人及其他组织": "法人及非法人组织",
        "法人": "法人及非法人组织",
        "法人和其他组织": "法人及非法人组织",
        "企业": "法人及非法人组织",
        "非法人组织": "法人及非法人组织",
        "自然人": "自然人",
        "个人": "自然人",
        "个体工商户": "个体工商户",
        "个体户": "个体工商户",
        "个体": "个体工商户",
    },
    "permit_category": {v: v for v in ("普通", "特许", "认可", "核准", "登记", "其他")}
    | {"普通许可": "普通", "特许许可": "特许", "认可许可": "认可", "核准许可": "核准", "登记许可": "登记"},
    "request_type": {
        "投诉": "投诉",
        "举报": "举报",
        "咨询": "咨询",
        "建议": "建议",
        "求助": "求助",
        "求决": "求助",
        "揭发控告": "举报",
        "申诉": "投诉",
        "意见建议": "建议",
        "政策咨询": "咨询",
    },
    "substantiated": {
        "属实": "属实",
        "部分属实": "部分属实",
        "不属实": "不属实",
        "无法核实": "无法核实",
        "基本属实": "部分属实",
        "情况属实": "属实",
        "情况不属实": "不属实",
        "无法查实": "无法核实",
    },
    "inspection_result": {
        "未发现问题": "未发现问题",
        "无问题": "未发现问题",
        "合格": "未发现问题",
        "正常": "未发现问题",
        "发现问题已当场整改": "发现问题已当场整改",
        "当场整改": "发现问题已当场整改",
        "已当场整改": "发现问题已当场整改",
        "责令限期整改": "责令限期整改",
        "限期整改": "责令限期整改",
        "责令整改": "责令限期整改",
        "移送立案": "移送立案",
        "立案查处": "移送立案",
        "移交立案": "移送立案",
    },
    "inspection_type": {
        "双随机抽查": "双随机抽查",
        "双随机": "双随机抽查",
        "双随机、一公开": "双随机抽查",
        "随机抽查": "双随机抽查",
        "专项检查": "专项检查",
        "专项整治": "专项检查",
        "投诉核查": "投诉核查",
        "投诉举报核查": "投诉核查",
        "许可勘验": "许可勘验",
        "现场勘验": "许可勘验",
        "勘验": "许可勘验",
        "日常检查": "日常检查",
    },
    "risk_class": {c: c for c in "ABCDE"}
    | {f"{c}类": c for c in "ABCDE"}
    | {f"{c}级": c for c in "ABCDE"}
    | {f"{c}类企业": c for c in "ABCDE"}
    | {f"{c}({w})": c for c, w in _RISK_WORDS.items()}
    | {f"{w}({c}类)": c for c, w in _RISK_WORDS.items()}
    | {w: c for c, w in _RISK_WORDS.items()},
    "penalty_type": {
        v: v
        for v in (
            "警告",
            "通报批评",
            "罚款",
            "没收违法所得",
            "没收非法财物",
            "暂扣许可证件",
            "降低资质等级",
            "吊销许可证件",
            "限制开展生产经营活动",
            "责令停产停业",
            "责令关闭",
            "限制从业",
            "行政拘留",
            "其他",
        )
    }
    | {
        "暂扣或者吊销许可证": "吊销许可证件",
        "吊销许可证": "吊销许可证件",
        "暂扣许可证": "暂扣许可证件",
        "吊销营业执照": "吊销许可证件",
        "责令停产停业整顿": "责令停产停业",
        "没收": "没收违法所得",
    },
}

#: Multi-valued enumerations (separated by ；;、,/) — every part must be known.
MULTI_VALUED = {"penalty_type"}

#: Placeholder credit code for 个体工商户 without a code.
USCC_PLACEHOLDER = "00000000000000000X"

#: 有效期至 values that mean "long-term" (stored as NULL valid_to): these dates, any date in 2099 or
#: 9999, and the words below. Other dates after LATEST_VALID_TO are typing errors (3024 for 2024).
LONG_TERM_DATES = ("2099-12-31", "9999-12-31")
LONG_TERM_WORDS = ("长期", "长期有效", "永久", "永久有效", "无期限", "不限期")
LATEST_VALID_TO = "2080-12-31"

#: Labels of a column holding the export's own update time of a record (kept verbatim in
#: ``extra``; parsed into ``updated_at`` for work orders, where it decides which state is newer).
VERSION_LABELS = tuple(
    header_key(h)
    for h in ("数据更新时间戳", "数据更新时间", "更新时间", "最后更新时间", "更新时间戳", "导出时间")
)
#: Words in 工单状态 that mark a work order re-opened after it was closed.
REOPEN_WORDS = ("重办", "退回", "重新办理", "重启", "回退", "再次办理", "重新受理", "重新交办")


def alias_map(kind: Kind) -> dict[str, str]:
    """Map every normalised alias of ``kind`` to its canonical column name."""
    out: dict[str, str] = {}
    for col in kind.columns:
        for alias in (*col.aliases, col.name, col.label):
            out.setdefault(header_key(alias), col.name)
    return out
