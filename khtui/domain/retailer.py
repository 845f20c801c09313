"""The retailer record 客户信息: five groups of fields, how often each changes, and its checks."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

STATUSES = ("正常", "暂停", "歇业", "注销")
ACTIVE = "正常"
GROUPS = ("basic", "network", "management", "operations", "personal")
GROUP_NAMES = {
    "basic": ("基础信息", "Basic"),
    "network": ("网络信息", "Network"),
    "management": ("管理信息", "Management"),
    "operations": ("经营信息", "Operations"),
    "personal": ("个人信息", "Personal"),
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    group: str
    kind: str  # static / dynamic / derived
    zh: str
    en: str
    type: str = "text"  # text / int / real / bool / date / status / phone


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("code", "basic", "static", "客户编码", "Customer code"),
    FieldSpec("name", "basic", "static", "客户名称", "Shop name"),
    FieldSpec("licence_no", "basic", "static", "许可证号", "Licence no."),
    FieldSpec("owner", "basic", "static", "负责人", "Owner"),
    FieldSpec("settlement", "basic", "dynamic", "结算方式", "Settlement"),
    FieldSpec("order_day", "basic", "dynamic", "订货周期", "Order cycle"),
    FieldSpec("status", "basic", "dynamic", "状态", "Status", "status"),
    FieldSpec("nature", "network", "static", "客户性质", "Nature"),
    FieldSpec("registered_capital", "network", "static", "注册资金", "Registered capital"),
    FieldSpec("display_form", "network", "dynamic", "出样形式", "Display form"),
    FieldSpec("district", "network", "static", "行政区域", "District"),
    FieldSpec("floor_area", "network", "dynamic", "营业面积", "Floor area (m²)", "real"),
    FieldSpec("am_name", "network", "dynamic", "客户经理", "Account manager"),
    FieldSpec("phone_clerk", "network", "dynamic", "电话订货员", "Phone-order clerk"),
    FieldSpec("deliverer", "network", "dynamic", "送货员", "Deliverer"),
    FieldSpec("route", "network", "dynamic", "送货线路", "Route"),
    FieldSpec("route_seq", "network", "dynamic", "线路顺序", "Route position", "int"),
    FieldSpec("order_batch", "network", "dynamic", "订货批次", "Order batch"),
    FieldSpec("visit_batch", "network", "dynamic", "拜访批次", "Visit batch"),
    FieldSpec("order_frequency", "network", "dynamic", "订货频次", "Order frequency"),
    FieldSpec("business_format", "network", "static", "业态", "Business format"),
    FieldSpec("market_type", "network", "static", "市场类型", "Market type"),
    FieldSpec("scale", "network", "dynamic", "经营规模", "Outlet scale"),
    FieldSpec("licence_type", "management", "static", "许可证类型", "Licence type"),
    FieldSpec("compliance", "management", "derived", "守法情况", "Compliance"),
    FieldSpec("issuing_bureau", "management", "static", "发证局", "Issuing bureau"),
    FieldSpec("monopoly_officer", "management", "dynamic", "专管员", "Monopoly officer"),
    FieldSpec("credit_grade", "management", "dynamic", "诚信等级", "Credit grade"),
    FieldSpec("monitored", "management", "dynamic", "监控户", "Monitored outlet", "bool"),
    FieldSpec("model_outlet", "management", "dynamic", "示范户", "Model outlet", "bool"),
    FieldSpec("licence_issued", "management", "static", "发证日期", "Licence issued", "date"),
    FieldSpec("licence_expiry", "management", "dynamic", "有效期至", "Licence expiry", "date"),
    FieldSpec("annual_review", "management", "dynamic", "年审日期", "Annual review", "date"),
    FieldSpec("business_condition", "operations", "dynamic", "经营状况", "Business condition"),
    FieldSpec("cooperation", "operations", "dynamic", "配合情况", "Cooperation"),
    FieldSpec("characteristics", "operations", "dynamic", "经营特点", "Characteristics"),
    FieldSpec("trade_area", "operations", "dynamic", "商圈环境", "Trade area"),
    FieldSpec("debit_failures", "operations", "dynamic", "扣款失败次数", "Debit failures", "int"),
    FieldSpec("contact", "personal", "dynamic", "联系人", "Contact"),
    FieldSpec("phone", "personal", "dynamic", "联系电话", "Phone", "phone"),
    FieldSpec("address", "personal", "static", "经营地址", "Address"),
    FieldSpec("mailing_address", "personal", "dynamic", "通讯地址", "Mailing address"),
    FieldSpec("vulnerable", "personal", "dynamic", "弱势群体", "Vulnerable", "bool"),
    FieldSpec("birthday", "personal", "dynamic", "生日", "Birthday", "date"),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}
EDITABLE = tuple(f.name for f in FIELDS if f.kind == "dynamic")

_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$", re.ASCII)


class FieldError(ValueError):
    """A value that a field cannot take; the message says what is wrong and what to type."""


def clean_value(field: str, raw: object) -> object:
    """Validate and normalise a typed or imported value for ``field``.

    Returns the value to store (``None`` for an empty optional field); raises
    :class:`FieldError` with a message a user can act on.
    """
    spec = FIELD_BY_NAME.get(field)
    if spec is None:
        raise FieldError(f"unknown field {field!r}")
    text = "" if raw is None else str(raw).strip()
    if spec.type == "status":
        if text not in STATUSES:
            raise FieldError(f"{spec.zh}: {text!r} 不是有效状态，应为 {'/'.join(STATUSES)}")
        return text
    if text == "":
        if field in ("code", "name"):
            raise FieldError(f"{spec.zh} 不能为空")
        # flags and counters that are NOT NULL in the store read an empty cell as 0
        return 0 if spec.type == "bool" or field == "debit_failures" else None
    if spec.type == "int":
        if not re.fullmatch(r"[0-9]+", text):
            raise FieldError(f"{spec.zh}: {text!r} 应为非负整数")
        return int(text)
    if spec.type == "real":
        try:
            v = float(text)
        except ValueError:
            raise FieldError(f"{spec.zh}: {text!r} 应为数字") from None
        if not math.isfinite(v):
            raise FieldError(f"{spec.zh}: {text!r} 应为数字")
        if v < 0:
            raise FieldError(f"{spec.zh}: 不能为负数")
        return v
    if spec.type == "bool":
        up = text.upper()
        if up in ("是", "Y", "YES", "1", "TRUE", "√"):
            return 1
        if up in ("否", "N", "NO", "0", "FALSE"):
            return 0
        raise FieldError(f"{spec.zh}: {text!r} 应为 是/否")
    if spec.type == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise FieldError(f"{spec.zh}: {text!r} 不是有效日期，格式 YYYY-MM-DD") from None
    if spec.type == "phone":
        if not _PHONE.match(text):
            raise FieldError(f"{spec.zh}: {text!r} 不是有效电话（11位手机号或带区号的座机）")
        return text
    return text
