"""The retailer record 客户信息: five groups of fields, how often each changes, and its checks."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from khtui.domain.limits import INTEGER_MAX, NUMBER_MAX
from khtui.domain.messages import Key, Keys
from khtui.domain.problems import KeyedError

STATUSES = ("正常", "暂停", "歇业", "注销")
ACTIVE = "正常"
GROUPS = ("basic", "network", "management", "operations", "personal")  # retailer.group.<name>


@dataclass(frozen=True)
class FieldSpec:
    """A field of the record. ``zh`` and ``en`` are the names the company's files give it: an
    import always recognises either as the field's column, and an export writes ``zh`` when
    the rules name no header for it. The UI names it from the catalogue
    (``retailer.field.<name>``)."""

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


class FieldError(KeyedError, ValueError):
    """A value that a field cannot take: the message ``key`` (``retailer.err.*``) with
    ``params`` says what is wrong and what to type (the field's name as a :class:`Key`)."""


def field_key(field: str) -> Key:
    """A retailer field's name as a message parameter (translated where shown)."""
    return Key(f"retailer.field.{field}")


def clean_value(field: str, raw: object) -> object:
    """Validate and normalise a typed or imported value for ``field``.

    Returns the value to store (``None`` for an empty optional field); raises
    :class:`FieldError` with a message a user can act on.
    """
    spec = FIELD_BY_NAME.get(field)
    if spec is None:
        raise FieldError("retailer.err.unknown_field", field=field)
    name = field_key(field)
    text = "" if raw is None else str(raw).strip()
    if spec.type == "status":
        if text not in STATUSES:
            raise FieldError(
                "retailer.err.status",
                field=name,
                value=text,
                choices=Keys(f"retailer.status.{s}" for s in STATUSES),
            )
        return text
    if text == "":
        if field in ("code", "name"):
            raise FieldError("retailer.err.required", field=name)
        # flags and counters that are NOT NULL in the store read an empty cell as 0
        return 0 if spec.type == "bool" or field == "debit_failures" else None
    if spec.type == "int":
        if not re.fullmatch(r"[0-9]+", text):
            raise FieldError("retailer.err.int", field=name, value=text)
        digits = text.lstrip("0") or "0"  # past 4300 digits Python reads no number
        if len(digits) > len(str(INTEGER_MAX)) or int(digits) > INTEGER_MAX:
            raise FieldError("retailer.err.too_large", field=name, value=text)
        return int(digits)
    if spec.type == "real":
        try:
            v = float(text)
        except ValueError:
            raise FieldError("retailer.err.number", field=name, value=text) from None
        if math.isnan(v):
            raise FieldError("retailer.err.number", field=name, value=text)
        if v < 0:
            raise FieldError("retailer.err.negative", field=name, value=text)
        if v > NUMBER_MAX:  # 1e400 is infinity
            raise FieldError("retailer.err.too_large", field=name, value=text)
        return v
    if spec.type == "bool":
        up = text.upper()
        if up in ("是", "Y", "YES", "1", "TRUE", "√"):
            return 1
        if up in ("否", "N", "NO", "0", "FALSE"):
            return 0
        raise FieldError("retailer.err.bool", field=name, value=text)
    if spec.type == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise FieldError("retailer.err.date", field=name, value=text) from None
    if spec.type == "phone":
        if not _PHONE.match(text):
            raise FieldError("retailer.err.phone", field=name, value=text)
        return text
    return text
