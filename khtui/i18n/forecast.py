"""Forecast, warnings and supply suggestions (CLI, screens and widgets)."""

from __future__ import annotations

ZH: dict[str, str] = {
    # methods
    "fc.method.snaive": "季节朴素（去年同月）",
    "fc.method.mean3": "近三月均值（节日对齐）",
    "fc.method.ses": "指数平滑（节日对齐）",
    "fc.method.croston": "Croston-SBA（间歇需求）",
    "fc.method.tsb": "TSB（间歇需求）",
    "fc.method.adida": "ADIDA（间歇需求）",
    "fc.method.short": "历史不足：均值（节日对齐）",
    "fc.method.no_history": "无订货历史：0",
    "fc.method.closed": "非正常经营：0",
    "fc.method.sum": "各客户预测之和",
    "fc.level.area": "片区",
    "fc.level.retailer": "客户",
    "fc.level.brand": "客户×品牌",
    # CLI
    "fc.computing": "正在计算预测（回测各方法，约需数十秒）……",
    "fc.computed": "预测已计算：{series} 个序列，用时 {seconds} 秒（CPU {cpu} 秒），数据截至 {through}",
    "fc.none": "没有可预测的订货数据：先导入订单（khtui import orders FILE）",
    "fc.no_run_for_month": "没有 {month} 的预测：可查看 {months}",
    "fc.unknown_retailer": "没有客户 {code}",
    "fc.unknown_brand": "没有卷烟 {code}",
    "fc.header": "{month} 订货量预测（条）· 计算于 {computed}，数据截至 {through}",
    "fc.cols": "层级  客户  品牌  预测  区间  方法  回测WAPE（季节朴素）",
    "fc.accuracy_line": "{month} 预测准确率：片区 {acc}（预测 {forecast} 条，实际 {actual} 条{partial}）",
    "fc.partial": "，本月尚未结束",
    "fc.no_accuracy": "{month} 开始前没有保存预测，无法计算预测准确率",
    "fc.backtest.none": "还没有回测结果：先运行 khtui forecast",
    # warnings
    "warn.kind.shortage": "缺货",
    "warn.kind.overstock": "积压",
    "warn.kind.stale_stock": "库存过期",
    "warn.kind.swing_low": "销量偏低",
    "warn.kind.swing_high": "销量偏高",
    "warn.kind.licence": "证照到期",
    "warn.kind.complaint": "投诉到期",
    "warn.shortage": "{brand} 约 {runs_out} 售完：{counted_on} 盘点 {stock:g} 条、此后订 {ordered:g} 条、日销 {rate:g} 条，可售 {cover:g} 天，撑不到下次订货 {next_order} 加安全期 {safety} 天",
    "warn.overstock": "{brand} 积压：{counted_on} 盘点 {stock:g} 条、此后订 {ordered:g} 条、日销 {rate:g} 条，可售 {cover:g} 天，超过 {limit} 天",
    "warn.overstock.no_sales": "{brand} 积压：{counted_on} 盘点 {stock:g} 条，近期没有订货（无销量），可售天数超过 {limit} 天",
    "warn.stale_stock": "库存数据过期：最近盘点 {counted_on}（{brands} 个品牌）已 {age} 天，超过 {limit} 天，不作判断，到店请重新盘点",
    "warn.swing_low": "{month} 销量低于预测 {pct}%：实际 {actual:g} 条，应为 {expected:g} 条{sofar}（限 {limit}%）",
    "warn.swing_high": "{month} 销量高于预测 {pct}%：实际 {actual:g} 条，应为 {expected:g} 条{sofar}（限 {limit}%）",
    "warn.sofar": "（截至今日，按已过工作日比例）",
    "warn.licence": "许可证 {expiry} 到期，还有 {days} 天",
    "warn.licence.expired": "许可证已于 {expiry} 过期（{days} 天前）",
    "warn.complaint": "{category}投诉 {due_on} 到期，还有 {days} 个工作日",
    "warn.complaint.overdue": "{category}投诉已于 {due_on} 到期，超期 {days} 个工作日",
    "warn.none": "{date} 没有预警",
    "warn.count": "{date} 预警 {n} 条",
    # screens and widgets
    "warn.title": "预警",
    "warn.keywords": "warnings yujing yj 预警 缺货 积压 库存 证照",
    "warn.palette.help": "缺货、积压、销量波动、证照和投诉到期（W）",
    "warn.col.kind": "类型",
    "warn.col.retailer": "客户",
    "warn.col.why": "原因",
    "warn.loading": "正在读取预警……",
    "warn.filter.all": "全部",
    "warn.filter.today": "今日客户",
    "warn.footer": "Enter 打开客户档案 · t 今日客户/全部 · Ctrl+R 刷新 · Esc 返回",
    "warn.panel.title": "今日客户预警",
    "warn.panel.empty": "今日客户没有预警",
    "warn.panel.none_here": "没有预警",
    "warn.panel.more": "另有 {n} 户（w 查看全部预警）",
    "warn.key": "预警",
    "warn.toggle": "今日/全部",
    "fc.panel.title": "订货预测",
    "fc.panel.none": "还没有预测：程序会在后台计算（导入订单后或启动时）",
    "fc.panel.this": "本月 {month}：{qty} 条（{lo}–{hi}）",
    "fc.panel.next": "下月 {month}：{qty} 条（{lo}–{hi}）",
    "fc.panel.method": "方法：{method}",
    "fc.panel.backtest": "回测误差 WAPE {wape}（季节朴素 {base}，{windows} 个窗口）",
    "fc.panel.no_backtest": "回测：历史不足，未回测",
    "fc.panel.accuracy": "{month} 预测准确率 {acc}（预测 {forecast}，实际 {actual}）",
    "fc.panel.no_accuracy": "预测准确率：月初前尚无预测",
    "fc.panel.computed": "计算于 {computed}，数据截至 {through}",
    "fc.chart.history": "历史",
    "fc.chart.forecast": "预测",
    "fc.chart.title": "月订货量与预测（条）",
    "sup.title": "建议订货（{day} 订，每 {cycle} 天）",
    "sup.none": "没有本月预测，暂无建议",
    "sup.empty": "本月没有需要补货的品牌",
    "sup.cols": "品牌（紧=紧俏 新=新品）建议 月预测 现有",
    "sup.note.ceiling": "按{tier}档上限 {ceiling} 条",
    "sup.note.no_bundling": "不与紧俏品牌搭售",
    "sup.scarce": "紧",
    "sup.new": "新",
    "sup.unknown_stock": "-",
    # export
    "sup.export.sheet": "建议订货量",
    # which name of a rules entry (name / en) this language shows
    "fc.rules_name": "name",
}

EN: dict[str, str] = {
    "fc.method.snaive": "seasonal naive (same month last year)",
    "fc.method.mean3": "mean of 3 months (holiday-aligned)",
    "fc.method.ses": "exponential smoothing (holiday-aligned)",
    "fc.method.croston": "Croston-SBA (intermittent)",
    "fc.method.tsb": "TSB (intermittent)",
    "fc.method.adida": "ADIDA (intermittent)",
    "fc.method.short": "short history: mean (holiday-aligned)",
    "fc.method.no_history": "no order history: 0",
    "fc.method.closed": "not active: 0",
    "fc.method.sum": "sum of the retailers' forecasts",
    "fc.level.area": "area",
    "fc.level.retailer": "retailer",
    "fc.level.brand": "retailer × brand",
    "fc.computing": "computing the forecasts (backtesting each method, some tens of seconds) ...",
    "fc.computed": "forecasts computed: {series} series in {seconds} s (CPU {cpu} s), data up to {through}",
    "fc.none": "no order data to forecast from: import orders first (khtui import orders FILE)",
    "fc.no_run_for_month": "no forecast of {month}: these months have one: {months}",
    "fc.unknown_retailer": "no retailer {code}",
    "fc.unknown_brand": "no brand {code}",
    "fc.header": "{month} orders forecast (条) · computed {computed}, data up to {through}",
    "fc.cols": "level  retailer  brand  forecast  interval  method  backtest WAPE (seasonal naive)",
    "fc.accuracy_line": "{month} forecast accuracy: area {acc} (forecast {forecast} 条, actual {actual} 条{partial})",
    "fc.partial": ", month not over yet",
    "fc.no_accuracy": "no forecast was stored before {month} began: no forecast accuracy",
    "fc.backtest.none": "no backtest yet: run khtui forecast first",
    "warn.kind.shortage": "shortage",
    "warn.kind.overstock": "overstock",
    "warn.kind.stale_stock": "stale stock",
    "warn.kind.swing_low": "sales low",
    "warn.kind.swing_high": "sales high",
    "warn.kind.licence": "licence",
    "warn.kind.complaint": "complaint due",
    "warn.shortage": "{brand} sold out about {runs_out}: {stock:g} 条 counted on {counted_on}, {ordered:g} ordered since, {rate:g} 条/day sold, lasts {cover:g} days, not to the next order {next_order} plus {safety} days' safety",
    "warn.overstock": "{brand} overstocked: {stock:g} 条 counted on {counted_on}, {ordered:g} ordered since, {rate:g} 条/day sold, lasts {cover:g} days, more than {limit}",
    "warn.overstock.no_sales": "{brand} overstocked: {stock:g} 条 counted on {counted_on} and no recent orders (no sales): more than {limit} days' cover",
    "warn.stale_stock": "stock figures stale: last count {counted_on} ({brands} brands) is {age} days old, more than {limit}; not judged, count again at the visit",
    "warn.swing_low": "{month} sales {pct}% below forecast: {actual:g} 条 against {expected:g} 条{sofar} (limit {limit}%)",
    "warn.swing_high": "{month} sales {pct}% above forecast: {actual:g} 条 against {expected:g} 条{sofar} (limit {limit}%)",
    "warn.sofar": " (so far, by working days passed)",
    "warn.licence": "licence expires on {expiry}, in {days} days",
    "warn.licence.expired": "licence expired on {expiry} ({days} days ago)",
    "warn.complaint": "{category} complaint due on {due_on}, in {days} working days",
    "warn.complaint.overdue": "{category} complaint was due on {due_on}, {days} working days overdue",
    "warn.none": "no warnings on {date}",
    "warn.count": "{n} warnings on {date}",
    "warn.title": "Warnings",
    "warn.keywords": "warnings alerts shortage overstock stock licence",
    "warn.palette.help": "shortages, overstock, sales swings, licences and complaints due (W)",
    "warn.col.kind": "kind",
    "warn.col.retailer": "retailer",
    "warn.col.why": "why",
    "warn.loading": "reading the warnings ...",
    "warn.filter.all": "all",
    "warn.filter.today": "today's retailers",
    "warn.footer": "Enter open the profile · t today's retailers/all · Ctrl+R refresh · Esc back",
    "warn.panel.title": "Warnings for today's retailers",
    "warn.panel.empty": "no warnings for today's retailers",
    "warn.panel.none_here": "no warnings",
    "warn.panel.more": "{n} more retailers (w shows every warning)",
    "warn.key": "warnings",
    "warn.toggle": "today/all",
    "fc.panel.title": "Order forecast",
    "fc.panel.none": "no forecast yet: the program computes it in the background (after an import or at start)",
    "fc.panel.this": "this month {month}: {qty} 条 ({lo}–{hi})",
    "fc.panel.next": "next month {month}: {qty} 条 ({lo}–{hi})",
    "fc.panel.method": "method: {method}",
    "fc.panel.backtest": "backtest error WAPE {wape} (seasonal naive {base}, {windows} windows)",
    "fc.panel.no_backtest": "backtest: history too short, not backtested",
    "fc.panel.accuracy": "{month} forecast accuracy {acc} (forecast {forecast}, actual {actual})",
    "fc.panel.no_accuracy": "forecast accuracy: no forecast stored before a month began yet",
    "fc.panel.computed": "computed {computed}, data up to {through}",
    "fc.chart.history": "history",
    "fc.chart.forecast": "forecast",
    "fc.chart.title": "monthly orders and forecast (条)",
    "sup.title": "suggested order ({day}, every {cycle} days)",
    "sup.none": "no forecast for this month yet: no suggestion",
    "sup.empty": "no brand needs restocking this month",
    "sup.cols": "brand (S scarce, N new) sugg. month stock",
    "sup.note.ceiling": "tier {tier} ceiling {ceiling} 条",
    "sup.note.no_bundling": "not bundled with a scarce brand",
    "sup.scarce": "S",
    "sup.new": "N",
    "sup.unknown_stock": "-",
    "sup.export.sheet": "suggestions",
    "fc.rules_name": "en",
}


def warning_text(w, brand_names: dict[str, str] | None = None, categories=None) -> str:
    """A warning's why, in the current language (``w`` a :class:`khtui.domain.warnings.Warning`;
    ``categories`` the complaint routes, for the category's name)."""
    from khtui.i18n import t

    p = dict(w.params)
    names = brand_names or {}
    if "brand" in p:
        p["brand"] = names.get(p["brand"], p["brand"])
    if w.kind == "overstock" and p.get("cover") is None:
        return t("warn.overstock.no_sales", **p)
    if w.kind in ("swing_low", "swing_high"):
        p["pct"] = f"{abs(p['pct']):g}"
        p["sofar"] = "" if p.get("complete") else t("warn.sofar")
        p["limit"] = f"{p['limit']:g}"
        return t(w.key, **p)
    if w.kind == "licence" and p["days"] < 0:
        return t("warn.licence.expired", **{**p, "days": -p["days"]})
    if w.kind == "complaint":
        route = (categories or {}).get(p["category"])
        if route is not None:
            p["category"] = getattr(route, t("fc.rules_name"))
        if p["days"] < 0:
            return t("warn.complaint.overdue", **{**p, "days": -p["days"]})
    return t(w.key, **p)
