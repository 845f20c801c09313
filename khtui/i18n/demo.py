"""Demo data builder (`khtui demo`, `khtui --demo`)."""

ZH: dict[str, str] = {
    "demo.built": "演示数据已生成：{path}（{retailers} 户，{lines} 条订单明细，{months} 个月，用时 {seconds} 秒）",
    "demo.first_use": "首次使用演示模式，正在生成演示数据 {path} ……",
    "demo.exists": "{path} 已存在；要重新生成请加 --force（将整体替换该文件），或用 --db 指定其他文件",
    "demo.cannot_write": "无法写入 {path}（{error}）；请检查目录权限或用 --db 指定其他位置",
    "demo.bad_count": "{option} 的值 {value} 无效：应为 {lo} 到 {hi} 之间的整数",
    "demo.stage.retailers": "生成客户和卷烟品牌……",
    "demo.stage.orders": "生成订单明细",
    "demo.stage.aggregates": "汇总月度销量……",
    "demo.stage.history": "生成拜访、信息采集和投诉记录……",
    "demo.stage.derive": "计算档位、分类、分级和客户价值……",
    "demo.stage.plan": "生成本月拜访计划和上周周报……",
    "demo.stage.forecast": "按上月初的数据预测上月和本月订货量……",
}

EN: dict[str, str] = {
    "demo.built": "demo data built: {path} ({retailers} retailers, {lines} order lines, {months} months, {seconds} s)",
    "demo.first_use": "first use of demo mode: building the demo data at {path} ...",
    "demo.exists": "{path} exists; add --force to rebuild it (the file is replaced whole), or choose another file with --db",
    "demo.cannot_write": "cannot write {path} ({error}); check the folder's permissions or choose another place with --db",
    "demo.bad_count": "{option} {value} is not valid: use a whole number from {lo} to {hi}",
    "demo.stage.retailers": "retailers and brands ...",
    "demo.stage.orders": "order lines",
    "demo.stage.aggregates": "monthly totals ...",
    "demo.stage.history": "visits, captures and complaints ...",
    "demo.stage.derive": "tier, category, level and value ...",
    "demo.stage.plan": "this month's visit plan and last week's report ...",
    "demo.stage.forecast": "last month's and this month's forecast from the data of last month's start ...",
}
