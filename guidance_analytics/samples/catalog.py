"""Catalogues used by the synthetic data generator (:mod:`guidance_analytics.samples`).

Licence items, violation types with their texts, enforcement authorities and 12345 categories.
Everything here is synthetic but shaped like the county's real records; nothing is imported by
the analytics modules.
"""

from __future__ import annotations

from dataclasses import dataclass

APPROVAL_BUREAU = "沂源县行政审批服务局"


@dataclass(frozen=True)
class Licence:
    key: str
    item: str  # 许可事项 / 项目名称
    certificate: str  # 许可证书名称
    doc_name: str  # 行政许可决定文书名称
    category: str  # 许可类别
    contents: tuple[str, ...]
    number: str  # format with {y} (year), {n} (serial), {r} (region 370323)
    doc_no: str  # 决定文书号 format
    years: int  # validity in years (0 = project-bound, 1–3 years)
    long_term: float = 0.0  # share written as 2099/12/31


LICENCES: dict[str, Licence] = {
    lic.key: lic
    for lic in (
        Licence(
            "food_business",
            "食品经营许可",
            "食品经营许可证",
            "食品经营许可决定书",
            "普通",
            (
                "热食类食品制售",
                "预包装食品销售（含冷藏冷冻食品）",
                "散装食品销售（不含冷藏冷冻食品）",
                "热食类食品制售；冷食类食品制售",
                "预包装食品销售（不含冷藏冷冻食品）；散装食品销售",
                "糕点类食品制售",
                "自制饮品制售",
            ),
            "JY1{r}{n:06d}{c}",
            "源审批食经〔{y}〕{n}号",
            5,
        ),
        Licence(
            "small_catering",
            "小餐饮登记",
            "食品小餐饮经营许可证",
            "小餐饮登记决定书",
            "登记",
            ("热食类食品制售", "热食类食品制售；自制饮品制售", "冷食类食品制售"),
            "鲁餐{r}{y}{n:05d}",
            "源审批小餐〔{y}〕{n}号",
            3,
        ),
        Licence(
            "food_production",
            "食品生产许可",
            "食品生产许可证",
            "食品生产许可决定书",
            "普通",
            ("豆制品", "糕点", "白酒", "其他食品"),
            "SC1{r}{n:08d}",
            "源审批食产〔{y}〕{n}号",
            5,
        ),
        Licence(
            "drug_retail",
            "药品零售许可",
            "药品经营许可证",
            "药品经营许可决定书",
            "普通",
            (
                "处方药、甲类非处方药、乙类非处方药：中成药、化学药制剂、抗生素制剂、生化药品",
                "乙类非处方药：中成药、化学药制剂",
                "中药饮片、中成药",
            ),
            "鲁CB53{n:05d}",
            "源审批药经〔{y}〕{n}号",
            5,
        ),
        Licence(
            "device_retail",
            "第三类医疗器械经营许可",
            "医疗器械经营许可证",
            "医疗器械经营许可决定书",
            "普通",
            ("第三类医疗器械：6815注射穿刺器械、6866医用高分子材料及制品",),
            "鲁淄药监械经营许{y}{n:04d}号",
            "源审批械经〔{y}〕{n}号",
            5,
        ),
        Licence(
            "public_hygiene",
            "公共场所卫生许可",
            "公共场所卫生许可证",
            "公共场所卫生许可决定书",
            "普通",
            ("住宿", "沐浴", "游泳场所", "歌舞厅", "住宿；沐浴"),
            "鲁卫公证字〔{y}〕第{r}{n:04d}号",
            "源审批卫许〔{y}〕{n}号",
            4,
        ),
        Licence(
            "high_risk_sports",
            "高危险性体育项目经营许可",
            "高危险性体育项目经营许可证",
            "行政许可决定书",
            "普通",
            ("游泳",),
            "鲁体高危{r}{y}{n:03d}",
            "源审批体许〔{y}〕{n}号",
            5,
        ),
        Licence(
            "entertainment",
            "娱乐场所经营许可",
            "娱乐经营许可证",
            "娱乐场所经营许可决定书",
            "普通",
            ("歌舞娱乐场所", "游艺娱乐场所"),
            "{r}{y}{n:04d}",
            "源审批文娱〔{y}〕{n}号",
            5,
            0.2,
        ),
        Licence(
            "internet_cafe",
            "网吧经营许可",
            "网络文化经营许可证",
            "互联网上网服务营业场所经营许可决定书",
            "普通",
            ("互联网上网服务",),
            "鲁网文〔{y}〕{n:04d}-{r}号",
            "源审批网吧〔{y}〕{n}号",
            5,
            0.2,
        ),
        Licence(
            "construction",
            "建筑工程施工许可",
            "建筑工程施工许可证",
            "建筑工程施工许可决定书",
            "普通",
            (
                "新建住宅楼工程",
                "商业综合楼工程",
                "厂房建设工程",
                "园林景观工程",
                "公共建筑装饰装修工程",
                "学校教学楼改造工程",
            ),
            "{r}{ymd}{n:04d}0101",
            "源审批建许〔{y}〕{n}号",
            0,
        ),
        Licence(
            "road_passenger",
            "道路运输经营许可",
            "道路运输经营许可证",
            "道路旅客运输经营许可决定书",
            "普通",
            ("县内班车客运", "县际班车客运", "旅游包车客运"),
            "鲁交运管许可淄字{r}{n:06d}号",
            "源审批交许〔{y}〕{n}号",
            4,
        ),
        Licence(
            "road_freight",
            "道路运输经营许可",
            "道路运输经营许可证",
            "道路货物运输经营许可决定书",
            "普通",
            ("道路普通货物运输", "货物专用运输（集装箱）", "道路普通货物运输；大型物件运输"),
            "鲁交运管许可淄字{r}{n:06d}号",
            "源审批交许〔{y}〕{n}号",
            4,
        ),
        Licence(
            "road_station",
            "道路旅客运输站经营许可",
            "道路运输经营许可证",
            "道路旅客运输站经营许可决定书",
            "普通",
            ("三级客运站",),
            "鲁交运管许可淄字{r}{n:06d}号",
            "源审批交许〔{y}〕{n}号",
            5,
        ),
        Licence(
            "taxi",
            "出租汽车经营许可",
            "出租汽车经营许可证",
            "出租汽车经营许可决定书",
            "特许",
            ("巡游出租汽车客运",),
            "鲁淄出租{r}{n:04d}",
            "源审批交许〔{y}〕{n}号",
            6,
        ),
        Licence(
            "private_school",
            "民办学校办学许可",
            "民办学校办学许可证",
            "民办学校办学许可决定书",
            "普通",
            ("学前教育", "文化艺术培训（非学科类）", "体育培训（非学科类）"),
            "教民1{r}{n:07d}号",
            "源审批教许〔{y}〕{n}号",
            5,
            0.3,
        ),
        Licence(
            "medical_institution",
            "医疗机构执业登记",
            "医疗机构执业许可证",
            "医疗机构执业登记决定书",
            "登记",
            ("全科医疗科", "中医科", "口腔科", "全科医疗科；中医科"),
            "PDY{n:05d}-{r}",
            "源审批医许〔{y}〕{n}号",
            5,
        ),
        Licence(
            "sanitation",
            "城市生活垃圾经营性清扫、收集、运输服务许可",
            "城市生活垃圾经营性服务许可证",
            "行政许可决定书",
            "普通",
            ("生活垃圾清扫、收集、运输",),
            "源环卫许字〔{y}〕{n:03d}号",
            "源审批城许〔{y}〕{n}号",
            5,
        ),
        Licence(
            "hazardous_chemicals",
            "危险化学品经营许可",
            "危险化学品经营许可证",
            "危险化学品经营许可决定书",
            "普通",
            ("汽油、柴油（闭杯闪点≤60℃）零售",),
            "鲁淄危化经字〔{y}〕{r}{n:04d}",
            "源审批危化〔{y}〕{n}号",
            3,
        ),
    )
}

#: Enforcement authorities: name, decision-number prefix.
AUTHORITIES: dict[str, tuple[str, str]] = {
    "market": ("沂源县市场监督管理局", "源市监罚"),
    "law": ("沂源县综合行政执法局", "源综执罚"),
    "transport": ("沂源县交通运输局", "源交执罚"),
    "culture": ("沂源县文化和旅游局", "源文旅罚"),
    "health": ("沂源县卫生健康局", "源卫罚"),
    "fire": ("沂源县消防救援大队", "源消行罚决字"),
}


@dataclass(frozen=True)
class Violation:
    name: str  # 违法行为类型
    weights: dict[str, float]  # family -> relative weight
    problem: str  # inspection 发现问题 text
    complaint: str  # 12345 content fragment
    short: str  # title fragment
    basis: str  # 处罚依据
    authority: str  # key of AUTHORITIES (a family-specific override is applied for hygiene)


VIOLATIONS: tuple[Violation, ...] = (
    Violation(
        "从业人员无健康证",
        {"food_service": 2.0, "food_retail": 1.2, "food_prod": 1.5, "lodging": 1.0, "bath": 1.5},
        "部分从业人员未取得有效健康证明上岗",
        "店内工作人员疑似没有健康证，操作时不戴口罩手套",
        "从业人员无健康证",
        "《中华人民共和国食品安全法》第一百二十六条第一款第（六）项",
        "market",
    ),
    Violation(
        "环境卫生不达标",
        {
            "food_service": 2.5,
            "food_retail": 1.0,
            "food_prod": 2.0,
            "lodging": 2.5,
            "bath": 3.0,
            "entertainment": 1.0,
            "internet_cafe": 1.0,
            "clinic": 0.5,
        },
        "经营场所环境卫生脏乱，防蝇防鼠设施不到位",
        "店内卫生脏乱差，到处是苍蝇",
        "卫生问题",
        "《中华人民共和国食品安全法》第一百二十六条第一款",
        "market",
    ),
    Violation(
        "未按规定公示许可证",
        {
            "food_service": 0.8,
            "food_retail": 0.8,
            "pharmacy": 0.6,
            "lodging": 0.8,
            "bath": 0.8,
            "entertainment": 0.8,
            "internet_cafe": 0.8,
            "clinic": 0.6,
            "school": 0.8,
            "fuel": 0.5,
            "food_prod": 0.5,
            "sports": 0.8,
        },
        "未在经营场所显著位置悬挂许可证件",
        "店里没有挂营业执照和许可证，怀疑无证经营",
        "无证经营",
        "《食品经营许可管理办法》第四十八条",
        "market",
    ),
    Violation(
        "超范围经营",
        {
            "food_service": 1.0,
            "food_retail": 1.5,
            "pharmacy": 2.0,
            "transport": 1.5,
            "entertainment": 1.0,
            "school": 1.5,
            "clinic": 1.5,
        },
        "实际经营项目超出许可范围",
        "经营的项目超出了许可证上的范围",
        "超范围经营",
        "《中华人民共和国食品安全法》第一百二十二条第一款",
        "market",
    ),
    Violation(
        "消防通道堵塞",
        {
            "lodging": 1.5,
            "entertainment": 2.5,
            "internet_cafe": 2.5,
            "bath": 1.5,
            "food_service": 0.8,
            "food_retail": 0.8,
            "sports": 1.0,
            "school": 0.8,
        },
        "安全出口、疏散通道堆放杂物",
        "店里的消防通道被杂物堵死，存在安全隐患",
        "消防通道堵塞",
        "《中华人民共和国消防法》第六十条第一款第（三）项",
        "fire",
    ),
    Violation(
        "超过有效期经营",
        {
            "food_service": 0.5,
            "food_retail": 0.5,
            "pharmacy": 0.5,
            "lodging": 0.5,
            "bath": 0.5,
            "transport": 0.5,
            "entertainment": 0.5,
            "clinic": 0.5,
            "fuel": 0.5,
        },
        "许可证件已超过有效期仍在经营",
        "听说他家的许可证早就过期了还在营业",
        "证照过期",
        "《中华人民共和国食品安全法》第一百二十二条第一款",
        "market",
    ),
    Violation(
        "销售过期食品",
        {"food_retail": 3.0, "food_service": 0.8},
        "货架上有超过保质期的食品",
        "在店里买到了过期食品，商家拒绝退换",
        "销售过期食品",
        "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
        "market",
    ),
    Violation(
        "食品贮存不当",
        {"food_service": 1.2, "food_retail": 1.0, "food_prod": 2.0},
        "食品原料生熟混放，冷藏设施温度不达标",
        "看到他家生熟食品混在一起放，冰柜不制冷",
        "食品贮存不当",
        "《中华人民共和国食品安全法》第一百三十二条",
        "market",
    ),
    Violation(
        "处方药未凭处方销售",
        {"pharmacy": 4.0},
        "处方药未凭处方销售且无处方登记",
        "药店不要处方就卖处方药",
        "处方药违规销售",
        "《药品流通监督管理办法》第三十八条第一款",
        "market",
    ),
    Violation(
        "执业药师不在岗",
        {"pharmacy": 2.5},
        "营业时间执业药师不在岗",
        "药店里一直没有药师在岗",
        "药师不在岗",
        "《中华人民共和国药品管理法》第一百二十六条",
        "market",
    ),
    Violation(
        "接纳未成年人",
        {"internet_cafe": 4.0, "entertainment": 2.0},
        "场所内发现未成年人上网（娱乐）",
        "网吧里有很多中小学生上网",
        "接纳未成年人",
        "《互联网上网服务营业场所管理条例》第三十一条第（二）项",
        "culture",
    ),
    Violation(
        "超时营业",
        {"entertainment": 2.0, "internet_cafe": 1.0},
        "超过规定营业时间营业",
        "每天营业到凌晨，声音很大",
        "超时营业扰民",
        "《娱乐场所管理条例》第四十八条",
        "culture",
    ),
    Violation(
        "未取得施工许可擅自施工",
        {"construction": 2.5},
        "工程未取得施工许可证擅自开工",
        "工地没有办施工许可证就开工了",
        "无证施工",
        "《建筑工程施工许可管理办法》第十二条",
        "law",
    ),
    Violation(
        "施工现场扬尘污染",
        {"construction": 3.5},
        "施工现场裸土未覆盖，车辆未冲洗",
        "工地扬尘很大，渣土车不盖篷布",
        "工地扬尘",
        "《中华人民共和国大气污染防治法》第一百一十五条第一款",
        "law",
    ),
    Violation(
        "夜间施工噪声扰民",
        {"construction": 2.5},
        "夜间违规施工作业",
        "工地晚上十点以后还在施工，噪音扰民",
        "夜间施工扰民",
        "《中华人民共和国噪声污染防治法》第七十七条",
        "law",
    ),
    Violation(
        "车辆未按规定年审",
        {"transport": 3.5},
        "营运车辆未按规定进行年度审验",
        "他家的营运车辆好像没有年审",
        "车辆未年审",
        "《中华人民共和国道路运输条例》第七十条",
        "transport",
    ),
    Violation(
        "不按规定线路运营",
        {"transport": 3.0},
        "客运车辆未按核定线路运营，站外揽客",
        "车辆不按线路走，随意站外拉客",
        "站外揽客",
        "《中华人民共和国道路运输条例》第六十八条",
        "transport",
    ),
    Violation(
        "公共用品用具未消毒",
        {"lodging": 2.0, "bath": 2.5, "sports": 1.5},
        "公共用品用具未按规定清洗消毒",
        "毛巾床单都不换，明显没有消毒",
        "用品未消毒",
        "《公共场所卫生管理条例实施细则》第三十六条",
        "health",
    ),
    Violation(
        "超范围执业",
        {"clinic": 3.0},
        "诊所超出登记的诊疗科目执业",
        "诊所做了不在执业范围内的治疗项目",
        "超范围执业",
        "《医疗机构管理条例》第四十六条",
        "health",
    ),
    Violation(
        "未落实安全管理制度",
        {"school": 3.0, "sports": 3.0, "fuel": 4.0, "sanitation": 3.0, "transport": 0.5},
        "安全管理制度未落实，安全台账缺失",
        "安全管理很混乱，存在安全隐患",
        "安全隐患",
        "《中华人民共和国安全生产法》第九十七条",
        "law",
    ),
)

VIOLATION_NAMES = tuple(v.name for v in VIOLATIONS)

#: 12345 事项分类 and 承办单位 per family.
FAMILY_CATEGORY: dict[str, tuple[str, str]] = {
    "food_service": ("市场监管/食品安全/餐饮服务", "沂源县市场监督管理局"),
    "food_retail": ("市场监管/食品安全/食品销售", "沂源县市场监督管理局"),
    "food_prod": ("市场监管/食品安全/食品生产加工", "沂源县市场监督管理局"),
    "pharmacy": ("市场监管/药品安全/药品零售", "沂源县市场监督管理局"),
    "lodging": ("卫生健康/公共场所卫生/住宿场所", "沂源县卫生健康局"),
    "bath": ("卫生健康/公共场所卫生/沐浴场所", "沂源县卫生健康局"),
    "sports": ("文化旅游/体育市场/游泳场馆", "沂源县教育和体育局"),
    "entertainment": ("文化旅游/文化市场/娱乐场所", "沂源县文化和旅游局"),
    "internet_cafe": ("文化旅游/文化市场/上网服务场所", "沂源县文化和旅游局"),
    "construction": ("城乡建设/建筑施工/施工管理", "沂源县综合行政执法局"),
    "transport": ("交通运输/道路运输/运输管理", "沂源县交通运输局"),
    "school": ("教育/校外培训/培训机构", "沂源县教育和体育局"),
    "clinic": ("卫生健康/医疗服务/诊所", "沂源县卫生健康局"),
    "sanitation": ("城市管理/环境卫生/垃圾清运", "沂源县综合行政执法局"),
    "fuel": ("应急管理/危险化学品/加油站", "沂源县应急管理局"),
}

#: Authority overrides per family (hygiene of public places goes to health, etc.).
FAMILY_AUTHORITY = {
    "lodging": "health",
    "bath": "health",
    "clinic": "health",
    "transport": "transport",
    "construction": "law",
    "sanitation": "law",
    "entertainment": "culture",
    "internet_cafe": "culture",
}

#: Inspection results by severity (index = severity).
RESULTS = ("未发现问题", "发现问题已当场整改", "责令限期整改", "移送立案")

#: Fine levels in yuan by severity (1 = minor … 3 = case).
FINES = {
    1: (0, 0, 500, 1000, 2000),
    2: (2000, 5000, 5000, 10000, 20000),
    3: (10000, 20000, 50000, 50000, 100000),
}
