"""Retailer lookup per keystroke against a plain ``LIKE '%q%'`` scan, on synthetic retailers.

The database of synthetic retailers (shop names from the characters real ones use, 12-digit
codes and licence numbers sharing a city prefix, mobile phones) gets its lookup index from
``store.rebuild_search_index()``; then 200 of them are rewritten (a new phone), so the index's
delta rows are part of every query.

For each query, as a person types it one keystroke at a time, it times what the lookup screen
does per keystroke, ``store.lookup_retailers(q, limit=50)`` (the first page and the count),
against the scan doing the same job: ``count(*)`` and the first 50 rows of
``name LIKE '%q%' OR phone LIKE … OR code LIKE … OR licence_no LIKE …``; medians of the rounds,
alternating, wall and CPU time. It also checks that the lookup finds every retailer the scan
finds (all of them, not only the first page), and measures the index's size (every
``search_*`` table and index, from SQLite's ``dbstat``) against the retailers table's own
b-tree.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from pathlib import Path

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单"
PLACES = [
    "长安街",
    "银行路",
    "重庆路",
    "朝阳",
    "城东",
    "城西",
    "解放路",
    "人民路",
    "建设路",
    "和平路",
    "中山路",
    "新华街",
    "文化路",
    "胜利街",
    "幸福里",
    "光明路",
    "东风路",
    "长春路",
    "行知路",
    "乐购",
    "都市",
    "好又多",
    "华联",
    "百佳",
    "民生",
    "兴隆",
    "大观园",
    "泉城路",
    "历山路",
    "经十路",
]
WORDS = "鑫隆盛兴旺福发达顺利嘉和美佳乐惠万家好友缘诚信百汇源"
FORMATS = [
    "食杂店",
    "便利店",
    "超市",
    "烟酒商店",
    "烟酒店",
    "副食部",
    "小卖部",
    "商店",
    "购物广场",
    "KTV",
    "网吧",
    "报刊亭",
]


def make_retailers(n: int, seed: int = 11) -> list[tuple]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        shape = rnd.random()
        if shape < 0.4:
            name = rnd.choice(PLACES) + rnd.choice(FORMATS)
        elif shape < 0.7:
            name = rnd.choice(SURNAMES) + rnd.choice("记家氏") + rnd.choice(FORMATS)
        else:
            name = rnd.choice(PLACES) + "".join(rnd.sample(WORDS, 2)) + rnd.choice(FORMATS)
        district = rnd.choice(["02", "03", "04", "05", "12", "13"])
        code = f"3701{district}{i + 1:06d}"
        licence = f"3701{district}{rnd.randint(0, 999999):06d}"
        phone = f"1{rnd.choice('3456789')}{rnd.randint(0, 999_999_999):09d}"
        route = f"{rnd.choice(PLACES)}{rnd.randint(1, 9)}线"
        out.append((code, name, licence, phone, f"历下区{name}{i % 300}号", route, i % 40 + 1))
    return out


def build(path: Path, n: int) -> None:
    from khtui.data.store import Store

    clock = lambda: dt.datetime(2026, 11, 23, 9, 30)  # noqa: E731
    store = Store(path, create=True, clock=clock, user="bench")
    rows = make_retailers(n)
    with store.write() as conn:
        conn.executemany(
            "INSERT INTO retailers (code, name, licence_no, phone, address, route, route_seq, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '2026-11-23', '2026-11-23')",
            rows,
        )
    t0 = time.perf_counter()
    store.rebuild_search_index()
    print(f"index built for {n:,} retailers in {time.perf_counter() - t0:.1f} s")
    store.close()


LIKE_WHERE = "name LIKE ?1 OR phone LIKE ?1 OR code LIKE ?1 OR licence_no LIKE ?1"


def scan(conn, q: str) -> int:
    pattern = f"%{q}%"
    n = conn.execute(f"SELECT count(*) FROM retailers WHERE {LIKE_WHERE}", (pattern,)).fetchone()[0]
    conn.execute(
        f"SELECT code, name, route, route_seq, status, tier, phone, licence_no, address "
        f"FROM retailers WHERE {LIKE_WHERE} LIMIT 50",
        (pattern,),
    ).fetchall()
    return n


def lookup(store, q: str) -> int:
    return store.lookup_retailers(q, limit=50).total


def typed(store, q: str) -> None:
    """The lookup as a person leaves it who typed ``q`` but its last character: the
    keystrokes before it (its prefixes) run, untimed, on a reader of the index made afresh
    (the lookup keeps the sets a keystroke read for the next ones)."""
    store.forget_lookup()
    for i in range(1, len(q)):
        lookup(store, q[:i])


def alone(store, q: str) -> None:
    """The lookup with nothing kept from keystrokes before."""
    store.forget_lookup()


def timed(fn, *args) -> tuple[float, float]:
    """Wall and CPU seconds of one call (CPU time is what the machine's other work cannot
    stretch: on a shared, loaded machine a few-millisecond call loses whole time slices)."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - t0, time.process_time() - c0


# What people type: a name (1, 2, 3+ characters), pinyin initials, full pinyin, the last four
# digits of a phone, a code typed from its start, a licence number, a surname.
TYPED = [
    "银行路",
    "长安街便利店",
    "曾记",
    "店",
    "yhl",
    "cq",
    "changan",
    "0615",
    "370102000123",
    "单",
    "z",
    "zj",
    "zq",
    "hf",
    "dian",
    "bld",
]


def keystrokes(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        out += [w[: i + 1] for i in range(len(w))]
    return list(dict.fromkeys(out))


def index_size(conn) -> tuple[int, int]:
    """Bytes of the lookup index (tables and indexes) and of the retailers table itself."""
    rows = dict(
        conn.execute(
            "SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'search%' OR name = 'retailers' "
            "GROUP BY name"
        ).fetchall()
    )
    return sum(v for k, v in rows.items() if k.startswith("search")), rows["retailers"]


def write_costs(store, n: int = 200) -> tuple[float, float]:
    """Median seconds to write one retailer's phone alone, and to index it."""
    codes = [r[0] for r in store.query("SELECT code FROM retailers ORDER BY code LIMIT ?", (n,))]
    row_t, index_t = [], []
    phones = dict(
        store.query(
            f"SELECT code, phone FROM retailers WHERE code IN ({','.join('?' * len(codes))})", codes
        )
    )
    for i, code in enumerate(codes):
        phone = f"1390000{i:04d}"
        if phones.get(code) == phone:  # a run before wrote this one: another, so keys change
            phone = f"1380000{i:04d}"
        with store.write() as conn:
            t0 = time.perf_counter()
            conn.execute("UPDATE retailers SET phone = ? WHERE code = ?", (phone, code))
            t1 = time.perf_counter()
            store._index_retailers(conn, [code])
            t2 = time.perf_counter()
        row_t.append(t1 - t0)
        index_t.append(t2 - t1)
    return statistics.median(row_t), statistics.median(index_t)


def measure(db: str, rounds: int, queries: list[str]) -> dict:
    from khtui.data.store import Store

    store = Store(db)
    conn = store.conn
    store.search_retailers("x")  # the once-per-store index check, outside the timings
    out = []
    for q in queries:
        ours, base, cold = [], [], []
        for _ in range(rounds):  # each lookup right after a scan (whose reads it then redoes)
            for prepare, times in ((typed, ours), (alone, cold)):
                prepare(store, q)
                base.append(timed(scan, conn, q))
                times.append(timed(lookup, store, q))
        pattern = f"%{q}%"
        scan_codes = {
            r[0] for r in conn.execute(f"SELECT code FROM retailers WHERE {LIKE_WHERE}", (pattern,))
        }
        found = store.count_search(q)
        ours_codes = {r["code"] for r in store.search_retailers(q, limit=found + 1)}
        out.append(
            {
                "q": q,
                "scan_hits": len(scan_codes),
                "found": found,
                "missed": len(scan_codes - ours_codes),
                "scan": statistics.median(t for t, _ in base),
                "ours": statistics.median(t for t, _ in ours),
                "scan_cpu": statistics.median(c for _, c in base),
                "ours_cpu": statistics.median(c for _, c in ours),
                "alone": statistics.median(t for t, _ in cold),
            }
        )
    index_bytes, table_bytes = index_size(conn)
    store.close()
    return {"keystrokes": out, "index_bytes": index_bytes, "table_bytes": table_bytes}


def prepare(path: Path, n: int) -> tuple[float, float]:
    """The synthetic database, with its index and 200 retailers rewritten since (built under
    another name, renamed when complete). Returns the medians of one retailer written alone:
    the row, and its index."""
    import os

    from khtui.data.store import Store

    part = path.with_name(path.name + ".part")
    for p in path.parent.glob(part.name + "*"):
        p.unlink()
    build(part, n)
    store = Store(part)
    costs = write_costs(store, min(200, n))
    store.close()
    os.replace(part, path)
    return costs
