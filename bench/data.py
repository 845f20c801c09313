"""The data the figures run on, built once and cached by their parameters: demo databases (the
city, the one with five years of orders, the AM databases of a team), the order-line CSV files
of the import, the synthetic retailers of the lookup."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import sys
from pathlib import Path

from bench.core import ROOT, child_env, run_child

TODAY = dt.date(2026, 11, 23)
SEED = 20261123


def code_version(files: tuple[str, ...] = ("khtui/data/demo.py",)) -> str:
    """A short hash of the code that makes a cached database, with the schema's (a database
    made by older code is made again)."""
    h = hashlib.sha1()
    for rel in (*files, "khtui/data/schema.py"):
        h.update((ROOT / rel).read_bytes())
    return h.hexdigest()[:10]


def demo_path(cache: Path, retailers: int, months: int, territory: int = 0) -> Path:
    tag = f"{retailers}r-{months}m-s{SEED}-{TODAY:%Y%m%d}"
    if territory:
        tag += f"-t{territory:02d}"
    return cache / f"demo-{tag}-{code_version()}.db"


def khtui_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "khtui", *args]


def demo_env(cache: Path) -> dict[str, str]:
    """The environment of every khtui process the bench starts: the demo's today, and data
    and configuration folders of the bench's own (automatic backups land there)."""
    home = cache / "home"
    return child_env(
        KHTUI_TODAY=TODAY.isoformat(),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
    )


def build_demo_cli(path: Path, retailers: int, months: int, cache: Path, territory: int = 0):
    """``khtui demo`` as a user runs it (a fresh process); the :class:`ChildRun`."""
    args = [
        "--db",
        str(path),
        "demo",
        "--retailers",
        str(retailers),
        "--months",
        str(months),
        "--today",
        TODAY.isoformat(),
        "--force",
        "--json",
    ]
    if territory:
        args += ["--territory", str(territory)]
    return run_child(khtui_cmd(*args), env=demo_env(cache))


def demo(cache: Path, retailers: int, months: int = 24, territory: int = 0) -> Path:
    """The demo database of these parameters, built if the cache lacks it."""
    path = demo_path(cache, retailers, months, territory)
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        print(f"  building the demo: {retailers:,} retailers, {months} months …", flush=True)
        build_demo_cli(path, retailers, months, cache, territory)
    return path


# -- order-line CSV files (the import) ------------------------------------------------------
HEADER = "客户编码,订货日期,卷烟编码,卷烟名称,订货量(条),金额(元),批发价\n"
IMPORT_RETAILERS = 2000


def retailer_codes(n: int = IMPORT_RETAILERS) -> list[str]:
    return [f"3701021{j:05d}" for j in range(n)]


def orders_csv(cache: Path, lines: int, *, rejects: bool = False, seed: int = 7) -> Path:
    """Weekly orders of 2,000 retailers from 2020-01-06: each has a repertoire of 16 brands and
    orders 10 of them a week. With ``rejects`` most lines are bad (no customer code, a date
    that is not one, a quantity that is not a number), as in a wrong export."""
    path = cache / f"orders-{lines}{'-rejects' if rejects else ''}-s{seed}.csv"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(seed)
    brands = [
        (f"69010280{i:05d}", f"品牌{i:03d}", rnd.choice([98, 130, 160, 215, 380]))
        for i in range(150)
    ]
    codes = retailer_codes()
    repertoire = {c: rnd.sample(brands, 16) for c in codes}
    start = dt.date(2020, 1, 6)
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(HEADER)
        n = 0
        week = 0
        while n < lines:
            chunk = []
            for k, c in enumerate(codes):
                day = (start + dt.timedelta(days=week * 7 + k % 5)).isoformat()
                for b, name, price in rnd.sample(repertoire[c], 10):
                    q = rnd.randint(1, 30)
                    code, qty = c, str(q)
                    if rejects and n % 100:  # 99 % bad, in three ways
                        kind = n % 3
                        if kind == 0:
                            code = ""
                        elif kind == 1:
                            day = "20x0-13-45"
                        else:
                            qty = "十条"
                    chunk.append(f"{code},{day},{b},{name},{qty},{q * price:.2f},{price:.2f}\n")
                    n += 1
                    if n >= lines:
                        break
                if n >= lines:
                    break
            f.write("".join(chunk))
            week += 1
    tmp.replace(path)
    return path


def retailers_csv(cache: Path) -> Path:
    """The 2,000 retailers of the order files, as the company's retailer export."""
    path = cache / f"retailers-{IMPORT_RETAILERS}.csv"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("客户编码,客户名称,经营业态,市场类型,经营规模,线路,线路顺序,状态\n")
        for i, c in enumerate(retailer_codes()):
            f.write(f"{c},零售户{i:05d}号店,便利店,城镇,中,线路{i % 30:02d},{i // 30 + 1},正常\n")
    tmp.replace(path)
    return path


def db_with_retailers(cache: Path) -> Path:
    """A database holding the 2,000 retailers (imported by ``khtui import retailers``): the
    orders import runs on a copy of it, as a user imports retailers first."""
    path = cache / f"retailers-{IMPORT_RETAILERS}-{code_version()}.db"
    if path.exists():
        return path
    tmp = path.with_name(path.name + ".part")
    for p in cache.glob(tmp.name + "*"):
        p.unlink()
    run_child(
        khtui_cmd("--db", str(tmp), "import", "retailers", str(retailers_csv(cache)), "--json"),
        env=demo_env(cache),
    )
    os.replace(tmp, path)
    return path
