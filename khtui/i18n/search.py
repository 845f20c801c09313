"""Retailer lookup."""

ZH: dict[str, str] = {
    # what a result matched (the ``match`` key of search_retailers rows)
    "search.match.code": "客户编码",
    "search.match.licence": "许可证号",
    "search.match.phone": "电话",
    "search.match.name": "店名",
    "search.match.initials": "拼音首字母",
    "search.match.pinyin": "全拼",
    "search.empty_query": "请输入要查找的内容：店名、拼音首字母、全拼、客户编码、许可证号或电话（可只输后四位）",
    "search.bad_limit": "--limit 必须是 1 到 {max} 之间的整数，现在是 {value}",
    "search.none": "没有找到与“{query}”匹配的客户",
    "search.summary": "找到 {total} 户，显示第 {first}–{last} 户",
    "search.more": "还有 {n} 户：用 --offset {offset} 看下一页",
    "search.col.code": "客户编码",
    "search.col.name": "店名",
    "search.col.route": "线路",
    "search.col.status": "状态",
    "search.col.phone": "电话",
    "search.col.match": "匹配",
    "search.indexed": "已重建查找索引：{n} 户",
}

EN: dict[str, str] = {
    "search.match.code": "code",
    "search.match.licence": "licence no.",
    "search.match.phone": "phone",
    "search.match.name": "name",
    "search.match.initials": "pinyin initials",
    "search.match.pinyin": "pinyin",
    "search.empty_query": "type what to look for: shop name, pinyin initials, full pinyin, customer code, licence number or phone (the last four digits will do)",
    "search.bad_limit": "--limit must be a whole number from 1 to {max}, not {value}",
    "search.none": 'no retailer matches "{query}"',
    "search.summary": "{total} found, showing {first}-{last}",
    "search.more": "{n} more: use --offset {offset} for the next page",
    "search.col.code": "Code",
    "search.col.name": "Name",
    "search.col.route": "Route",
    "search.col.status": "Status",
    "search.col.phone": "Phone",
    "search.col.match": "Matched",
    "search.indexed": "lookup index rebuilt: {n} {n:|retailer|retailers}",
}
