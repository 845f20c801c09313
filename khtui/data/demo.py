"""The demo dataset (演示数据): one account manager's retailers, brands, two years of orders and
the last months of visits, captures and complaints, realistic and deterministic.

``build_demo(path, retailers=320, months=24, seed=..., today=date)`` writes a new database:
the same seed, date and sizes always give the same content (every id comes from the seeded
random generator and the store's clock is pinned to the demo's today). The build goes into a
temporary file next to ``path`` that is renamed at the end, so a failed build never leaves half
a database behind.

At city scale (``retailers=50000``, about ten million order lines) the order lines are
drawn retailer by retailer by processes of their own (one a core), each into a file of its
own (a lines stage, with the lines' monthly sums), then copied in
(:meth:`SalesOps.load_staged_lines`), so memory stays bounded and the drawing is shared.

The numbers below (tier mix, seasonality, shares of suspended retailers, …) shape the
synthetic data only; the business rules the program applies to it come from rules.toml.
"""

from __future__ import annotations

import bisect as _bisect
import contextlib
import datetime as dt
import itertools
import json
import math
import os
import random
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from khtui import clock as _clock
from khtui.data.base import (
    StoreError,
    database_kind,
    id_from,
    refuse_unless_khtui,
    seeded_ids,
    usable_cores,
)
from khtui.data.statuses import OPEN_VISITS
from khtui.data.store import Store
from khtui.data.visits import VisitOutcome
from khtui.domain.holidays import spring_festival
from khtui.domain.months import add_months, month_key, months_before
from khtui.rules import Rules, default_rules

DEFAULT_SEED = 20261123
DEFAULT_RETAILERS = 320
DEFAULT_MONTHS = 24
MAX_RETAILERS = 200_000
MAX_MONTHS = 120
# A territory's customer codes are numbered from territory × TERRITORY_BLOCK in each district
# (five digits), so the territories of a team never share a code.
TERRITORY_BLOCK = 2000
MAX_TERRITORY = 48

# progress(stage, done, total): stage is one of STAGES; total 0 when the stage has no count.
Progress = Callable[[str, int, int], None]
STAGES = ("retailers", "orders", "aggregates", "history", "derive", "plan", "forecast")

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

# -- shape of the synthetic data -------------------------------------------------------------
TIER_MIX = {1: 0.02, 2: 0.03, 3: 0.05, 4: 0.12, 5: 0.23, 6: 0.24, 7: 0.18, 8: 0.13}
FORMAT_MIX_URBAN = {
    "食杂店": 0.30,
    "便利店": 0.22,
    "超市": 0.12,
    "商场": 0.03,
    "烟酒商店": 0.20,
    "娱乐服务类": 0.08,
    "其他": 0.05,
}
FORMAT_MIX_RURAL = {
    "食杂店": 0.55,
    "便利店": 0.12,
    "超市": 0.12,
    "商场": 0.01,
    "烟酒商店": 0.12,
    "娱乐服务类": 0.03,
    "其他": 0.05,
}
# Tier shift by format (tobacco shops and supermarkets sell more) and for rural shops.
FORMAT_TIER_SHIFT = {"烟酒商店": -1, "超市": -1, "商场": -1, "娱乐服务类": 1, "其他": 1}
SHARE_SUSPENDED = 0.03
SHARE_CLOSED = 0.02
SHARE_CANCELLED = 0.006
SHARE_VULNERABLE = 0.05
SHARE_MODEL = 0.03
SHARE_DEBIT_FAILURE = 0.04
SHARE_NEW_RETAILER = 0.04  # opened during the period
SHARE_SWING = 0.04  # sales changed sharply in the last weeks
SPRING_PEAK_DAYS = 35  # the weeks before the Spring Festival sell 40-80 % more
SPRING_HOLIDAY_DAYS = 7
SPRING_AFTER_DAYS = 21
MONTH_FACTOR = {
    1: 1.0,
    2: 1.0,
    3: 0.95,
    4: 0.98,
    5: 1.0,
    6: 0.95,
    7: 0.92,
    8: 0.95,
    9: 1.1,
    10: 1.05,
    11: 1.0,
    12: 1.05,
}
HISTORY_MONTHS = 3
SKIP_SHARE = 0.06

# -- names ---------------------------------------------------------------------------------------
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
    "贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟万段钱汤"
    "尹黎易常武乔贺赖龚文单解"
)
GIVEN = [
    "建国",
    "秀英",
    "桂兰",
    "海燕",
    "长青",
    "重阳",
    "行健",
    "长海",
    "玉兰",
    "志强",
    "秀兰",
    "丽华",
    "国庆",
    "建华",
    "淑珍",
    "红梅",
    "春生",
    "德胜",
    "凤英",
    "金凤",
    "立新",
    "卫东",
    "长林",
    "明亮",
    "晓燕",
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "波",
    "辉",
    "鹏",
    "华",
    "飞",
    "斌",
    "宇",
    "浩",
    "凯",
    "健",
    "俊",
    "帆",
    "帅",
    "旭",
    "宁",
    "龙",
    "林",
    "欣",
    "佳",
    "瑶",
    "婷",
    "雪",
    "倩",
    "萍",
    "兰",
    "梅",
    "琳",
    "莉",
]
NAME_PREFIXES = [
    "鑫源",
    "福满多",
    "家家乐",
    "好邻居",
    "兴隆",
    "平安",
    "万家福",
    "金鑫",
    "永盛",
    "和顺",
    "旺旺",
    "老街",
    "红旗",
    "东方",
    "顺发",
    "利民",
    "惠民",
    "百姓",
    "同心",
    "佳佳",
    "阳光",
    "幸福",
    "如意",
    "吉祥",
    "康乐",
    "长青",
    "长兴",
    "长城",
    "长安",
    "长江",
    "长乐",
    "重庆",
    "银行路",
    "建设银行旁",
    "工商银行旁",
    "农行对面",
    "行知",
    "曾记",
    "单家",
    "老曾",
    "单记",
    "乐购",
    "都市",
    "华联",
    "便民",
    "友谊",
    "泉城",
    "大明湖",
    "千佛山",
    "解放路",
    "和平路",
    "文化路",
    "山大路",
    "经十路",
    "历山路",
    "燕山",
    "洪楼",
    "甸柳",
    "姚家",
    "好又多",
    "金太阳",
    "小巷",
    "街角",
    "老王",
    "老李",
    "小张",
    "大众",
    "新世纪",
    "天天",
    "万隆",
    "鸿运",
    "聚福",
    "正阳",
    "银座",
    "恒发",
    "四季",
    "春来",
    "朝阳",
    "向阳",
    "振华",
    "德兴",
    "宏达",
]
FORMAT_SUFFIXES = {
    "食杂店": ["食杂店", "副食店", "副食部", "小卖部", "商店", "杂货铺", "副食"],
    "便利店": ["便利店", "便民店", "便利", "24小时便利店", "便民超市"],
    "超市": ["超市", "生活超市", "平价超市", "购物中心", "连锁超市"],
    "商场": ["商场", "百货", "购物广场"],
    "烟酒商店": ["烟酒行", "烟酒店", "名烟名酒", "烟酒商行", "烟酒", "烟酒超市"],
    "娱乐服务类": ["KTV", "棋牌室", "宾馆", "网咖", "大酒店", "茶楼"],
    "其他": ["加油站便利店", "药店", "茶庄", "五金店", "水果店", "小面馆"],
}
# Names with characters of several readings (银行 háng, 重庆 chóng, 曾 zēng, 单 shàn, 长 cháng):
# the first retailers of the first route carry them, so the lookup has them to find.
FIXED_SHOPS = (
    ("工商银行旁便利店", "便利店"),
    ("重庆小面烟酒", "烟酒商店"),
    ("曾记副食", "食杂店"),
    ("单家超市", "超市"),
    ("长安食杂店", "食杂店"),
    ("长江烟酒行", "烟酒商店"),
    ("银行路便民店", "便利店"),
)
AM_NAMES = ("曾长青", "单海燕", "王建国", "李秀英", "张行健", "刘重阳")
COMPANY = "山东省济南市烟草公司历下营销部"
CHARACTERISTICS = {
    "核心商圈": "客流量大，中高端卷烟走量",
    "商业街": "临街门面，过路客多",
    "交通枢纽": "车站附近，流动顾客多，夜间营业",
    "学校周边": "学校周边，注意未成年人禁售",
    "居民区": "社区店，老顾客多，以中低端为主",
    "城乡结合部": "外来务工人员多，价格敏感",
    "集镇": "逢集日销量大",
    "村庄": "村内唯一售烟点，赊账习惯",
}
MOBILE_PREFIXES = [
    "139",
    "138",
    "137",
    "136",
    "135",
    "134",
    "159",
    "158",
    "157",
    "152",
    "151",
    "150",
    "188",
    "187",
    "186",
    "185",
    "183",
    "182",
    "130",
    "131",
    "132",
    "155",
    "156",
    "133",
    "153",
    "180",
    "181",
    "189",
    "177",
    "176",
    "199",
]


@dataclass(frozen=True)
class RouteSpec:
    name: str
    weekday: int  # 0 = Monday
    rural: bool
    district: str
    district_code: str
    places: tuple[str, ...]  # streets (urban) or villages (rural)
    weight: int


BASE_ROUTES = (
    RouteSpec(
        "城东一线", 0, False, "历下区", "370102", ("解放路", "和平路", "文化东路", "山大路"), 62
    ),
    RouteSpec(
        "城东二线", 1, False, "历下区", "370102", ("经十路", "燕子山路", "二环东路", "甸柳庄"), 60
    ),
    RouteSpec(
        "城西线", 2, False, "历下区", "370102", ("泉城路", "银行路", "县西巷", "趵突泉北路"), 64
    ),
    RouteSpec(
        "北关线", 3, False, "历下区", "370102", ("北园大街", "明湖北路", "花园路", "洪楼西路"), 62
    ),
    RouteSpec(
        "仲宫镇线", 4, True, "历城区", "370112", ("仲宫村", "北道沟村", "双井村", "郭家庄村"), 38
    ),
    RouteSpec(
        "柳埠镇线", 4, True, "历城区", "370112", ("柳埠村", "长岭村", "东沟村", "石匣村"), 34
    ),
)
# Further routes at city scale: (district, code, rural, places)
CITY_DISTRICTS = (
    ("市中区", "370103", False, ("经七路", "纬二路", "英雄山路", "七里山路")),
    ("槐荫区", "370104", False, ("经十西路", "营市街", "张庄路", "段店北路")),
    ("天桥区", "370105", False, ("堤口路", "无影山路", "北园路", "清河北路")),
    ("历城区", "370112", True, ("港沟村", "彩石村", "唐王村", "董家村")),
    ("长清区", "370113", True, ("长清村", "崮云湖村", "平安村", "归德村")),
    ("章丘区", "370114", True, ("明水村", "双山村", "枣园村", "绣惠村")),
    ("历下区", "370102", False, ("千佛山路", "历山路", "姚家路", "窑头路")),
)


@dataclass(frozen=True)
class BrandSpec:
    name: str
    manufacturer: str
    klass: int  # 1..5 (一类..五类)
    wholesale: float
    guide: float
    code: str = ""
    key: bool = False
    new_days: int = 0  # a new brand launched this many days before today
    popularity: float = 1.0


_B = BrandSpec
# Sample brands keep the codes of /samples so sample order files match them.
BRANDS: tuple[BrandSpec, ...] = (
    _B("中华(硬)", "上海烟草集团", 1, 380, 450, "6901028075763", key=True, popularity=2.0),
    _B("中华(软)", "上海烟草集团", 1, 600, 700, popularity=0.5),
    _B("玉溪(软)", "红云红河集团", 1, 196, 230, "6901028001915", key=True, popularity=2.2),
    _B("芙蓉王(硬)", "湖南中烟", 1, 215, 250, "6901028075428", key=True, popularity=2.0),
    _B("泰山(心悦)", "山东中烟", 1, 265, 300, "6901028990015", key=True, new_days=150),
    _B("黄鹤楼(1916)", "湖北中烟", 1, 860, 1000, popularity=0.3),
    _B("云烟(软大重九)", "红云红河集团", 1, 860, 1000, popularity=0.3),
    _B("利群(阳光)", "浙江中烟", 1, 215, 250),
    _B("南京(雨花石)", "江苏中烟", 1, 520, 600, popularity=0.5),
    _B("苏烟(五星红杉树)", "江苏中烟", 1, 430, 500, popularity=0.6),
    _B("泰山(华贵)", "山东中烟", 1, 430, 500, popularity=0.6),
    _B("好猫(长乐)", "陕西中烟", 1, 190, 220),
    _B("钻石(荷花)", "河北中烟", 1, 300, 350, popularity=1.2),
    _B("娇子(宽窄好运)", "川渝中烟", 1, 190, 220),
    _B("黄山(徽商新概念)", "安徽中烟", 1, 190, 220),
    _B("贵烟(跨越)", "贵州中烟", 1, 190, 220),
    _B("玉溪(初心)", "红云红河集团", 1, 240, 280, new_days=45),
    _B("黄鹤楼(软蓝)", "湖北中烟", 2, 160, 190, "6901028193498", key=True, popularity=1.6),
    _B("利群(新版)", "浙江中烟", 2, 122, 140, "6901028317184", key=True, popularity=1.8),
    _B("云烟(紫)", "红云红河集团", 2, 98, 110, "6901028180559", popularity=1.8),
    _B("南京(炫赫门)", "江苏中烟", 2, 155, 180, key=True, popularity=1.6),
    _B("泰山(红将军)", "山东中烟", 2, 130, 150, key=True, popularity=2.0),
    _B("娇子(X)", "川渝中烟", 2, 110, 125),
    _B("七匹狼(白)", "福建中烟", 2, 110, 125),
    _B("红塔山(硬恭贺新禧)", "红塔集团", 2, 130, 150),
    _B("双喜(硬经典1906)", "广东中烟", 2, 130, 150),
    _B("长白山(777)", "吉林烟草工业", 2, 140, 160),
    _B("黄金叶(乐途)", "河南中烟", 2, 110, 130),
    _B("真龙(海韵)", "广西中烟", 2, 170, 200),
    _B("泰山(望岳)", "山东中烟", 2, 150, 170, new_days=100),
    _B("利群(长嘴)", "浙江中烟", 2, 170, 200, new_days=220),
    _B("红塔山(经典)", "红塔集团", 3, 84, 100, "6901028062122", popularity=1.8),
    _B("白沙(精品)", "湖南中烟", 3, 72, 85, "6901028900119", popularity=1.5),
    _B("红河(软甲)", "红云红河集团", 3, 60, 70),
    _B("泰山(白将军)", "山东中烟", 3, 70, 80, popularity=1.8),
    _B("将军(红)", "山东中烟", 3, 63, 70, popularity=1.3),
    _B("红金龙(硬神州)", "湖北中烟", 3, 90, 100),
    _B("七匹狼(红)", "福建中烟", 3, 85, 100),
    _B("中南海(8mg)", "北京卷烟厂", 3, 85, 100),
    _B("黄山(红方印)", "安徽中烟", 3, 83, 100),
    _B("南京(红)", "江苏中烟", 3, 88, 100, popularity=1.2),
    _B("黄果树(长征)", "贵州中烟", 3, 62, 70),
    _B("长白山(红)", "吉林烟草工业", 3, 60, 70),
    _B("云烟(小云端)", "红云红河集团", 3, 85, 100, new_days=30),
    _B("双喜(硬)", "广东中烟", 4, 48, 55, "6901028301206", popularity=1.2),
    _B("红梅(软黄)", "红塔集团", 4, 40, 45),
    _B("大前门(短支)", "上海烟草集团", 4, 45, 50),
    _B("红河(硬)", "红云红河集团", 4, 42, 50),
    _B("哈德门(精品)", "山东中烟", 4, 45, 50, popularity=1.5),
    _B("白沙(硬)", "湖南中烟", 4, 42, 50, popularity=1.3),
    _B("红金龙(硬)", "湖北中烟", 4, 38, 45),
    _B("红旗渠(银河之光)", "河南中烟", 4, 46, 55),
    _B("黄金叶(红旗渠)", "河南中烟", 4, 36, 40),
    _B("大红鹰(新品)", "浙江中烟", 4, 40, 48),
    _B("红梅(硬顺)", "红塔集团", 5, 28, 32),
    _B("大丰收(硬)", "湖南中烟", 5, 24, 28),
    _B("金桥(硬)", "上海烟草集团", 5, 30, 35),
    _B("哈德门(硬)", "山东中烟", 5, 26, 30, popularity=1.2),
    _B("红双喜(软)", "上海烟草集团", 5, 32, 38),
    _B("经典(软)", "山东中烟", 5, 22, 25),
)
CLASS_NAMES = ("一类", "二类", "三类", "四类", "五类")

SKIP_REASONS = (
    "店主不在",
    "店铺临时关门",
    "雨天路阻，改日再访",
    "临时参加公司会议",
    "店主外出进货",
)
COMPLAINT_TEXTS = {
    "supply": (
        "中华(硬)连续两周订不足，希望增加货源",
        "畅销规格断档，请求调整投放量",
        "新品分配量太少，顾客买不到",
    ),
    "order_service": ("电话订货经常占线，订货时间太短", "网上订货系统周一上午打不开"),
    "delivery": ("送货时间不固定，影响营业", "送货员送错两条规格", "雨天送货外包装受潮"),
    "market_management": ("附近有无证户低价卖烟", "周边店铺疑似销售假烟", "临街流动摊贩卖烟"),
    "visit_service": ("客户经理上月未到店拜访", "希望客户经理多讲讲新品政策"),
    "prices": ("批发价调整没有提前通知", "零售指导价与周边差距大，顾客有意见"),
}
COMPLAINT_ANSWERS = {
    "supply": ("已反映销售部门，下周起适当增加投放", "按档位合理定量，已解释投放规则"),
    "order_service": ("呼叫中心已增加订货时段坐席", "系统已修复，可正常订货"),
    "delivery": ("配送中心已固定送货时段", "已补送正确规格并致歉"),
    "market_management": ("专卖部门已上门检查并处理", "已移交专卖部门立案调查"),
    "visit_service": ("已补访并约定每月拜访时间", "已当面讲解新品政策"),
    "prices": ("已解释价格调整政策", "计划部门已核实并回复"),
}
OPINIONS = (
    "希望增加细支烟品种",
    "建议订货截止时间延后一小时",
    "希望多搞一些陈列奖励",
    "建议新品先给小店试销",
)
DYNAMICS = (
    ("装修", "店面装修，暂停营业三天"),
    ("扩店", "隔壁门面打通，营业面积扩大"),
    ("新店主", "店铺转给儿子经营"),
    ("搬迁", "计划下月搬到对面街"),
)
ACTIVITIES = (
    ("店内", "陈列奖励", "开展新品陈列，达标给予奖励"),
    ("门口", "品鉴活动", "周末消费者品鉴，扩大口碑"),
    ("社区", "宣传推广", "发放宣传页，介绍细支产品"),
)
PRICE_NOTES = ("价格稳定", "个别规格零售价略高于指导价", "提价后销量略有下降", "")
STOCK_NOTES = ("库存合理", "高端规格库存偏多", "畅销规格库存不足，建议补货", "")
SELLING = ("好", "一般", "差")


def ean13(twelve: str) -> str:
    """A 13-digit barcode: 12 digits plus the EAN check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(twelve))
    return twelve + str((10 - total % 10) % 10)


class DemoExistsError(StoreError):
    """The target file exists and ``replace`` was not asked for."""


@dataclass
class _Retailer:
    """What the generator remembers of a retailer after writing its record."""

    code: str
    route: str
    route_seq: int
    weekday: int  # visit weekday
    order_weekday: int
    tier: int
    weekly_tiao: float
    growth: float  # yearly
    bucket: int  # price position, 0 cheap .. 4 dear
    every: int  # orders every `every` weeks
    start: dt.date | None
    stop: dt.date | None
    status: str
    vulnerable: bool
    debit: bool
    swing: float  # factor over the last weeks (1.0 = none)


@dataclass(frozen=True)
class _Brand:
    code: str
    name: str
    klass: int
    wholesale: float
    guide: float
    key: bool
    launch: dt.date | None
    popularity: float


def _rid(rng: random.Random, salt: int) -> str:
    """A record id from the demo's seeded stream, mixed with the database's own random AM id
    (``salt``): the same seed draws the same data, and two demo databases never share an id."""
    return id_from(rng, salt)


def _salt(store: Store) -> int:
    return int(store.am_id, 16)


def _at(day: dt.date | str, hour: int, minute: int = 0) -> str:
    d = day if isinstance(day, str) else day.isoformat()
    return f"{d}T{hour:02d}:{minute:02d}:00"


def _spring_festival(year: int) -> dt.date | None:
    """The Spring Festival (春节) of ``year``: the peak of the year moves between January and
    February (lunar calendar, from the lunardate library)."""
    return spring_festival(year)


def season_factor(day: dt.date) -> tuple[float, bool]:
    """Sales factor of a day and whether it lies in the Spring Festival peak.

    The weeks before the festival sell 40-80 % more (rising towards it), the festival week
    itself sells nothing (the order lines stop), the weeks after it are slow.
    """
    for year in (day.year, day.year + 1):
        sf = _spring_festival(year)
        if sf is None:
            continue
        d = (day - sf).days
        if -SPRING_PEAK_DAYS <= d < 0:
            return 1.4 + 0.4 * (d + SPRING_PEAK_DAYS) / (SPRING_PEAK_DAYS - 1), True
        if 0 <= d < SPRING_HOLIDAY_DAYS:
            return 0.0, False
        if SPRING_HOLIDAY_DAYS <= d < SPRING_AFTER_DAYS:
            return 0.75, False
    return MONTH_FACTOR[day.month], False


def _months_back(day: dt.date, months: int) -> dt.date:
    key = add_months(month_key(day), -months)
    y, m = int(key[:4]), int(key[5:])
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(y, m, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class _Builder:
    def __init__(
        self,
        store: Store,
        *,
        retailers: int,
        months: int,
        seed: int,
        today: dt.date,
        progress: Progress | None,
        territory: int = 0,
    ):
        self.store = store
        self.territory = territory
        self.salt = 0  # the database's AM id as a number, set once it exists
        self.rules: Rules = store.rules
        self.n = retailers
        self.months = months
        self.seed = seed
        self.today = today
        self.progress = progress or (lambda stage, done, total: None)
        self.rng = random.Random(f"{seed}:main")
        self.calendar = store.work_calendar
        self.start = _months_back(today, months)
        self.end = today - dt.timedelta(days=1)
        self.profiles: list[_Retailer] = []
        self.brands: list[_Brand] = []
        self.am_name = self.rng.choice(AM_NAMES)
        if territory:  # another AM of the team (a generator of its own: the data stay the same)
            names = random.Random(f"{seed}:territory:{territory}")
            self.am_name = names.choice(SURNAMES) + names.choice(GIVEN)

    # -- brands --------------------------------------------------------------------------------
    def build_brands(self) -> None:
        records = []
        for i, b in enumerate(BRANDS):
            code = b.code or ean13(f"690102{(400000 + i * 7919) % 1000000:06d}")
            launch = self.today - dt.timedelta(days=b.new_days) if b.new_days else None
            self.brands.append(
                _Brand(
                    code,
                    b.name,
                    b.klass,
                    float(b.wholesale),
                    float(b.guide),
                    b.key,
                    launch,
                    b.popularity,
                )
            )
            records.append(
                {
                    "brand_code": code,
                    "name": b.name,
                    "manufacturer": b.manufacturer,
                    "class": CLASS_NAMES[b.klass - 1],
                    "wholesale_price": float(b.wholesale),
                    "guide_price": float(b.guide),
                    "is_key": int(b.key),
                    "is_new": int(bool(b.new_days)),
                    "launch_date": launch.isoformat() if launch else None,
                }
            )
        self.store.upsert_brands(records)
        # Choice tables per price position (bucket 0..4), normal and festival (dearer) mix.
        self.tables: dict[tuple[int, bool], tuple[list[int], list[float]]] = {}
        for bucket in range(5):
            for peak in (False, True):
                center = 4 - bucket - (0.8 if peak else 0.0)  # preferred class index 0..4
                weights = []
                for brand in self.brands:
                    w = brand.popularity * math.exp(-((brand.klass - 1 - center) ** 2) / 1.3)
                    if brand.key:
                        w *= 1.3
                    weights.append(w)
                self.tables[bucket, peak] = (
                    list(range(len(self.brands))),
                    list(itertools.accumulate(weights)),
                )

    # -- routes and retailers ------------------------------------------------------------------
    def routes(self) -> list[RouteSpec]:
        if self.n <= 400:
            return list(BASE_ROUTES)
        out = list(BASE_ROUTES)
        extra = math.ceil(self.n / 60) - len(out)
        for i in range(extra):
            district, code, rural, places = CITY_DISTRICTS[i % len(CITY_DISTRICTS)]
            name = f"{district[:-1]}{i // len(CITY_DISTRICTS) + 1:03d}线"
            out.append(RouteSpec(name, (i + 1) % 5, rural, district, code, places, 60))
        return out

    def _allocate(self, routes: Sequence[RouteSpec]) -> list[int]:
        total = sum(r.weight for r in routes)
        raw = [self.n * r.weight / total for r in routes]
        counts = [int(x) for x in raw]
        order = sorted(range(len(routes)), key=lambda i: (counts[i] - raw[i], i))
        for i in order[: self.n - sum(counts)]:
            counts[i] += 1
        return counts

    def _person(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + rng.choice(GIVEN)

    def _pick(self, shares: dict[str, float]) -> str:
        keys = list(shares)
        return self.rng.choices(keys, weights=[shares[k] for k in keys])[0]

    def _flags(self, share: float) -> set[int]:
        """Indexes of the retailers that get a property of this share (at least one from 20)."""
        k = round(self.n * share)
        if k == 0 and self.n >= 20:
            k = 1
        return set(self.rng.sample(range(self.n), min(k, self.n)))

    def _tier_band(self, tier: int) -> tuple[float, float]:
        bounds = self.rules.tier_lower_bounds
        if tier == 1:
            return bounds[0], bounds[0] * 1.6
        if tier == len(bounds) + 1:
            return bounds[-1] * 0.15, bounds[-1]
        return bounds[tier - 1], bounds[tier - 2]

    def draw_retailers(self) -> list[dict[str, Any]]:
        """The retailers' records (and their profiles, kept), drawn from the build's stream."""
        self.progress("retailers", 0, self.n)
        rng = self.rng
        routes = self.routes()
        counts = self._allocate(routes)
        # Whole-dataset flags drawn up front so their shares hold at any size.
        status_of: dict[int, str] = {}
        pool = list(range(7, self.n)) if self.n > 27 else list(range(self.n))
        rng.shuffle(pool)
        k_susp = max(1 if self.n >= 20 else 0, round(self.n * SHARE_SUSPENDED))
        k_closed = max(1 if self.n >= 20 else 0, round(self.n * SHARE_CLOSED))
        k_cancel = max(1 if self.n >= 20 else 0, round(self.n * SHARE_CANCELLED))
        for idx in pool[:k_susp]:
            status_of[idx] = "暂停"
        for idx in pool[k_susp : k_susp + k_closed]:
            status_of[idx] = "歇业"
        for idx in pool[k_susp + k_closed : k_susp + k_closed + k_cancel]:
            status_of[idx] = "注销"
        vulnerable = self._flags(SHARE_VULNERABLE)
        debit = self._flags(SHARE_DEBIT_FAILURE)
        newcomers = self._flags(SHARE_NEW_RETAILER) if self.months > 6 else set()
        swings = self._flags(SHARE_SWING)
        staff = {
            r.name: (self._person(), self._person(), self._person(), f"{r.district}专卖管理所")
            for r in routes
        }
        licences: set[str] = set()
        phones: set[str] = set()
        names: set[str] = set()
        seqs: dict[str, int] = {}
        tiers = list(TIER_MIX)
        tier_w = [TIER_MIX[t] for t in tiers]
        bounds_n = len(self.rules.tier_lower_bounds) + 1

        def records() -> Iterator[dict[str, Any]]:
            idx = 0
            for route, count in zip(routes, counts, strict=True):
                clerk, deliverer, officer, bureau = staff[route.name]
                for pos in range(1, count + 1):
                    i = idx
                    idx += 1
                    yield self._retailer(
                        i,
                        route,
                        pos,
                        status_of.get(i, "正常"),
                        i in vulnerable,
                        i in debit,
                        i in newcomers,
                        i in swings,
                        (clerk, deliverer, officer, bureau),
                        licences,
                        phones,
                        names,
                        seqs,
                        tiers,
                        tier_w,
                        bounds_n,
                    )
                    if idx % 1000 == 0:
                        self.progress("retailers", idx, self.n)

        return list(records())

    def save_retailers(self, records: list[dict[str, Any]]) -> None:
        self.store.upsert_retailers(records, source="demo", by=self.am_name)
        self.progress("retailers", self.n, self.n)

    def _retailer(
        self,
        i,
        route,
        pos,
        status,
        vulnerable,
        debit,
        newcomer,
        swing,
        staff,
        licences,
        phones,
        names,
        seqs,
        tiers,
        tier_w,
        bounds_n,
    ) -> dict[str, Any]:
        rng = self.rng
        clerk, deliverer, officer, _bureau = staff
        fixed = FIXED_SHOPS[i] if i < len(FIXED_SHOPS) and not route.rural else None
        fmt = (
            fixed[1] if fixed else self._pick(FORMAT_MIX_RURAL if route.rural else FORMAT_MIX_URBAN)
        )
        tier = rng.choices(tiers, weights=tier_w)[0]
        tier += FORMAT_TIER_SHIFT.get(fmt, 0) * (rng.random() < 0.6)
        tier += int(route.rural and rng.random() < 0.5)
        tier = min(max(tier, 1), bounds_n)
        lo, hi = self._tier_band(tier)
        monthly_jian = lo + (hi - lo) * rng.uniform(0.15, 0.85)
        weekly = monthly_jian * self.rules.tiao_per_jian * 12 / 52
        scale = "大" if tier <= 3 else "中" if tier <= 5 else "小"
        if rng.random() < 0.12:
            scale = rng.choice(("大", "中", "小"))
        bucket = {1: 4, 2: 4, 3: 3, 4: 3, 5: 2, 6: 2, 7: 1, 8: 1}.get(tier, 1)
        if fmt in ("烟酒商店", "商场") and not route.rural:
            bucket += 1
        if route.rural:
            bucket -= 1
        if rng.random() < 0.3:
            bucket += rng.choice((-1, 1))
        bucket = min(max(bucket, 0), 4)
        # name
        if fixed:
            name = fixed[0]
        else:
            for attempt in range(20):
                head = (
                    rng.choice(route.places)[:-1]
                    if route.rural and rng.random() < 0.4
                    else (rng.choice(NAME_PREFIXES))
                )
                name = head + rng.choice(FORMAT_SUFFIXES[fmt])
                if attempt > 8:
                    name += f"({rng.choice('二三四五六')}店)"
                if name not in names:
                    break
        names.add(name)
        # identifiers
        seqs[route.district_code + str(route.rural)] = seq = (
            seqs.get(route.district_code + str(route.rural), self.territory * TERRITORY_BLOCK) + 1
        )
        if self.territory and seq >= (self.territory + 1) * TERRITORY_BLOCK:
            raise ValueError(
                f"a territory holds at most {TERRITORY_BLOCK - 1} retailers per district; "
                f"build fewer retailers"
            )
        code = (
            f"0{route.district_code}{seq:05d}"
            if route.rural
            else (f"{route.district_code}1{seq:05d}")
        )
        while True:
            lic = f"{route.district_code}{rng.randrange(100000, 999999)}"
            if lic not in licences:
                licences.add(lic)
                break
        while True:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if phone not in phones:
                phones.add(phone)
                break
        owner = self._person()
        place = route.places[pos % len(route.places)]
        address = (
            f"{route.district}{place}{rng.randrange(1, 300)}号"
            if not route.rural
            else f"{route.district}{route.name[:2]}镇{place}{rng.randrange(1, 120)}号"
        )
        # dates
        issued = self.today - dt.timedelta(days=rng.randrange(100, 5 * 365 - 30))
        if rng.random() < 0.03:
            expiry = self.today + dt.timedelta(days=rng.randrange(5, 60))
        else:
            expiry = issued + dt.timedelta(days=5 * 365)
        review = dt.date(self.today.year, issued.month, min(issued.day, 28))
        span = (self.end - self.start).days
        start = (
            self.start + dt.timedelta(days=rng.randrange(30, max(31, span - 120)))
            if (newcomer)
            else None
        )
        stop = None
        if status == "暂停":
            stop = self.today - dt.timedelta(days=rng.randrange(10, 120))
        elif status == "歇业":
            stop = self.today - dt.timedelta(days=rng.randrange(40, 300))
        elif status == "注销":
            stop = self.today - dt.timedelta(days=rng.randrange(180, 540))
        if stop and stop < self.start + dt.timedelta(days=14):
            stop = self.start + dt.timedelta(days=14 + rng.randrange(14))
        if start and stop and start >= stop:
            start = None
        trade_area = (
            rng.choice(("城乡结合部", "集镇", "村庄", "村庄"))
            if route.rural
            else rng.choice(("核心商圈", "商业街", "交通枢纽", "学校周边", "居民区", "居民区"))
        )
        coop = rng.choices(("好", "较好", "一般", "较差", "差"), weights=(30, 35, 25, 7, 3))[0]
        credit = rng.choices(("AAA", "AA", "A", "B", "C", "D"), weights=(10, 22, 40, 20, 6, 2))[0]
        order_weekday = (route.weekday + 1) % 5 if rng.random() < 0.7 else rng.randrange(5)
        every = 2 if weekly < 10 else 1
        area = {"大": (80, 300), "中": (30, 80), "小": (8, 30)}[scale]
        profile = _Retailer(
            code=code,
            route=route.name,
            route_seq=pos,
            weekday=route.weekday,
            order_weekday=order_weekday,
            tier=tier,
            weekly_tiao=weekly,
            growth=rng.uniform(-0.12, 0.18),
            bucket=bucket,
            every=every,
            start=start,
            stop=stop,
            status=status,
            vulnerable=vulnerable,
            debit=debit,
            swing=rng.choice((0.5, 1.6)) if swing else 1.0,
        )
        self.profiles.append(profile)
        contact = owner if rng.random() < 0.8 else self._person()
        return {
            "code": code,
            "name": name,
            "licence_no": lic,
            "owner": owner,
            "settlement": rng.choices(("电子结算", "现金", "银行转账"), weights=(90, 7, 3))[0],
            "order_day": WEEKDAYS[order_weekday],
            "status": status,
            "nature": "有限责任公司"
            if fmt in ("超市", "商场") and scale == "大"
            else rng.choices(("个体工商户", "个人独资企业"), weights=(9, 1))[0],
            "registered_capital": f"{rng.choice((1, 2, 3, 5, 10, 20, 50))}万元",
            "display_form": rng.choice(("柜台", "货架", "玻璃柜台+背柜", "烟柜")),
            "district": route.district,
            "floor_area": float(rng.randrange(*area)),
            "am_name": self.am_name,
            "phone_clerk": clerk,
            "deliverer": deliverer,
            "route": route.name,
            "route_seq": pos,
            "order_batch": f"{WEEKDAYS[order_weekday]}批",
            "visit_batch": WEEKDAYS[route.weekday],
            "order_frequency": "每周一次" if every == 1 else "两周一次",
            "business_format": fmt,
            "market_type": "乡村" if route.rural else "城镇",
            "scale": scale,
            "licence_type": "零售许可证",
            "compliance": "有违规记录" if rng.random() < 0.03 else "守法",
            "issuing_bureau": f"济南市{route.district}烟草专卖局",
            "monopoly_officer": officer,
            "credit_grade": credit,
            "monitored": int(rng.random() < 0.05),
            "model_outlet": 0,
            "licence_issued": issued.isoformat(),
            "licence_expiry": expiry.isoformat(),
            "annual_review": review.isoformat(),
            "business_condition": rng.choices(("良好", "一般", "较差"), weights=(50, 40, 10))[0],
            "cooperation": coop,
            "characteristics": CHARACTERISTICS[trade_area],
            "trade_area": trade_area,
            "debit_failures": rng.randrange(1, 4) if debit else 0,
            "contact": contact,
            "phone": phone,
            "address": address,
            "mailing_address": address,
            "vulnerable": int(vulnerable),
            "birthday": dt.date(
                rng.randrange(1945, 1972), rng.randrange(1, 13), rng.randrange(1, 29)
            ).isoformat()
            if vulnerable
            else None,
        }

    def mark_model_outlets(self) -> None:
        """示范户: the bigger urban active shops with good cooperation, ~3 %."""
        k = max(1 if self.n >= 20 else 0, round(self.n * SHARE_MODEL))
        rows = self.store.query(
            "SELECT code FROM retailers WHERE status = '正常' AND market_type = '城镇' "
            "AND cooperation IN ('好', '较好') ORDER BY floor_area DESC, code LIMIT ?",
            (k * 3,),
        )
        chosen = sorted(self.rng.sample([r[0] for r in rows], min(k, len(rows))))
        with self.store.write() as conn:
            conn.executemany(
                "UPDATE retailers SET model_outlet = 1 WHERE code = ?", [(c,) for c in chosen]
            )

    def audit_statuses(self) -> None:
        """The status changes of suspended/closed/cancelled retailers, as an AM made them."""
        rows = []
        for p in self.profiles:
            if p.stop is None:
                continue
            rows.append(
                (
                    _rid(self.rng, self.salt),
                    self.store.am_id,
                    p.code,
                    "status",
                    "正常",
                    p.status,
                    _at(p.stop, 16, 30),
                    self.am_name,
                    "manual",
                )
            )
        with self.store.write() as conn:
            conn.executemany(
                "INSERT INTO retailer_changes (id, am_id, retailer_code, field, old, new, "
                "changed_at, changed_by, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    # -- orders --------------------------------------------------------------------------------
    def _order_days(self) -> dict[int, list[tuple[str, dt.date, float, bool]]]:
        """For each weekday 0..4: the order days of the period (working days only)."""
        out: dict[int, list[tuple[str, dt.date, float, bool]]] = {w: [] for w in range(5)}
        day = self.start
        while day <= self.end:
            if day.weekday() < 5 and self.calendar.is_workday(day):
                factor, peak = season_factor(day)
                if factor > 0:
                    out[day.weekday()].append((day.isoformat(), day, factor, peak))
            day += dt.timedelta(days=1)
        return out

    @contextlib.contextmanager
    def drawing_lines(self) -> Iterator[Callable[[], int]]:
        """Draw every retailer's order lines into lines stages beside the database: from
        :data:`DRAW_PROCESSES_FROM` retailers on by processes of their own, started here and
        drawing while the block does other work (each a run of retailers in code order);
        below, by the build itself. The function the block gets waits for them (or draws
        them), copies them in and returns the number of lines. Leaving the block stops any
        process still drawing and removes the stages."""
        spec = self._line_spec()
        profiles = sorted(self.profiles, key=lambda p: p.code)
        parts = _drawing_processes(len(profiles))
        stages = [Path(f"{self.store.path}.lines{k}") for k in range(max(parts, 1))]
        drawn = 0

        def report(n: int) -> None:
            nonlocal drawn
            drawn += n
            self.progress("orders", drawn, self.n)

        for stage in stages:
            _remove(stage)
        processes = _DrawingProcesses(spec, profiles, stages) if parts else None

        def load() -> int:
            if processes is None:
                _stage_lines(spec, profiles, stages[0], report)
            else:
                processes.wait(report)
            self.progress("aggregates", 0, 0)
            return self.store.load_staged_lines(stages)

        try:
            yield load
        finally:
            if processes is not None:
                processes.stop()
            for stage in stages:
                _remove(stage)

    def _line_spec(self) -> _LineSpec:
        days = tuple(
            tuple(
                (iso, day, factor, peak, (day - self.today).days, iso[:7])
                for iso, day, factor, peak in ds
            )
            for _, ds in sorted(self._order_days().items())
        )
        tables = {
            key: (cum, cum[-1] + 0.0, len(population) - 1)
            for key, (population, cum) in self.tables.items()
        }
        return _LineSpec(self.seed, self.today, days, tuple(self.brands), tables)

    # -- history: plans and visits of the last months --------------------------------------------
    def plan_history(self) -> tuple[random.Random, int]:
        """The approved plans of the last months and their visits, as planned (they need no
        order line). Returns the history's generator, to go on with, and the number of plans."""
        rng = random.Random(f"{self.seed}:history")
        per_tier = self.rules.visits.per_month_by_tier
        max_per_month = self.rules.visits.max_per_month
        am_id = self.store.am_id
        history = [
            m for m in months_before(self.today, HISTORY_MONTHS) if m >= month_key(self.start)
        ]
        by_route: dict[str, list[_Retailer]] = {}
        for p in self.profiles:
            by_route.setdefault(p.route, []).append(p)
        plans, visits = [], []
        for month in history:
            plan_id = _rid(rng, self.salt)
            prev = add_months(month, -1)
            submit = self.calendar.previous_workday(
                dt.date.fromisoformat(f"{month}-01"), include=False
            )
            plans.append(
                (
                    plan_id,
                    am_id,
                    month,
                    "approved",
                    _at(f"{prev}-28", 17),
                    _at(submit, 10),
                    _at(submit, 16),
                )
            )
            days_of_month = [
                d
                for d in (
                    dt.date.fromisoformat(f"{month}-01") + dt.timedelta(days=i) for i in range(31)
                )
                if month_key(d) == month and self.calendar.is_workday(d)
            ]
            holiday = any(
                self.calendar.holiday_name(dt.date.fromisoformat(f"{month}-01") + dt.timedelta(i))
                for i in range(28)
            )
            wanted: list[tuple[dt.date, int, _Retailer, list[str]]] = []
            for members in by_route.values():
                weekday = members[0].weekday
                route_days = [d for d in days_of_month if d.weekday() == weekday] or days_of_month
                for p in members:
                    n = int(per_tier.get(str(p.tier), 1))
                    reasons_extra = []
                    if p.vulnerable and holiday:
                        n += 1
                        reasons_extra.append("care")
                    if p.debit:
                        n += 1
                        reasons_extra.append("debit_failure")
                    n = min(n, max_per_month, len(route_days))
                    offset = rng.randrange(len(route_days))
                    chosen = sorted(
                        {
                            route_days[(offset + k * len(route_days) // n) % len(route_days)]
                            for k in range(n)
                        }
                    )
                    for k, day in enumerate(chosen):
                        if p.status != "正常" and p.stop and day >= p.stop:
                            continue
                        if p.start and day < p.start:
                            continue
                        reasons = ["plan"] if k == 0 else ["plan", *reasons_extra[:1]]
                        if (
                            p.vulnerable
                            and "care" not in reasons
                            and holiday
                            and k == len(chosen) - 1
                        ):
                            reasons.append("care")
                        wanted.append((day, k, p, reasons))
            day_lists = self._fit_capacity(wanted, days_of_month)
            created = _at(f"{prev}-28", 17)
            for day in sorted(day_lists):
                entries = sorted(day_lists[day], key=lambda e: (e[1].route, e[0]))
                for seq, (_, p, reasons) in enumerate(entries, start=1):
                    measures = ["collect_demand", "communicate"]
                    measures.append(rng.choice(("relationship", "guidance", "ledger", "brand")))
                    if "care" in reasons or p.vulnerable:
                        measures.append("care")
                    if "debit_failure" in reasons:
                        measures.append("anomaly")
                    visits.append(
                        (
                            _rid(rng, self.salt),
                            am_id,
                            plan_id,
                            p.code,
                            day.isoformat(),
                            seq,
                            "planned",
                            json.dumps(reasons),
                            json.dumps(measures),
                            0,
                            created,
                            created,
                        )
                    )
        with self.store.write() as conn:
            conn.executemany(
                "INSERT INTO visit_plans (id, am_id, month, status, created_at, submitted_at, "
                "approved_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                plans,
            )
            conn.executemany(
                "INSERT INTO visits (id, am_id, plan_id, retailer_code, planned_date, seq, "
                "status, reasons, measures, adhoc, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                visits,
            )
        return rng, len(plans)

    def complete_history(self, rng: random.Random, plans: int) -> dict[str, int]:
        """The planned visits before this month made (their captures and complaints, from the
        best-selling brands of the retailer's order lines) and a few complaints still open."""
        until = dt.date.fromisoformat(f"{month_key(self.today)}-01")
        done = complete_past_visits(self.store, rng, until)
        done["plans"] = plans
        done["complaints"] += self._open_complaints(rng)
        return done

    def _fit_capacity(
        self, wanted: list[tuple[dt.date, int, _Retailer, list[str]]], days: list[dt.date]
    ) -> dict[dt.date, list[tuple[int, _Retailer, list[str]]]]:
        """Spread a month's visits so no day holds more than the AM's daily capacity.

        First visits of the month come first; a visit that does not fit its route day moves to
        the nearest working day with room; a repeat visit that fits nowhere is dropped.
        """
        capacity = self.rules.visits.daily_capacity
        out: dict[dt.date, list[tuple[int, _Retailer, list[str]]]] = {}
        codes: dict[dt.date, set[str]] = {}

        def fits(d: dt.date, p: _Retailer) -> bool:
            return (
                len(out.get(d, ())) < capacity
                and p.code not in codes.get(d, ())
                and not (p.stop and d >= p.stop)
                and not (p.start and d < p.start)
            )

        # the days in the order they are tried for a visit wanted on day i: nearest first, a
        # later day before an earlier one as near (made once per wanted day)
        index = {d: i for i, d in enumerate(days)}
        nearest: dict[int, list[dt.date]] = {}
        for day, k, p, reasons in sorted(
            wanted, key=lambda e: (e[1], e[0], e[2].route, e[2].route_seq)
        ):
            target = day if fits(day, p) else None
            if target is None:
                i = index.get(day, 0)
                tried = nearest.get(i)
                if tried is None:
                    order = sorted(range(len(days)), key=lambda j: (abs(j - i), j < i))
                    tried = nearest[i] = [days[j] for j in order]
                for d in tried:
                    if fits(d, p):
                        target = d
                        break
            if target is None:
                if k > 0 or p.code in codes.get(day, ()):
                    continue
                target = day
            out.setdefault(target, []).append((p.route_seq, p, reasons))
            codes.setdefault(target, set()).add(p.code)
        return out

    def _open_complaints(self, rng: random.Random) -> int:
        """A couple of complaints still open and overdue today, and one just raised."""
        active = [p for p in self.profiles if p.status == "正常"]
        if not active:
            return 0
        picks = [
            ("delivery", 10, "open"),
            ("supply", 12, "forwarded"),
            ("order_service", 1, "open"),
        ]
        n = 0
        with self.store.write() as conn:
            for category, age, status in picks:
                p = active[rng.randrange(len(active))]
                raised = self.today - dt.timedelta(days=age)
                _insert_complaint(
                    conn, self.store, rng, p.code, category, raised, None, None, status=status
                )
                n += 1
        return n


# -- order lines ---------------------------------------------------------------------------
# From this many retailers on, the order lines are drawn by processes of their own (at most
# DRAW_PROCESSES, one a core); below it a process's start-up costs more than it saves.
DRAW_PROCESSES_FROM = 1500
DRAW_PROCESSES = 4


@dataclass(frozen=True)
class _LineSpec:
    """What drawing the order lines needs besides the retailers (sent to the processes that
    draw them): per order weekday 0..4 its order days (ISO day, date, season factor, festival
    mix, days from today, month), the brands, and the cumulative choice weights of each price
    position and mix."""

    seed: int
    today: dt.date
    days: tuple[tuple[tuple[str, dt.date, float, bool, int, str], ...], ...]
    brands: tuple[_Brand, ...]
    tables: dict[tuple[int, bool], tuple[list[float], float, int]]


def _draw_lines(spec: _LineSpec, profiles: Sequence[_Retailer]) -> Iterator[list[tuple]]:
    """Each retailer's order lines (a list per retailer, in the order given), tuples in
    ``ORDER_COLUMNS`` order followed by the month, drawn from the retailer's own seeded
    generator: the same seed draws the same lines, whoever draws them. The draws are those of
    ``rng.lognormvariate``, ``rng.uniform`` and ``rng.choices`` written out (the same calls of
    ``rng.random()`` in the same order, the same arithmetic)."""
    brands = spec.brands
    codes = [b.code for b in brands]
    names = [b.name for b in brands]
    prices = [b.wholesale for b in brands]
    launches = [b.launch for b in brands]
    popularity = [b.popularity for b in brands]
    amounts: list[dict[int, float]] = [{} for _ in brands]
    tables = spec.tables
    swing_from = spec.today - dt.timedelta(days=42)
    lines_lo, lines_span = -0.8, 0.8 - -0.8  # rng.uniform(-0.8, 0.8)
    share_lo, share_span = 0.5, 1.5 - 0.5  # rng.uniform(0.5, 1.5)
    bisect, exp, log1p = _bisect.bisect_right, math.exp, math.log1p
    for p in profiles:
        rng = random.Random(f"{spec.seed}:orders:{p.code}")
        rnd, lognormal = rng.random, rng.lognormvariate
        phase = rng.randrange(p.every)
        log_growth = log1p(p.growth)
        mean_lines = 1 + 0.9 * log1p(p.weekly_tiao * p.every / 15)
        base = p.weekly_tiao * p.every
        code, every, start, stop, swing = p.code, p.every, p.start, p.stop, p.swing
        out: list[tuple] = []
        for k, (iso, day, factor, peak, offset, month) in enumerate(spec.days[p.order_weekday]):
            if (k + phase) % every:
                continue
            if (start and day < start) or (stop and day >= stop):
                continue
            trend = exp(log_growth * offset / 365)
            qty = base * factor * trend * lognormal(0, 0.15)
            if swing != 1.0 and day >= swing_from:
                qty *= swing
            n_lines = max(1, round(mean_lines + (lines_lo + lines_span * rnd())))
            cum, total, hi = tables[p.bucket, peak]
            picked: list[int] = []
            for j in [bisect(cum, rnd() * total, 0, hi) for _ in range(n_lines + 2)]:
                if j in picked or ((launch := launches[j]) and day < launch):
                    continue
                picked.append(j)
                if len(picked) == n_lines:
                    break
            shares = [popularity[j] * (share_lo + share_span * rnd()) for j in picked]
            whole = sum(shares)
            for j, s in zip(picked, shares, strict=True):
                q = max(1, round(qty * s / whole))
                amount = amounts[j].get(q)
                if amount is None:
                    amounts[j][q] = amount = round(q * prices[j], 2)
                out.append((code, iso, codes[j], names[j], q, amount, prices[j], month))
        yield out


def _stage_lines(
    spec: _LineSpec, profiles: Sequence[_Retailer], path: Path, report: Callable[[int], None]
) -> int:
    """Draw these retailers' order lines into a new lines stage at ``path``
    (:data:`khtui.data.sales.LINES_STAGE`) and finish it; ``report(n)`` after every
    ``n`` retailers drawn. Returns the number of lines."""
    import sqlite3

    from khtui.data.base import PAGE_SIZE
    from khtui.data.sales import (
        LINES_STAGE,
        LINES_STAGE_INSERT,
        SORT_RUN_KIB,
        finish_lines_stage,
    )

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # scratch: thrown away after the copy, or with a failed build
        for pragma in (
            f"page_size = {PAGE_SIZE}",
            "journal_mode = OFF",
            "synchronous = OFF",
            # a retailer's lines land on a few pages near each other; the sort by day runs in
            # the CPU's caches
            f"cache_size = -{SORT_RUN_KIB}",
        ):
            conn.execute(f"PRAGMA {pragma}")
        for ddl in LINES_STAGE:
            conn.execute(ddl)
        conn.execute("BEGIN")
        written = 0
        for n, lines in enumerate(_draw_lines(spec, profiles), start=1):
            conn.executemany(LINES_STAGE_INSERT, lines)
            written += len(lines)
            if n % 100 == 0:
                report(100)
        report(len(profiles) % 100)
        finish_lines_stage(conn.execute)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return written


def _drawing_processes(retailers: int) -> int:
    """How many processes draw the order lines of this many retailers (0: the build itself)."""
    if retailers < DRAW_PROCESSES_FROM:
        return 0
    cores = usable_cores()
    return min(DRAW_PROCESSES, cores) if cores > 1 else 0


class _DrawingProcesses:
    """Processes drawing the retailers' order lines into ``stages``, one each, each a run of
    the retailers in the order given, started at once and drawing while the build does other
    work. :meth:`wait` reports their progress and raises the exception of one that fails;
    :meth:`stop` ends them (always called)."""

    def __init__(self, spec: _LineSpec, profiles: Sequence[_Retailer], stages: Sequence[Path]):
        import multiprocessing
        import pickle

        # spawned, not forked: the build may run beside threads (a fork copies their locks).
        # Each process reads its retailers from a file: the start stays small whatever their
        # number.
        ctx = multiprocessing.get_context("spawn")
        self.messages = ctx.Queue()
        self.processes: list[Any] = []
        self.inputs = [Path(f"{stage}.in") for stage in stages]
        k = len(stages)
        runs = [len(profiles) * i // k for i in range(k + 1)]
        try:
            for i, path in enumerate(self.inputs):
                with open(path, "wb") as f:
                    pickle.dump((spec, list(profiles[runs[i] : runs[i + 1]])), f)
                process = ctx.Process(
                    target=_stage_part, args=(path, stages[i], self.messages), daemon=True
                )
                process.start()
                self.processes.append(process)
        except BaseException:
            self.stop()
            raise

    def wait(self, report: Callable[[int], None]) -> None:
        """Until every process is done; ``report`` as :func:`_stage_lines`."""
        import queue as queues

        done = 0
        while done < len(self.processes):
            try:
                kind, value = self.messages.get(timeout=0.5)
            except queues.Empty:
                stopped = [p.exitcode for p in self.processes if p.exitcode not in (None, 0)]
                if stopped:
                    raise RuntimeError(
                        f"a process drawing the order lines stopped (exit code {stopped[0]})"
                    ) from None
                continue
            if kind == "drawn":
                report(value)
            elif kind == "done":
                done += 1
            else:  # the process's own exception, as the build would have raised it
                error, text = value
                error.add_note(f"in a process drawing the order lines:\n{text}")
                raise error

    def stop(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            process.join()
        self.messages.close()
        self.messages.join_thread()
        for path in self.inputs:
            path.unlink(missing_ok=True)


def _stage_part(source: Path, path: Path, messages) -> None:
    """A drawing process: :func:`_stage_lines` of the spec and retailers pickled in
    ``source``, its progress and its end (or its exception, with its traceback as text) sent
    on ``messages``."""
    import pickle
    import traceback

    try:
        with open(source, "rb") as f:
            spec, profiles = pickle.load(f)
        _stage_lines(spec, profiles, path, lambda n: messages.put(("drawn", n)))
        messages.put(("done", 0))
    except BaseException as exc:
        text = traceback.format_exc()
        try:
            pickle.dumps(exc)
            error: BaseException = exc
        except Exception:
            error = RuntimeError(text)
        messages.put(("error", (error, text)))


# -- visits completed in the past (also used after the current month's plan exists) ------------
def complete_past_visits(store: Store, rng: random.Random, until: dt.date) -> dict[str, int]:
    """Mark the planned visits before ``until`` as done (most) or skipped, as an AM would have.

    Done visits get check-in and finish times and captures of several kinds (prices with
    price observations, display, brand sales, new brands, opinions that may raise a complaint,
    retailer dynamics, manufacturer activities), and each visit day a work-log entry. Statuses
    of the complaints raised follow their age as of ``store.today()``. Returns counts.
    """
    am_id = store.am_id
    salt = int(am_id, 16)
    brands = [dict(r) for r in store.query("SELECT * FROM brands ORDER BY brand_code")]
    key_brands = [b for b in brands if b["is_key"]]
    new_brands = [b for b in brands if b["is_new"]]
    by_code = {b["brand_code"]: b for b in brands}
    threshold = store.rules.capture.price_deviation_pct / 100
    rows = store.query(
        "SELECT v.id, v.retailer_code, v.planned_date, v.seq, r.route, r.vulnerable "
        "FROM visits v JOIN retailers r ON r.code = v.retailer_code "
        f"WHERE v.status IN {OPEN_VISITS} AND v.planned_date < ? "
        "ORDER BY v.planned_date, v.seq, v.id",
        (until.isoformat(),),
    )
    counts = {"visits": 0, "done": 0, "skipped": 0, "captures": 0, "prices": 0, "complaints": 0}
    days: dict[str, list[tuple[str, bool]]] = {}
    outcomes: list[VisitOutcome] = []
    encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False)
    # captures and price observations are written in bulk, in the order they are drawn (a
    # complaint's capture before the complaint that refers to it)
    captures: list[tuple] = []
    prices: list[tuple] = []

    def best_sellers(conn, window: tuple[str, str, str]) -> list[str]:
        return [
            r[0]
            for r in conn.execute(
                "SELECT brand_code FROM monthly_brand_sales WHERE retailer_code = ? AND "
                "month BETWEEN ? AND ? GROUP BY brand_code ORDER BY sum(qty_tiao) DESC, "
                "brand_code LIMIT 6",
                window,
            )
        ]

    def sold_any(conn, window: tuple[str, str, str]) -> bool:
        return (
            conn.execute(
                "SELECT 1 FROM monthly_brand_sales WHERE retailer_code = ? AND "
                "month BETWEEN ? AND ? LIMIT 1",
                window,
            ).fetchone()
            is not None
        )

    def write_pending(conn) -> None:
        conn.executemany(
            "INSERT INTO captures (id, am_id, visit_id, retailer_code, kind, payload, "
            "is_draft, captured_on, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
            captures,
        )
        conn.executemany(
            "INSERT INTO price_observations (id, am_id, capture_id, visit_id, "
            "retailer_code, brand_code, observed_on, retail_price, guide_price, "
            "marked_price, stock_tiao, on_shelf, is_draft) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            prices,
        )
        captures.clear()
        prices.clear()

    with store.write() as conn:
        for v in rows:
            day, code, seq = v["planned_date"], v["retailer_code"], v["seq"]
            counts["visits"] += 1
            minute = 8 * 60 + 40 + (seq - 1) * 17 + rng.randrange(0, 8)
            hh, mm = divmod(min(minute, 17 * 60 + 30), 60)
            days.setdefault(day, []).append((v["route"], True))
            if rng.random() < SKIP_SHARE:
                at = _at(day, hh, mm)
                outcomes.append(
                    VisitOutcome(v["id"], "skip", at, skip_reason=rng.choice(SKIP_REASONS))
                )
                counts["skipped"] += 1
                days[day][-1] = (v["route"], False)
                continue
            stay = rng.randrange(8, 26)
            dh, dm = divmod(hh * 60 + mm + stay, 60)
            checked, done = _at(day, hh, mm), _at(day, dh, dm)
            outcomes.append(VisitOutcome(v["id"], "finish", done, checked, done))
            counts["done"] += 1

            def capture(kind: str, payload: dict, _v=v, _day=day, _done=done) -> str:
                payload = final_payload(kind, payload)
                cid = _rid(rng, salt)
                captures.append(
                    (
                        cid,
                        am_id,
                        _v["id"],
                        _v["retailer_code"],
                        kind,
                        encode(payload),
                        _day,
                        _done,
                        _done,
                    )
                )
                counts["captures"] += 1
                return cid

            # the retailer's best sellers of the last four months, read only when drawn on
            # (a visit that needs only whether it sold anything asks just that)
            window = (code, add_months(day[:7], -3), day[:7])
            sold: list[str] | None = None
            marks = _marks_prices(code)
            r = rng.random()
            if r < 0.4:
                sold = best_sellers(conn, window)
                cid = capture("prices", {"note": rng.choice(PRICE_NOTES)})
                chosen = list(
                    dict.fromkeys(
                        [
                            *sold[:4],
                            *(
                                b["brand_code"]
                                for b in rng.sample(key_brands, min(2, len(key_brands)))
                            ),
                        ]
                    )
                )
                for bc in chosen:
                    b = by_code[bc]
                    guide = b["guide_price"]
                    if rng.random() < 0.06:
                        dev = rng.uniform(threshold + 0.01, threshold + 0.1)
                        retail = round(guide * (1 + dev * rng.choice((-1, 1))))
                    else:
                        retail = round(guide * (1 + rng.gauss(0, 0.02)))
                    prices.append(
                        (
                            _rid(rng, salt),
                            am_id,
                            cid,
                            v["id"],
                            code,
                            bc,
                            day,
                            float(retail),
                            guide,
                            int(marks or rng.random() < 0.1),
                            rng.randrange(0, 25),
                            (int(rng.random() < 0.85) if b["is_key"] else None),
                        ),
                    )
                    counts["prices"] += 1
            elif r < 0.7:
                capture(
                    "display",
                    {
                        "display": rng.choices(SELLING, weights=(5, 4, 1))[0],
                        "price_labels": marks,
                        "satisfaction": rng.choices(("5", "4", "3", "2"), weights=(4, 4, 2, 1))[0],
                        "note": "",
                    },
                )
            if (sold if sold is not None else sold_any(conn, window)) and rng.random() < 0.2:
                sold = sold if sold is not None else best_sellers(conn, window)
                b = by_code[rng.choice(sold)]
                capture(
                    "brand_sales",
                    {
                        "brand_code": b["brand_code"],
                        "price": round(b["guide_price"] * rng.uniform(0.97, 1.03)),
                        "selling": rng.choices(SELLING, weights=(4, 4, 2))[0],
                        "note": "",
                    },
                )
            launched = [b for b in new_brands if (b["launch_date"] or "") <= day]
            if launched and rng.random() < 0.15:
                b = rng.choice(launched)
                capture(
                    "new_brand",
                    {
                        "brand_code": b["brand_code"],
                        "sales_tiao": rng.randrange(0, 12),
                        "retailer_acceptance": rng.choice(SELLING),
                        "consumer_acceptance": rng.choice(SELLING),
                        "price_kept": rng.random() < 0.8,
                        "potential": rng.choice(("大", "中", "小")),
                    },
                )
            if rng.random() < 0.08:
                capture("stock", {"note": rng.choice(STOCK_NOTES[:3])})
            if rng.random() < 0.03:
                event, note = rng.choice(DYNAMICS)
                capture("dynamics", {"event": event, "date": day, "note": note})
            if rng.random() < 0.04 and key_brands:
                place, method, strategy = rng.choice(ACTIVITIES)
                capture(
                    "activity",
                    {
                        "brand_code": rng.choice(key_brands)["brand_code"],
                        "place": place,
                        "method": method,
                        "strategy": strategy,
                    },
                )
            if rng.random() < 0.07:
                if rng.random() < 0.45:
                    category = rng.choice(sorted(store.rules.complaint_routes))
                    text = rng.choice(COMPLAINT_TEXTS.get(category, ("对服务有意见",)))
                    cid = capture("opinion", {"type": "投诉", "text": text})
                    write_pending(conn)
                    _insert_complaint(
                        conn,
                        store,
                        rng,
                        code,
                        category,
                        dt.date.fromisoformat(day),
                        cid,
                        v["id"],
                        text=text,
                    )
                    counts["complaints"] += 1
                else:
                    capture(
                        "opinion",
                        {"type": rng.choice(("意见", "建议")), "text": rng.choice(OPINIONS)},
                    )
        write_pending(conn)
        # the visits' states pass the rules of the AM's own keys (in one bulk write)
        store.record_outcomes(outcomes)
        for day, entries in sorted(days.items()):
            routes = "、".join(dict.fromkeys(route or "-" for route, _ in entries))
            done_n = sum(1 for _, ok in entries if ok)
            text = f"走访{routes}，计划{len(entries)}户，完成{done_n}户"
            captures.append(
                (
                    _rid(rng, salt),
                    am_id,
                    None,
                    None,
                    "worklog",
                    encode(final_payload("worklog", {"text": text})),
                    day,
                    _at(day, 17, 45),
                    _at(day, 17, 45),
                )
            )
            counts["captures"] += 1
        write_pending(conn)
    return counts


def final_payload(kind: str, payload: dict) -> dict:
    """A capture made final as :meth:`~khtui.data.captures.CaptureOps.finish_capture` makes
    the AM's: every field cleaned by the domain's rules, some content, every required field
    filled (:mod:`khtui.domain.capture`). A demo payload that breaks them stops the build."""
    from khtui.domain.capture import KIND_BY_KEY, clean_field, has_content, missing_required

    spec = KIND_BY_KEY[kind]
    fields = spec.field_by_name
    unknown = payload.keys() - fields.keys()
    clean = {k: clean_field(fields[k], v) for k, v in payload.items() if k in fields}
    missing = missing_required(spec, clean)
    if unknown or missing or (kind != "prices" and not has_content(clean)):
        raise ValueError(f"demo capture {kind} {payload!r}: unknown {unknown}, missing {missing}")
    return clean


def _marks_prices(code: str) -> bool:
    """Whether a shop keeps marked prices (明码标价): nine in ten do, the same ones every visit."""
    return zlib.crc32(code.encode()) % 10 != 0


def _insert_complaint(
    conn,
    store: Store,
    rng: random.Random,
    code: str,
    category: str,
    raised: dt.date,
    capture_id: str | None,
    visit_id: str | None,
    *,
    status: str | None = None,
    text: str | None = None,
) -> str:
    """One complaint, routed by the rules; its status follows its age unless given."""
    route = store.rules.complaint_routes[category]
    today = store.today()
    due = raised + dt.timedelta(days=route.due_days)
    text = text or rng.choice(COMPLAINT_TEXTS.get(category, ("对服务有意见",)))
    secondary = route.am_share != "full"
    forwarded: dt.date | None = None
    answered: dt.date | None = None
    closed: dt.date | None = None
    answer = resolution = None
    if status is None:
        if due < today:
            status = "closed" if rng.random() < 0.85 else "answered"
        else:
            status = "forwarded" if secondary and rng.random() < 0.6 else "answered"
    if secondary and status != "open":
        forwarded = raised + dt.timedelta(days=rng.randrange(0, 2))
    if status in ("answered", "closed"):
        lo = forwarded or raised
        answered = min(lo + dt.timedelta(days=rng.randrange(0, route.due_days + 1)), due, today)
        answered = max(answered, lo)
        answer = rng.choice(COMPLAINT_ANSWERS.get(category, ("已答复",)))
    if status == "closed":
        closed = (answered or raised) + dt.timedelta(days=rng.randrange(1, 4))
        if closed > today:
            status, closed = "answered", None
        else:
            resolution = "客户满意，已办结"
    last = closed or answered or forwarded or raised
    cid = _rid(rng, _salt(store))
    conn.execute(
        "INSERT INTO complaints (id, am_id, retailer_code, capture_id, visit_id, category, "
        "department, am_share, raised_on, due_on, status, forwarded_on, answered_on, closed_on, "
        "description, answer, resolution, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            cid,
            store.am_id,
            code,
            capture_id,
            visit_id,
            category,
            route.department,
            route.am_share,
            raised.isoformat(),
            due.isoformat(),
            status,
            forwarded and forwarded.isoformat(),
            answered and answered.isoformat(),
            closed and closed.isoformat(),
            text,
            answer,
            resolution,
            # raised or last dealt with today: its first moment, where the demo stands
            min(_at(raised, 11), store.now_text()),
            min(_at(last, 15), store.now_text()),
        ),
    )
    return cid


# -- the build -------------------------------------------------------------------------------
DEMO_NARRATIVE = {
    "problems": (
        "1. 城东二线两户重点客户中华(硬)断档一周，原因是上旬订货量偏低、货源分配滞后。\n"
        "2. 乡镇二线部分客户明码标价不全，价签陈旧。"
    ),
    "suggestions": "零售户建议新品利群(新版)增加投放量；个别客户反映送货时间不固定。",
    "improvements": (
        "1. 下周对断档客户回访，协助调整订货结构。\n2. 联合专管员督促乡镇客户规范明码标价。"
    ),
}


def _this_month(store: Store, rng: random.Random, today: dt.date) -> None:
    """This month as it would stand on ``today``: the plan drafted before the month began and
    approved, the visits of the days before today made (with their captures), and last
    week's report submitted — so the today screen is populated from the first start."""
    from khtui.domain.months import month_key
    from khtui.domain.report import default_week

    month = month_key(today)
    first = dt.date(today.year, today.month, 1)
    with seeded_ids(rng, int(store.am_id, 16)):
        clock = store.clock
        drafted = min(dt.datetime.combine(first, dt.time(8, 0)), clock())  # (today: the 1st)
        store.clock = lambda: drafted
        try:
            store.generate_month_plan(month)
            store.submit_plan(month)
            store.approve_plan(month)
        finally:
            store.clock = clock
        complete_past_visits(store, rng, until=today)
        week = default_week(today)
        store.save_weekly_draft(week, DEMO_NARRATIVE)
        store.submit_weekly(week)


# The forecast made before last month began is stored as the program would have stored it
# then (so last month has its 预测准确率 and this month its sales swings); at city scale the
# program computes forecasts itself at start.
DEMO_FORECAST_MAX_RETAILERS = 2000


def _last_months_forecast(
    store: Store, today: dt.date, seed: int, progress: Progress | None = None
) -> None:
    first = dt.date.fromisoformat(add_months(month_key(today), -1) + "-01")
    clock = store.clock
    store.clock = lambda: dt.datetime.combine(first, dt.time(7, 30))
    told = None if progress is None else partial(progress, "forecast")
    try:
        with seeded_ids(random.Random(f"{seed}:forecast"), _salt(store)):
            store.compute_forecasts(first, told)
    finally:
        store.clock = clock
    with store.write() as conn:  # the time it took is this machine's, not the demo's
        conn.execute("UPDATE forecast_runs SET seconds = NULL, cpu_seconds = NULL")


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        p.unlink(missing_ok=True)


def build_demo(
    path: str | os.PathLike,
    *,
    retailers: int = DEFAULT_RETAILERS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    replace: bool = False,
    rules: Rules | None = None,
    progress: Progress | None = None,
    territory: int = 0,
) -> dict[str, Any]:
    """Build the demo database at ``path`` and return a summary (path, retailers, order
    lines, months, seconds, …).

    ``territory`` (0..MAX_TERRITORY) makes the demo one AM of a team: another AM code
    (``DEMOnn``) and name, and customer codes of its own (numbered from ``territory ×
    TERRITORY_BLOCK`` in each district), so the databases of several territories can be merged
    (``khtui team merge``). Territory 0 is the classic demo.

    Refuses an existing file unless ``replace``; then the old file is replaced whole, and
    only once the new one is complete.
    """
    import time

    if not 1 <= retailers <= MAX_RETAILERS:
        raise ValueError(f"retailers must be 1..{MAX_RETAILERS}")
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be 1..{MAX_MONTHS}")
    if not 0 <= territory <= MAX_TERRITORY:
        raise ValueError(f"territory must be 0..{MAX_TERRITORY}")
    t0 = time.perf_counter()
    path = Path(path)
    today = today or _clock.today()
    if path.exists() and not replace:
        raise DemoExistsError(f"{path} exists")
    if path.exists():
        # --force replaces a khtui database, never another program's file
        kind, _info = database_kind(path)
        if kind not in ("khtui", "newer"):
            refuse_unless_khtui(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.building")
    _remove(tmp)
    # the demo stands at its today's first moment: what it records on that day is stamped
    # then, never at a later hour, so a demo built early in the morning holds no stamp after
    # the clock's now and the AM's first action after the build is newer than every record of
    # it (the team merge keeps the newest copy and refuses an older copy of an AM's database)
    pinned = dt.datetime.combine(today, dt.time())
    store = Store(tmp, create=True, rules=rules or default_rules(), clock=lambda: pinned)
    try:
        # Nobody else reads the file until it is renamed, and a failed build is thrown away:
        # no write-ahead log (which would hold every new page a second time), no fsync.
        store.conn.execute("PRAGMA journal_mode = MEMORY")
        store.conn.execute("PRAGMA synchronous = OFF")
        store.conn.execute("PRAGMA cache_size = -131072")
        b = _Builder(
            store,
            retailers=retailers,
            months=months,
            seed=seed,
            today=today,
            progress=progress,
            territory=territory,
        )
        store.user = b.am_name
        b.rng.getrandbits(128)  # the draw that once made the AM id: the data stay as they were
        meta = {
            # the AM's id is the database's own (random), so ids differ between two builds
            "am_id": uuid.uuid4().hex,
            "am_code": f"DEMO{territory:02d}",
            "am_name": b.am_name,
            "company": COMPANY,
            "is_demo": "1",
            "demo_seed": str(seed),
            "demo_today": today.isoformat(),
            "demo_retailers": str(retailers),
            "demo_months": str(months),
            "demo_territory": str(territory),
        }
        for k, v in meta.items():
            store.set_meta(k, v)
        b.salt = int(meta["am_id"], 16)
        b.build_brands()
        records = b.draw_retailers()
        # the order lines need only the retailers' profiles: drawn while the retailers are saved
        # and the last months' visits planned
        with b.drawing_lines() as load_lines:
            b.save_retailers(records)
            del records
            b.mark_model_outlets()
            b.audit_statuses()
            planned = b.plan_history()
            lines = load_lines()
        if progress:
            progress("history", 0, 0)
        history = b.complete_history(*planned)
        if progress:
            progress("derive", 0, 0)
        store.recompute(today)
        if progress:
            progress("plan", 0, 0)
        _this_month(store, b.rng, today)
        if retailers <= DEMO_FORECAST_MAX_RETAILERS:
            _last_months_forecast(store, today, seed, progress)  # its bar: the months done
        store.conn.execute("PRAGMA optimize")
        store.conn.execute("PRAGMA journal_mode = WAL")
    except BaseException:
        store.close()
        _remove(tmp)
        raise
    store.close()
    if path.exists():
        _remove(path)
    os.replace(tmp, path)
    _remove(tmp)
    return {
        "path": str(path),
        "retailers": retailers,
        "brands": len(BRANDS),
        "order_lines": lines,
        "months": months,
        "first_order_day": b.start.isoformat(),
        "last_order_day": b.end.isoformat(),
        "today": today.isoformat(),
        "seed": seed,
        **{f"history_{k}": v for k, v in history.items()},
        "seconds": round(time.perf_counter() - t0, 1),
    }


__all__ = [
    "DEFAULT_MONTHS",
    "DEFAULT_RETAILERS",
    "DEFAULT_SEED",
    "MAX_TERRITORY",
    "DemoExistsError",
    "build_demo",
    "complete_past_visits",
    "season_factor",
]
