"""Encoding detection from the file's head, and files whose encoding changes further down."""

import re

import pytest

from khtui.data.importers import ImportFileError, common, import_file
from khtui.data.importers import orders as orders_module
from khtui.data.importers.common import ENCODING_EVIDENCE, detect_encoding
from tests.conftest import ZH

ORDERS_HEADER = "客户编码,订货日期,卷烟编码,卷烟名称,订货量(条),金额(元)\n"


def order_lines(n: int, name: str = "中华(硬)") -> str:
    return "".join(f"37010{i:07d},2026-10-08,6901028075763,{name},3,1140\n" for i in range(n))


def gbk_char_that_is_valid_utf8() -> str:
    """A Chinese character whose two GBK bytes also happen to be one UTF-8 character."""
    for code in range(0x4E00, 0x9FA6):
        ch = chr(code)
        raw = ch.encode("gbk", errors="ignore")
        if len(raw) == 2 and 0xC2 <= raw[0] <= 0xDF and 0x80 <= raw[1] <= 0xBF:
            return ch
    raise AssertionError("no such character")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("\ufeff客户编码,名称\n1,都市烟酒店\n".encode(), "utf-8-sig"),
        ("客户编码,名称\n1,都市烟酒店\n".encode(), "utf-8"),
        ("客户编码,名称\n1,都市烟酒店\n".encode("gb18030"), "gb18030"),
        (b"code,name\n1,shop\n", "utf-8"),  # plain ASCII: UTF-8 reads it as it is
    ],
)
def test_the_encoding_is_told_from_the_text(tmp_path, data, expected):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == expected


def test_ascii_blocks_are_skipped_until_the_first_chinese_text(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"code,name\n" + b"1,shop\n" * 40 + "2,都市烟酒店\n".encode("gb18030"))
    assert detect_encoding(path, chunk=64) == "gb18030"


def test_a_utf8_character_cut_by_a_block_boundary_still_reads_as_utf8(tmp_path):
    path = tmp_path / "f.csv"
    text = "客户编码,名称\n" + "1,都市烟酒店\n" * 30
    path.write_bytes(text.encode())
    for chunk in (4, 5, 7, 11):  # every boundary lands inside a 3-byte character somewhere
        assert detect_encoding(path, chunk=chunk) == "utf-8"


def test_a_few_gbk_bytes_that_look_like_utf8_do_not_decide(tmp_path):
    ch = gbk_char_that_is_valid_utf8()
    head = f"code,name\n1,{ch}\n".encode("gbk")
    head.decode("utf-8")  # the first non-ASCII text alone would pass for UTF-8
    rest = "".join(f"{i},都市烟酒店{i}\n" for i in range(ENCODING_EVIDENCE)).encode("gbk")
    path = tmp_path / "f.csv"
    path.write_bytes(head + rest)
    assert detect_encoding(path, chunk=32) == "gb18030"


def test_bytes_that_are_no_text_are_refused(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"code,name\n1,\xff\xfe\xff\xfe\n")
    with pytest.raises(ImportFileError) as raised:
        detect_encoding(path)
    assert re.search("UTF-8", ZH.message(raised.value))


BLOCK = 1 << 16


@pytest.fixture
def small_blocks(monkeypatch):
    """Detection reads 64 KiB at a time (1 MiB in use), so the files can stay small."""
    monkeypatch.setattr(common, "ENCODING_BLOCK", BLOCK)


def mixed_orders(tmp_path, encoding: str, bad: bytes):
    """More than a detection block of good text, then one line that is not that encoding."""
    good = order_lines(2_000).encode(encoding)
    assert len(good) > BLOCK
    path = tmp_path / f"mixed-{encoding}.csv"
    path.write_bytes(ORDERS_HEADER.encode(encoding) + good + bad + order_lines(10).encode(encoding))
    return path


@pytest.mark.parametrize("writer", [False, True])
@pytest.mark.parametrize(
    ("encoding", "bad", "label"),
    [
        ("utf-8", "37010,2026-10-08,6901028075763,中华(硬),3,1140\n".encode("gbk"), "UTF-8"),
        ("gb18030", b"37010,2026-10-08,6901028075763,\xff\xfe,3,1140\n", "GB18030"),
    ],
)
def test_orders_whose_encoding_changes_further_down_are_refused_whole(
    store, tmp_path, monkeypatch, small_blocks, writer, encoding, bad, label
):
    monkeypatch.setattr(orders_module, "WRITER_MIN_LINES", 0 if writer else 10**12)
    path = mixed_orders(tmp_path, encoding, bad)
    with pytest.raises(ImportFileError) as err:
        import_file(store, path, "orders", backup=False, tr=ZH)
    assert label in ZH.message(err.value)
    assert "编码混杂" in ZH.message(err.value)
    assert store.conn.execute("SELECT count(*) FROM order_lines").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM monthly_sales").fetchone()[0] == 0


def test_retailers_whose_encoding_changes_further_down_are_refused_whole(
    store, tmp_path, small_blocks
):
    rows = "".join(f"37010{i:07d},都市烟酒店{i}\n" for i in range(4_000)).encode()
    assert len(rows) > BLOCK
    path = tmp_path / "retailers.csv"
    path.write_bytes("客户编码,客户名称\n".encode() + rows + "370109999999,重庆路\n".encode("gbk"))
    with pytest.raises(ImportFileError) as raised:
        import_file(store, path, "retailers", backup=False, tr=ZH)
    assert re.search("编码混杂", ZH.message(raised.value))
    assert store.conn.execute("SELECT count(*) FROM retailers").fetchone()[0] == 0
