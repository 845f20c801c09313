"""The kinds of market information an AM captures at a visit (会收集).

This is the contract between the capture screen, the store, the demo data and the reports:
each kind has a key, names, and the payload fields it holds (stored as JSON in
``captures.payload``). Prices, stock and on-shelf presence per brand are stored as rows of
``price_observations`` beside a ``prices`` capture, not in its payload.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaptureField:
    name: str
    zh: str
    en: str
    type: str = "text"  # text / brand / int / money / bool / date / choice
    choices: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class CaptureKind:
    key: str
    zh: str
    en: str
    fields: tuple[CaptureField, ...]


SELLING = ("好", "一般", "差")

KINDS: tuple[CaptureKind, ...] = (
    CaptureKind(
        "activity",
        "厂家市场活动",
        "Manufacturer activity",
        (
            CaptureField("brand_code", "推广品牌", "Promoted brand", "brand", required=True),
            CaptureField("place", "地点", "Place"),
            CaptureField("method", "方式", "Method"),
            CaptureField("strategy", "策略", "Strategy"),
        ),
    ),
    CaptureKind(
        "brand_sales",
        "品牌销售",
        "Brand sales",
        (
            CaptureField("brand_code", "品牌", "Brand", "brand", required=True),
            CaptureField("price", "售价(元/条)", "Price (yuan/carton)", "money"),
            CaptureField("selling", "销售情况", "How it sells", "choice", SELLING, required=True),
            CaptureField("note", "说明", "Note"),
        ),
    ),
    CaptureKind(
        "new_brand",
        "新品牌销售",
        "New-brand sales",
        (
            CaptureField("brand_code", "新品", "New brand", "brand", required=True),
            CaptureField("sales_tiao", "销量(条)", "Sold (cartons)", "int"),
            CaptureField(
                "retailer_acceptance", "零售户认可度", "Retailer acceptance", "choice", SELLING
            ),
            CaptureField(
                "consumer_acceptance", "消费者认可度", "Consumer acceptance", "choice", SELLING
            ),
            CaptureField("price_kept", "零售价是否稳定", "Retail price kept", "bool"),
            CaptureField("potential", "市场潜力", "Potential", "choice", ("大", "中", "小")),
        ),
    ),
    CaptureKind(
        "prices",
        "价格与库存",
        "Prices and stock",
        (CaptureField("note", "价格变动影响", "Effect of a price change"),),
    ),
    CaptureKind(
        "dynamics",
        "客户动态",
        "Retailer dynamics",
        (
            CaptureField(
                "event",
                "动态",
                "Event",
                "choice",
                ("搬迁", "装修", "歇业", "转让", "新店主", "扩店", "其他"),
                required=True,
            ),
            CaptureField("date", "日期", "Date", "date"),
            CaptureField("note", "说明", "Note"),
        ),
    ),
    CaptureKind(
        "stock",
        "社会库存",
        "Stock on hand",
        (CaptureField("note", "库存说明", "Stock note"),),
    ),
    CaptureKind(
        "opinion",
        "客户意见建议",
        "Opinions, suggestions, complaints",
        (
            CaptureField("type", "类型", "Type", "choice", ("意见", "建议", "投诉"), required=True),
            CaptureField("text", "内容", "Text", required=True),
        ),
    ),
    CaptureKind(
        "worklog",
        "客户经理工作动态",
        "AM work log",
        (CaptureField("text", "工作内容", "What was done", required=True),),
    ),
    CaptureKind(
        "display",
        "陈列与满意度",
        "Display and satisfaction",
        (
            CaptureField("display", "陈列", "Display", "choice", SELLING),
            CaptureField("price_labels", "明码标价", "Price labels", "bool"),
            CaptureField(
                "satisfaction",
                "满意度(1-5)",
                "Satisfaction (1-5)",
                "choice",
                ("5", "4", "3", "2", "1"),
            ),
            CaptureField("note", "说明", "Note"),
        ),
    ),
)
KIND_BY_KEY = {k.key: k for k in KINDS}
