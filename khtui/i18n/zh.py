"""简体中文 (default)."""

MESSAGES: dict[str, str] = {
    "app.title": "khtui 客户经理工作台",
    "app.demo": "演示数据",
    "app.db": "数据库",
    "error.prefix": "错误",
    "error.no_db": "没有数据库 {path}。用 `khtui demo` 生成演示数据，或 `khtui import retailers 文件` 导入客户，或用 --db 指定已有数据库",
    "error.unknown_code": "没有客户编码为 {code} 的客户；可用 `khtui search {code}` 查找",
    "error.bad_date": "日期无效：{value}（格式 YYYY-MM-DD，例如 2026-11-23）",
    "error.bad_month": "月份无效：{value}（格式 YYYY-MM，例如 2026-12）",
    "cli.recomputed": "已重算 {n} 户的档位、分类、分级和价值（截至 {as_of}）",
    "cli.no_retailers": "没有符合条件的客户",
    "field.tier": "档位",
    "field.monthly_avg_jian": "月均(件)",
    "field.category": "分类",
    "field.level": "分级",
    "field.value": "客户价值",
    "value.core": "核心",
    "value.general": "一般",
    "value.problem": "问题",
    "why.title": "计算依据",
    "calendar.unknown_year": "{year} 年没有官方节假日数据，按周末和规则文件中的日历设置计算",
}
