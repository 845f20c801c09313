"""Browsing a team database with Datasette (``khtui team serve``): the metadata that gives its
tables and columns their Chinese labels and hides the internal tables (the lookup index and
the program's own settings). Datasette shows a table's ``title`` and each column's
description; the data themselves are served read-only (immutable mode)."""

from __future__ import annotations

from typing import Any

from khtui.domain.retailer import FIELDS

HIDDEN = ("meta", "search_keys", "search_prefix", "search_suffix", "search_counts")

TABLES: dict[str, str] = {
    "retailers": "零售客户",
    "retailer_changes": "客户信息变更记录",
    "brands": "卷烟品牌",
    "order_lines": "订单明细",
    "monthly_sales": "客户月销量",
    "monthly_brand_sales": "客户品牌月销量",
    "visit_plans": "月度拜访计划",
    "visits": "拜访",
    "captures": "市场信息采集",
    "price_observations": "价格与库存采集",
    "complaints": "投诉",
    "weekly_reports": "周报",
    "reviews": "市场经理审批",
    "team_sources": "合并来源文件",
    "team_ams": "客户经理",
    "team_books": "客户经理名下客户",
}

# Columns that several tables share.
COMMON: dict[str, str] = {
    "id": "编号",
    "am_id": "客户经理编号",
    "source_id": "合并来源",
    "retailer_code": "客户编码",
    "brand_code": "卷烟编码",
    "brand_name": "品牌名称",
    "visit_id": "拜访编号",
    "capture_id": "采集编号",
    "plan_id": "计划编号",
    "status": "状态",
    "created_at": "创建时间",
    "updated_at": "更新时间",
    "month": "月份",
    "qty_tiao": "数量(条)",
    "amount": "金额(元)",
    "note": "备注",
}

COLUMNS: dict[str, dict[str, str]] = {
    "retailers": {
        **{f.name: f.zh for f in FIELDS},
        "extra": "其他导入列",
        "tier": "档位",
        "monthly_avg_jian": "月均(件)",
        "category_code": "分类代码",
        "category_name": "分类",
        "level": "分级",
        "avg_price": "单条均价(元)",
        "value_class": "客户价值",
        "value_score": "价值得分",
        "derived_as_of": "计算日期",
        "derived_why": "计算依据",
    },
    "retailer_changes": {
        "field": "字段",
        "old": "原值",
        "new": "新值",
        "changed_at": "修改时间",
        "changed_by": "修改人",
        "source": "来源",
    },
    "brands": {
        "name": "品牌名称",
        "manufacturer": "生产厂家",
        "class": "价类",
        "wholesale_price": "批发价(元/条)",
        "guide_price": "零售指导价(元/条)",
        "is_key": "重点品牌",
        "is_new": "新品",
        "launch_date": "上市日期",
    },
    "order_lines": {"order_date": "订货日期", "price": "单价(元/条)"},
    "monthly_sales": {"lines": "明细行数"},
    "visit_plans": {
        "submitted_at": "提交时间",
        "approved_at": "审批时间",
    },
    "visits": {
        "planned_date": "计划日期",
        "seq": "顺序",
        "reasons": "拜访原因",
        "measures": "服务措施",
        "adhoc": "临时拜访",
        "checked_in_at": "签到时间",
        "done_at": "完成时间",
        "skip_reason": "未访原因",
        "rescheduled_to": "改期至",
        "origin_visit_id": "原拜访",
    },
    "captures": {
        "kind": "采集类别",
        "payload": "内容",
        "is_draft": "草稿",
        "captured_on": "采集日期",
    },
    "price_observations": {
        "observed_on": "采集日期",
        "retail_price": "实际零售价(元/条)",
        "guide_price": "零售指导价(元/条)",
        "marked_price": "明码标价",
        "stock_tiao": "库存(条)",
        "on_shelf": "上柜",
        "is_draft": "草稿",
    },
    "complaints": {
        "category": "类别",
        "department": "责任部门",
        "am_share": "客户经理责任",
        "raised_on": "受理日期",
        "due_on": "答复期限",
        "forwarded_on": "转办日期",
        "answered_on": "答复日期",
        "closed_on": "办结日期",
        "description": "内容",
        "answer": "答复",
        "resolution": "处理结果",
    },
    "weekly_reports": {
        "week": "周",
        "version": "版本",
        "narrative": "文字部分",
        "figures": "数据部分",
        "submitted_at": "提交时间",
    },
    "reviews": {
        "subject": "审批对象",
        "subject_id": "对象编号",
        "decision": "决定",
        "comment": "意见",
        "decided_at": "决定时间",
        "decided_by": "决定人",
        "received_at": "客户经理导入时间",
    },
    "team_sources": {
        "am_code": "客户经理工号",
        "am_name": "客户经理",
        "path": "文件",
        "schema_version": "结构版本",
        "last_write": "最新记录时间",
        "merged_at": "合并时间",
        "counts": "合并条数",
    },
    "team_ams": {
        "code": "工号",
        "name": "姓名",
        "last_source_id": "最近合并来源",
        "last_write": "最新记录时间",
        "merged_at": "合并时间",
    },
    "team_books": {"updated_at": "该客户经理资料的更新时间"},
}


def datasette_metadata(database: str) -> dict[str, Any]:
    """Datasette's metadata for the database served under the name ``database``."""
    tables: dict[str, Any] = {name: {"hidden": True} for name in HIDDEN}
    for name, title in TABLES.items():
        labels = {**COMMON, **COLUMNS.get(name, {})}
        tables[name] = {"title": title, "columns": labels}
    return {
        "title": "khtui 团队库",
        "description": "客户经理数据合并后的团队库（只读）",
        "databases": {database: {"tables": tables}},
    }
