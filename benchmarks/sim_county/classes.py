"""The simulated county's industries: 25 GB/T 4754-2017 classes in 8 divisions.

Every code is a class of the package's industry table (``guidance_analytics/data/industries.csv``),
copied here so that the simulation does not depend on the package. Divisions differ in size: F52
(retail, 9 classes, ~130 violations a month) and H62 (food service, ~60 a month, one class holding
most of it) are large divisions that contain small classes (3–6 a month), so a hotspot of one small
class is diluted at division level.

``base`` is the mean number of violations (inspections with a problem) per month at the start, ``p``
the probability that a routine inspection finds a problem, ``size`` the class-size category used to
place events (small ≤ 6, medium 7–20, large ≥ 25 a month).
"""

from __future__ import annotations

import pandas as pd

# code, section, name, licence item (许可证书名称), business word in names, base, p(problem)
_CLASSES = [
    ("5211", "F", "百货零售", "食品经营许可证", "百货商店", 20, 0.22),
    ("5212", "F", "超级市场零售", "食品经营许可证", "超市有限公司", 35, 0.25),
    ("5213", "F", "便利店零售", "食品经营许可证", "便利店", 25, 0.20),
    ("5221", "F", "粮油零售", "食品经营许可证", "粮油店", 6, 0.18),
    ("5224", "F", "肉、禽、蛋、奶及水产品零售", "食品经营许可证", "生鲜店", 12, 0.28),
    ("5226", "F", "酒、饮料及茶叶零售", "食品经营许可证", "烟酒茶行", 4, 0.15),
    ("5229", "F", "其他食品零售", "食品经营许可证", "食品店", 8, 0.20),
    ("5251", "F", "西药零售", "药品经营许可证", "大药房有限公司", 15, 0.18),
    ("5252", "F", "中药零售", "药品经营许可证", "中药店", 3, 0.15),
    ("6291", "H", "小吃服务", "食品经营许可证", "小吃店", 50, 0.30),
    ("6231", "H", "茶馆服务", "食品经营许可证", "茶社", 5, 0.20),
    ("6233", "H", "酒吧服务", "食品经营许可证", "酒吧", 4, 0.22),
    ("6241", "H", "餐饮配送服务", "食品经营许可证", "餐饮配送有限公司", 3, 0.25),
    ("5431", "G", "普通货物道路运输", "道路运输经营许可证", "物流有限公司", 18, 0.20),
    ("5413", "G", "出租车客运", "出租汽车经营许可证", "出租汽车有限公司", 10, 0.18),
    ("5421", "G", "长途客运", "道路运输经营许可证", "客运有限公司", 4, 0.15),
    ("6121", "H", "经济型连锁酒店", "公共场所卫生许可证", "快捷酒店", 8, 0.20),
    ("6129", "H", "其他一般旅馆", "公共场所卫生许可证", "旅馆", 14, 0.22),
    ("8051", "O", "洗浴服务", "公共场所卫生许可证", "浴池", 6, 0.20),
    ("8052", "O", "足浴服务", "公共场所卫生许可证", "足道馆", 5, 0.20),
    ("9011", "R", "歌舞厅娱乐活动", "娱乐经营许可证", "歌舞厅", 4, 0.18),
    ("9013", "R", "网吧活动", "网络文化经营许可证", "网吧", 9, 0.22),
    ("5011", "E", "公共建筑装饰和装修", "建筑工程施工许可证", "装饰工程有限公司", 10, 0.20),
    ("5012", "E", "住宅装饰和装修", "建筑工程施工许可证", "家装有限公司", 7, 0.18),
    ("1411", "C", "糕点、面包制造", "食品生产许可证", "糕点坊", 6, 0.22),
]

#: the class with a regular season (summer tourism): violations peak every July
SEASONAL_CLASS = "H6129"


def size_of(base: float) -> str:
    """Size category of a class by its baseline violations per month."""
    return "small" if base <= 6 else ("medium" if base <= 20 else "large")


def class_table() -> pd.DataFrame:
    """One row per class: ``key`` (section + class, the package's field key), ``code``, ``division``
    (section + 2 digits, the package's ``industry`` key), ``name``, ``item``, ``word``, ``base``, ``p``,
    ``size``."""
    df = pd.DataFrame(_CLASSES, columns=["code", "section", "name", "item", "word", "base", "p"])
    df["key"] = df["section"] + df["code"]
    df["division"] = df["section"] + df["code"].str[:2]
    df["size"] = df["base"].map(size_of)
    return df[["key", "code", "division", "section", "name", "item", "word", "base", "p", "size"]]
