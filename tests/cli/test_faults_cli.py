"""Faults of the disk and the file end every command in one line and exit 1: a damaged
database, a full disk, a read-only database or folder (simulated with SQLite's own limits, or
for real by a user without the rights)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from khtui.cli import main
from khtui.data.store import Store
from tests.conftest import damage


def run(*args, lang="en"):
    return CliRunner().invoke(main, ["--lang", lang, *args])


def one_line(r):
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output and len(lines) == 1, r.output
    return lines[0]


@pytest.fixture
def db(new_db):
    return new_db(
        [{"code": f"3701020{i:05d}", "name": f"店{i}", "route": "城东一线"} for i in range(40)]
    )


# -- a damaged database ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["retailers"],
        ["retailer", "370102000001"],
        ["today"],
        ["search", "店1"],
        ["recompute"],
        ["complaint", "raise", "370102000001", "delivery", "晚了"],
        ["export", "retailers", "{tmp}/out.csv"],
        ["plan", "month", "--month", "2026-12", "--generate"],
    ],
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_damaged_database_is_one_line_on_every_command(db, args, lang):
    damage(db)
    args = [a.replace("{tmp}", str(db.parent)) for a in args]
    line = one_line(run("--db", str(db), *args, lang=lang))
    assert ("已损坏" if lang == "zh" else "is damaged") in line
    # the hints repeat the user's own --db
    assert f"khtui --db {db} check" in line and f"khtui --db {db} restore" in line


def test_check_says_damaged_in_one_line_and_names_the_backup(db):
    s = Store(db)
    from khtui.data.backup import backup_new

    b = backup_new(s, "k-20261123-093000")
    s.close()
    damage(db)
    line = one_line(run("--db", str(db), "check"))
    assert line.startswith(f"Error: {db} is damaged (integrity check:")
    assert f"khtui --db {db} restore {b}" in line
    line = one_line(run("--db", str(db), "check", lang="zh"))
    assert "已损坏" in line and "个问题" not in line


def test_check_never_names_another_databases_backup(db, tmp_path):
    other = Store(tmp_path / "other.db", create=True)
    from khtui.data.backup import backup_new

    backup_new(other, "other-20261123-093000")  # same backups/ folder, another database
    other.close()
    damage(db)
    line = one_line(run("--db", str(db), "check"))
    assert "backups/ holds no backup of it" in line and "other-" not in line


def test_check_on_a_sound_database_never_advises_a_restore(db):
    r = run("--db", str(db), "check")
    assert r.exit_code == 0 and "integrity check passed" in r.stdout
    assert "restore" not in r.output


def test_check_on_dangling_references_says_the_file_is_sound(db):
    conn = sqlite3.connect(db)  # foreign keys off: a visit of a retailer that is not there
    conn.execute(
        "INSERT INTO visits (id, am_id, retailer_code, planned_date, created_at, updated_at) "
        "VALUES ('v1', 'a', 'NOPE', '2026-11-23', 'x', 'x')"
    )
    conn.commit()
    conn.close()
    line = one_line(run("--db", str(db), "check"))
    assert "the file itself is sound" in line and "No backup needs restoring" in line
    assert "restore" not in line.replace("No backup needs restoring", "")


def test_check_on_another_programs_file_says_what_it_is(tmp_path):
    p = tmp_path / "notes.db"
    conn = sqlite3.connect(p)
    conn.execute("CREATE TABLE notes (x)")
    conn.close()
    before = p.read_bytes()
    line = one_line(run("--db", str(p), "check"))
    assert "another program's SQLite database (tables: notes)" in line
    assert "restore" not in line
    assert p.read_bytes() == before


# -- a full disk: the database may not grow by a page ----------------------------------------
def test_a_small_import_on_a_full_disk_is_one_line_and_writes_nothing(db, tmp_path, full_db):
    csv = tmp_path / "r.csv"
    rows = "\n".join(f"3701029{i:05d},新店{'长' * 40}{i},城西二线" for i in range(300))
    csv.write_text(f"客户编码,客户名称,线路\n{rows}\n", encoding="utf-8")
    line = one_line(run("--db", str(db), "import", "retailers", str(csv)))
    assert "the disk is full" in line and "nothing was written" in line
    s = Store(db)
    assert s.scalar("SELECT count(*) FROM retailers") == 40
    s.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_large_import_whose_writer_finds_the_disk_full(db, tmp_path, monkeypatch, lang):
    """Disk full in the writer thread's stage (SQLite's SQLITE_FULL from ADBC's own SQLite,
    the stage file unable to grow): one line saying so, nothing written, no work folder and
    no pre-import backup left."""
    import khtui.data.importers.adbc as adbc
    import khtui.data.importers.orders as orders
    from khtui.data.base import PAGE_SIZE

    monkeypatch.setattr(orders, "WRITER_MIN_LINES", 0)  # this small file goes to the writer
    real = adbc.AdbcStage.__init__
    started = []

    def init(self, path):
        real(self, path)
        started.append(path)
        # the stage file may grow to 160 KiB (its pages are the database's size)
        self.execute(f"PRAGMA max_page_count = {160 * 1024 // PAGE_SIZE}")

    monkeypatch.setattr(adbc.AdbcStage, "__init__", init)
    csv = tmp_path / "o.csv"
    lines = [
        f"3701020{i:05d},2026-10-{d:02d},B{b},品牌,1,100,100"
        for i in range(40)
        for d in range(1, 29)
        for b in range(4)
    ]
    csv.write_text(
        "客户编码,订货日期,卷烟编码,卷烟名称,订货量,金额,批发价\n" + "\n".join(lines),
        encoding="utf-8",
    )
    line = one_line(run("--db", str(db), "import", "orders", str(csv), lang=lang))
    assert started, "the writer was not used"
    if lang == "en":
        assert line == (
            f"Error: o.csv: the disk is full: no space left on the disk of {tmp_path}; nothing was "
            "written. Free some space and try again"
        )
    else:
        assert "磁盘已满" in line and "这次什么都没有写入" in line
    s = Store(db)
    assert s.scalar("SELECT count(*) FROM order_lines") == 0
    assert s.scalar("SELECT count(*) FROM retailers") == 40
    s.close()
    assert not list(tmp_path.glob(".khtui-import-*"))
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())
    assert not list(tmp_path.glob("o.rejects*"))


def test_raising_a_complaint_on_a_full_disk_is_one_line(db, full_db):
    s = Store(db)  # fill the complaints table's pages to the last byte the disk allows
    text = "货源" * 1500
    while True:
        try:
            s.raise_complaint("370102000001", "supply", text, raised_on=s.today())
        except sqlite3.OperationalError as exc:
            assert "full" in str(exc)
            break
    n = s.scalar("SELECT count(*) FROM complaints")
    s.close()
    line = one_line(run("--db", str(db), "complaint", "raise", "370102000001", "delivery", text))
    assert "the disk is full" in line
    line = one_line(
        run("--db", str(db), "complaint", "raise", "370102000001", "delivery", text, lang="zh")
    )
    assert "磁盘已满" in line
    s = Store(db)
    assert s.scalar("SELECT count(*) FROM complaints") == n
    s.close()


# -- a read-only database --------------------------------------------------------------------
def test_a_read_only_database_reads_and_refuses_a_write_in_one_line(db, read_only_db):
    r = run("--db", str(db), "retailers", "--json")
    assert r.exit_code == 0 and "370102000001" in r.stdout
    line = one_line(run("--db", str(db), "complaint", "raise", "370102000001", "delivery", "x"))
    assert "is read-only" in line and "nothing was written" in line
    assert "damaged" not in line


# -- for real: a process without write rights --------------------------------------------------
def _drop_override() -> None:
    """In the child: give up root's power to ignore mode bits (Linux capabilities
    DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID), so a 0555 folder stops it as any user."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for cap in (1, 2, 3, 4):
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _without_rights(tmp: Path, args: list[str]) -> subprocess.CompletedProcess:
    """``khtui ARGS`` in a process the mode bits stop (root gives up its override first)."""
    env = {
        **os.environ,
        "HOME": str(tmp),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
    }
    return subprocess.run(
        [sys.executable, "-m", "khtui", "--lang", "en", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=_drop_override if os.geteuid() == 0 else None,
    )


@pytest.fixture
def folder(tmp_path):
    """A folder made read-only by a test; writable again for the clean-up."""
    path = tmp_path / "ro"
    path.mkdir()
    yield path
    os.chmod(path, 0o700)


def test_a_read_only_folder_is_said_as_such_never_as_a_damaged_database(folder, clock):
    s = Store(folder / "k.db", create=True, clock=clock)
    s.upsert_retailers([{"code": "370102000001", "name": "甲"}], source="test")
    s.close()
    before = (folder / "k.db").read_bytes()
    os.chmod(folder, 0o555)
    db = str(folder / "k.db")
    r = _without_rights(folder.parent, ["--db", db, "retailers"])
    assert r.returncode == 1, r.stderr
    assert "the folder" in r.stderr and "cannot be written" in r.stderr
    assert "damaged" not in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = _without_rights(folder.parent, ["--db", db, "check"])
    assert r.returncode == 0 and "integrity check passed" in r.stdout, r.stderr
    assert (folder / "k.db").read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["k.db"]


def test_a_read_only_database_file_for_real(folder, clock):
    s = Store(folder / "k.db", create=True, clock=clock)
    s.upsert_retailers([{"code": "370102000001", "name": "甲"}], source="test")
    s.close()
    os.chmod(folder / "k.db", 0o400)
    db = str(folder / "k.db")
    r = _without_rights(folder.parent, ["--db", db, "retailers", "--json"])
    assert r.returncode == 0 and "370102000001" in r.stdout, r.stderr
    r = _without_rights(
        folder.parent, ["--db", db, "complaint", "raise", "370102000001", "delivery", "x"]
    )
    assert r.returncode == 1
    assert "is read-only" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_a_file_without_read_rights_is_said_as_such_for_real(folder, clock):
    """A file the user may not read (mode 0000, root without its override): one line saying
    so, as the command line's own check decides; nothing created."""
    s = Store(folder / "k.db", create=True, clock=clock)
    s.close()
    secret = folder / "r.csv"
    secret.write_text("客户编码,客户名称\n370102000001,甲\n", encoding="utf-8")
    os.chmod(secret, 0)
    before = sorted(p.name for p in folder.iterdir())
    for args in (["import", "retailers", str(secret)], ["restore", str(secret), "--yes"]):
        r = _without_rights(folder.parent, ["--db", str(folder / "k.db"), *args])
        assert r.returncode == 1, r.stderr
        assert r.stderr == (
            f"Error: cannot read {secret} (no permission); change its permissions, "
            "or copy it somewhere you can read it\n"
        )
    assert sorted(p.name for p in folder.iterdir()) == before


def test_a_large_import_whose_sums_find_the_disk_full(db, tmp_path, monkeypatch):
    """Disk full while a large file's monthly sums are written to their own file (beside the
    writer's last lines): the same one line, nothing written, nothing left behind."""
    import khtui.data.importers.adbc as adbc
    import khtui.data.importers.orders as orders

    monkeypatch.setattr(orders, "WRITER_MIN_LINES", 0)
    real = adbc.AdbcStage.__init__
    limited = []

    def init(self, path):
        real(self, path)
        if Path(path).name == "sums.db":
            limited.append(path)
            self.execute("PRAGMA max_page_count = 2")

    monkeypatch.setattr(adbc.AdbcStage, "__init__", init)
    csv = tmp_path / "o.csv"
    lines = [
        f"3701020{i:05d},2026-{m:02d}-{d:02d},B{b},品牌,1,100,100"
        for i in range(40)
        for m in (9, 10)
        for d in range(1, 29, 3)
        for b in range(4)
    ]
    csv.write_text(
        "客户编码,订货日期,卷烟编码,卷烟名称,订货量,金额,批发价\n" + "\n".join(lines),
        encoding="utf-8",
    )
    line = one_line(run("--db", str(db), "import", "orders", str(csv)))
    assert limited, "the sums were not written to a file of their own"
    assert line == (
        f"Error: o.csv: the disk is full: no space left on the disk of {tmp_path}; nothing was "
        "written. Free some space and try again"
    )
    s = Store(db)
    assert s.scalar("SELECT count(*) FROM order_lines") == 0
    assert s.scalar("SELECT count(*) FROM monthly_brand_sales") == 0
    s.close()
    assert not list(tmp_path.glob(".khtui-import-*"))
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())
