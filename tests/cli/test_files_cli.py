"""The files a command is given: one it reads that is a folder, does not exist or cannot be
read; one it writes into a folder that does not exist, cannot be written in, or is a file, or
given as a folder. Each is refused in one line naming the problem and what to do, before
anything is read or written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import khtui.cli.base as cli_base
from khtui.cli import main
from tests.conftest import route_retailers

# Commands that read a file, "{f}" standing for it
READERS = [
    ["import", "retailers", "{f}"],
    ["import", "orders", "{f}"],
    ["import", "brands", "{f}"],
    ["import", "approvals", "{f}"],
    ["restore", "{f}", "--yes"],
    ["team", "merge", "{f}", "--into", "{team}"],
    ["team", "serve", "{f}"],
    ["--rules", "{f}", "retailers"],
]
# Commands that write a file, "{f}" standing for it (without its suffix)
WRITERS = [
    (["export", "retailers", "{f}.xlsx"], ".xlsx"),
    (["export", "retailers", "{f}"], ".xlsx"),  # written as OUT.xlsx
    (["report", "week", "--docx", "{f}.docx"], ".docx"),
    (
        ["report", "month", "--month", "2026-10", "--targets", "新目标", "--docx", "{f}.docx"],
        ".docx",
    ),
    (["plan", "month", "--generate", "--docx", "{f}.docx"], ".docx"),
    (["plan", "month", "--generate", "--xlsx", "{f}.xlsx"], ".xlsx"),
    (["import", "retailers", "{input}", "--rejects", "{f}.csv"], ".csv"),
]


def _ids(cases) -> list[str]:
    return [" ".join(c[0] if isinstance(c, tuple) else c)[:40] for c in cases]


@pytest.fixture
def db(new_db):
    return new_db(route_retailers(3))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its content."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def run(db: Path, args: list[str], lang: str = "zh", **names: object):
    """``khtui --db DB [--lang en] ARGS``, each ``{name}`` in ARGS filled in."""
    filled = [a.format(**names) for a in args]
    return CliRunner().invoke(main, ["--db", str(db), "--lang", lang, *filled])


def refused(db: Path, args: list[str], line: str, lang: str = "zh", **names: object) -> None:
    """ARGS exit 1 with exactly ``line`` and nothing written anywhere under the test's folder."""
    before = snapshot(db.parent)
    r = run(db, args, lang, **names)
    prefix = "错误" if lang == "zh" else "Error"
    assert (r.exit_code, r.output) == (1, f"{prefix}: {line}\n")
    assert snapshot(db.parent) == before


@pytest.fixture
def input_csv(db):
    path = db.parent / "r.csv"
    path.write_text("客户编码,客户名称\nC900,新店\nbad code!,坏\n", encoding="utf-8")
    return path


# -- files a command reads -----------------------------------------------------------------
@pytest.mark.parametrize("args", READERS, ids=_ids(READERS))
def test_a_folder_to_read_is_named_as_a_folder(db, args):
    folder = db.parent / "exports"
    folder.mkdir()
    line = f"{folder} 是文件夹，不是文件；请给出要读取的那个文件"
    refused(db, args, line, f=folder, team=db.parent / "team.db")
    line = f"{folder} is a folder, not a file; give the file to read"
    refused(db, args, line, "en", f=folder, team=db.parent / "team.db")


@pytest.mark.parametrize("args", READERS, ids=_ids(READERS))
@pytest.mark.parametrize("where", ["here", "missing folder"])
def test_a_missing_file_to_read_says_it_does_not_exist(db, args, where):
    path = db.parent / "no.csv" if where == "here" else db.parent / "nowhere" / "no.csv"
    line = f"{path} 不存在；请检查文件名和它所在的文件夹"
    refused(db, args, line, f=path, team=db.parent / "team.db")
    line = f"{path} does not exist; check the file's name and its folder"
    refused(db, args, line, "en", f=path, team=db.parent / "team.db")


@pytest.mark.parametrize("args", READERS, ids=_ids(READERS))
def test_a_file_that_cannot_be_read_says_so(db, input_csv, args, monkeypatch):
    """The system's answer decides (root may read any file, so it is simulated here; for real
    in test_faults_cli)."""
    monkeypatch.setattr(
        cli_base, "allowed", lambda path, mode: not (path == input_csv and mode & os.R_OK)
    )
    line = f"无法读取 {input_csv}（没有读权限）；请修改它的权限，或把它复制到你能读取的位置"
    refused(db, args, line, f=input_csv, team=db.parent / "team.db")
    line = (
        f"cannot read {input_csv} (no permission); change its permissions, "
        "or copy it somewhere you can read it"
    )
    refused(db, args, line, "en", f=input_csv, team=db.parent / "team.db")


# -- files a command writes ----------------------------------------------------------------
@pytest.mark.parametrize(("args", "suffix"), WRITERS, ids=_ids(WRITERS))
def test_a_folder_given_to_write_asks_for_a_file_name_in_it(db, input_csv, args, suffix):
    folder = db.parent / "out"
    folder.mkdir()
    # OUT given as the folder itself, whatever suffix the command would add
    args = [a.replace("{f}" + suffix, "{f}") for a in args]
    line = f"{folder} 是文件夹；请在后面加上文件名，例如 {folder}/文件名{suffix}"
    refused(db, args, line, f=folder, input=input_csv)
    line = f"{folder} is a folder; add a file name, e.g. {folder}/name{suffix}"
    refused(db, args, line, "en", f=folder, input=input_csv)


@pytest.mark.parametrize(("args", "suffix"), WRITERS, ids=_ids(WRITERS))
def test_a_missing_folder_to_write_in_is_named(db, input_csv, args, suffix):
    folder = db.parent / "no" / "such"
    line = f"文件夹 {folder} 不存在；请先创建它，或换一个位置"
    refused(db, args, line, f=folder / "out", input=input_csv)
    line = f"folder {folder} does not exist; create it first, or choose another place"
    refused(db, args, line, "en", f=folder / "out", input=input_csv)
    assert not (db.parent / "no").exists()


@pytest.mark.parametrize(("args", "suffix"), WRITERS, ids=_ids(WRITERS))
def test_a_file_given_as_the_folder_to_write_in_is_named(db, input_csv, args, suffix):
    line = f"{input_csv} 是文件，不是文件夹；请换一个位置"
    refused(db, args, line, f=input_csv / "out", input=input_csv)


@pytest.mark.parametrize(("args", "suffix"), WRITERS, ids=_ids(WRITERS))
def test_a_read_only_folder_to_write_in_is_named(db, input_csv, args, suffix, readonly_dir):
    """A folder no one may write in (root included: readonly_dir makes it immutable)."""
    line = f"无法在文件夹 {readonly_dir} 中写入（没有写权限）；请换一个可写的位置"
    refused(db, args, line, f=readonly_dir / "out", input=input_csv)
    line = (
        f"cannot write in folder {readonly_dir} (no permission); choose a folder you can write to"
    )
    refused(db, args, line, "en", f=readonly_dir / "out", input=input_csv)
    assert list(readonly_dir.iterdir()) == []


# -- a new database or copy where the user names it ---------------------------------------------
# Commands that make a database file, or a copy of one, where the user says: "{f}" stands for
# it (without .db), "{db}" for an existing database and "{input}" for a file to import
NEW_DATABASES = [
    ["--db", "{db}", "backup", "{f}.db"],
    ["team", "merge", "{db}", "--into", "{f}.db"],
    ["demo", "--db", "{f}.db", "--retailers", "50", "--months", "1"],
    ["--db", "{f}.db", "import", "retailers", "{input}"],
    ["--db", "{f}.db", "import", "retailers", "{input}", "--dry-run"],
    ["--db", "{f}.db", "am", "set", "A01", "王建国"],
    ["--db", "{f}.db", "restore", "{db}", "--yes"],
]


def refused_argv(db: Path, argv: list[str], line: str, lang: str = "zh", **names) -> None:
    """``khtui --lang LANG ARGV`` exits 1 with exactly ``line``, nothing written anywhere."""
    before = snapshot(db.parent)
    filled = [a.format(db=db, **names) for a in argv]
    r = CliRunner().invoke(main, ["--lang", lang, *filled])
    prefix = "错误" if lang == "zh" else "Error"
    assert (r.exit_code, r.output) == (1, f"{prefix}: {line}\n")
    assert snapshot(db.parent) == before


@pytest.mark.parametrize("argv", NEW_DATABASES, ids=_ids(NEW_DATABASES))
def test_a_new_database_in_a_missing_folder_is_refused_not_made_for_it(db, input_csv, argv):
    """`--db`, `backup OUT` and `team merge --into` made the missing folders silently, where
    `plan` and `report` refused a document in one: the same rule for every path the user
    names."""
    folder = db.parent / "no" / "such"
    line = f"文件夹 {folder} 不存在；请先创建它，或换一个位置"
    refused_argv(db, argv, line, f=folder / "k", input=input_csv)
    line = f"folder {folder} does not exist; create it first, or choose another place"
    refused_argv(db, argv, line, "en", f=folder / "k", input=input_csv)
    assert not (db.parent / "no").exists()


@pytest.mark.parametrize("argv", NEW_DATABASES, ids=_ids(NEW_DATABASES))
def test_a_new_database_in_a_read_only_folder_or_a_file_is_refused(
    db, input_csv, argv, readonly_dir
):
    line = f"无法在文件夹 {readonly_dir} 中写入（没有写权限）；请换一个可写的位置"
    refused_argv(db, argv, line, f=readonly_dir / "k", input=input_csv)
    line = f"{input_csv} 是文件，不是文件夹；请换一个位置"
    refused_argv(db, argv, line, f=input_csv / "k", input=input_csv)


def test_khtui_db_names_the_database_as_db_does(db, input_csv, monkeypatch):
    folder = db.parent / "nowhere"
    monkeypatch.setenv("KHTUI_DB", str(folder / "k.db"))
    line = f"文件夹 {folder} 不存在；请先创建它，或换一个位置"
    refused_argv(db, ["import", "retailers", "{input}"], line, input=input_csv)
    assert not folder.exists()


@pytest.mark.parametrize(
    "argv",
    [["--db", "{db}", "backup", "{f}"], ["team", "merge", "{db}", "--into", "{f}"]],
    ids=["backup", "team merge"],
)
def test_a_folder_given_as_the_copy_asks_for_a_file_name_in_it(db, argv):
    folder = db.parent / "usb"
    folder.mkdir()
    line = f"{folder} 是文件夹；请在后面加上文件名，例如 {folder}/文件名.db"
    refused_argv(db, argv, line, f=folder)


def test_a_folder_given_as_the_database_to_restore_into_is_named(db):
    folder = db.parent / "data"
    folder.mkdir()
    line = (
        f"{folder} 是一个文件夹，不是数据库文件。用 --db 指向数据库文件（例如 {folder}/khtui.db；"
        f"没有时 `khtui --db {folder} import` 会新建）"
    )
    refused_argv(db, ["--db", str(folder), "restore", "{db}", "--yes"], line)


def test_the_examples_folder_is_made_in_a_folder_that_exists(db):
    folder = db.parent / "no" / "examples"
    line = f"文件夹 {folder.parent} 不存在；请先创建它，或换一个位置"
    refused_argv(db, ["demo", "--examples", str(folder)], line)
    (db.parent / "no").mkdir()
    r = CliRunner().invoke(main, ["demo", "--examples", str(folder), "--today", "2026-11-23"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in folder.iterdir()) == [
        "brands.csv",
        "orders.xlsx",
        "retailers.csv",
    ]


def test_the_programs_own_places_are_still_made(input_csv, tmp_path):
    """The data folder (no --db), its backups/ and the demo's folder are the program's own:
    made when missing (the tests' data folder is a fresh one)."""
    from khtui.data.paths import data_dir, default_db_path, demo_db_path

    assert not data_dir().exists()
    r = CliRunner().invoke(main, ["import", "retailers", str(input_csv)])
    assert r.exit_code == 0, r.output
    assert default_db_path().exists()
    r = CliRunner().invoke(main, ["backup"])
    assert r.exit_code == 0 and (data_dir() / "backups").is_dir(), r.output
    r = CliRunner().invoke(main, ["demo", "--retailers", "50", "--months", "1"])
    assert r.exit_code == 0 and demo_db_path().exists(), r.output
