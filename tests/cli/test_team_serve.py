"""`khtui team serve`: Datasette on 127.0.0.1 serves the team database read-only, labelled in
the UI's language, internal tables hidden (needs the "team" extra, which .ci/run installs)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import selectors
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from khtui.data.demo import build_demo
from khtui.data.team import merge_into

STARTUP_LIMIT_S = 60  # a bound on waiting for the server's "running" line, not a timing


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


@pytest.fixture
def served(tmp_path, request):
    lang = getattr(request, "param", "zh")
    am = tmp_path / "am.db"
    build_demo(am, retailers=20, months=2, seed=5, today=dt.date(2026, 11, 23), territory=1)
    team = tmp_path / "team.db"
    merge_into(team, [am], now="2026-11-23T18:00:00")
    port = _free_port()
    args = ["--lang", lang, "team", "serve", str(team), "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "khtui", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # wait for uvicorn's own "running on" line (or the process ending), bounded; the pipe
        # is read unbuffered, so what select() sees is all there is
        sel = selectors.DefaultSelector()
        sel.register(proc.stderr, selectors.EVENT_READ)
        seen = b""
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while b"running on" not in seen.lower() and time.monotonic() < deadline:
            if not sel.select(timeout=deadline - time.monotonic()):
                break
            chunk = os.read(proc.stderr.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
        assert b"running on" in seen.lower(), seen.decode("utf-8", "replace")
        yield team, f"http://127.0.0.1:{port}/{team.stem}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_table_page_in_chinese_and_a_write_refused(served):
    team, base = served
    digest = hashlib.sha256(team.read_bytes()).hexdigest()
    status, page = _get(f"{base}/retailers")
    assert status == 200
    assert "零售客户" in page  # the table's title
    assert 'data-column-description="客户名称"' in page  # a column's label
    status, page = _get(base)
    assert status == 200 and "hidden tables" in page
    assert 'href="/team/retailers"' in page
    assert 'href="/team/search_prefix"' not in page.split("hidden tables")[0]
    sql = urllib.parse.quote("DELETE FROM retailers")
    status, page = _get(f"{base}?sql={sql}")
    assert "Statement must be a SELECT" in page
    status, page = _get(f"{base}/retailers.json?_shape=array&_size=1")
    assert status == 200 and page.startswith("[")
    assert hashlib.sha256(team.read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("served", ["en"], indirect=True)
def test_a_table_page_in_english(served):
    _, base = served
    status, page = _get(f"{base}/retailers")
    assert status == 200
    assert "Retailers" in page
    assert 'data-column-description="Shop name"' in page
    assert "零售客户" not in page


def test_what_is_committed_while_serving_shows(served):
    """A change the manager's program commits while the server runs (still in the database's
    write-ahead log, not yet in the file) shows on the next page."""
    import json
    import sqlite3

    team, base = served
    conn = sqlite3.connect(team, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_autocheckpoint = 0")  # the commit stays in the log
        code = conn.execute("SELECT min(code) FROM retailers").fetchone()[0]
        conn.execute("UPDATE retailers SET name = '改名测试店' WHERE code = ?", (code,))
        status, page = _get(f"{base}/retailers.json?_shape=array&code={code}")
        assert status == 200
        assert [r["name"] for r in json.loads(page)] == ["改名测试店"]
    finally:
        conn.close()
