"""read_status: replies to a task card, with and without diacritics."""

import pytest

from bot.text.status import StatusReading, read_status

DONE = StatusReading("done", 100)
BLOCKED = StatusReading("blocked")
NOTE = StatusReading("note")


def progress(percent: int) -> StatusReading:
    return StatusReading("progress", percent)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        # done
        ("xong", DONE),
        ("xong rồi", DONE),
        ("xong roi", DONE),
        ("xong r", DONE),
        ("Xong rồi ạ!", DONE),
        ("đã xong", DONE),
        ("da xong", DONE),
        ("hoàn thành", DONE),
        ("hoan thanh", DONE),
        ("HOÀN THÀNH", DONE),
        ("đã hoàn thành", DONE),
        ("hoàn tất", DONE),
        ("done", DONE),
        ("Done!", DONE),
        ("ok xong", DONE),
        ("đã xử lý", DONE),
        ("đã sửa lỗi xong", DONE),
        ("100%", DONE),
        ("xong 100%", DONE),
        ("tiến độ 100", DONE),
        ("không vướng gì, xong rồi", DONE),
        ("đã xong, không cần hỗ trợ", DONE),
        ("hết lỗi rồi, xong", DONE),
        # progress
        ("50%", progress(50)),
        ("50 %", progress(50)),
        ("được 70%", progress(70)),
        ("duoc 70%", progress(70)),
        ("đang làm 30%", progress(30)),
        ("dang lam 30%", progress(30)),
        ("tiến độ 80", progress(80)),
        ("tien do 80", progress(80)),
        ("tiến độ: 80", progress(80)),
        ("được một nửa", progress(50)),
        ("duoc mot nua", progress(50)),
        ("mới được nửa", progress(50)),
        ("xong một nửa", progress(50)),
        ("xong 60% rồi", progress(60)),
        ("0%", progress(0)),
        ("đạt 40 phần trăm", progress(40)),
        ("12,5%", progress(12)),
        # blocked
        ("vướng", BLOCKED),
        ("vuong", BLOCKED),
        ("vướng quyền truy cập máy chủ", BLOCKED),
        ("gặp khó khăn", BLOCKED),
        ("gap kho khan", BLOCKED),
        ("chưa làm được", BLOCKED),
        ("chua lam duoc", BLOCKED),
        ("ko làm dc", BLOCKED),
        ("cần hỗ trợ", BLOCKED),
        ("can ho tro", BLOCKED),
        ("bị lỗi không làm được", BLOCKED),
        ("Máy chủ không vào được", BLOCKED),
        ("không thể truy cập", BLOCKED),
        ("k dc", BLOCKED),
        ("đang làm thì bị lỗi", BLOCKED),
        ("được 50% thì bị lỗi", StatusReading("blocked", 50)),
        ("xong rồi nhưng cần hỗ trợ thêm", BLOCKED),
        # notes, including negations
        ("chưa xong", NOTE),
        ("chua xong", NOTE),
        ("chưa hoàn thành", NOTE),
        ("sắp xong", NOTE),
        ("gần xong", NOTE),
        ("chưa làm xong", NOTE),
        ("không vướng gì", NOTE),
        ("ko vuong gi", NOTE),
        ("chưa gặp khó khăn gì", NOTE),
        ("không cần hỗ trợ", NOTE),
        ("xong chưa?", NOTE),
        ("xong chua", NOTE),
        ("50%?", NOTE),
        ("đang làm", NOTE),
        ("đang xử lý", NOTE),
        ("ok", NOTE),
        ("em nhận rồi ạ", NOTE),
        ("làm thêm 2 ngày nữa", NOTE),  # "nữa" (more) is not "nửa" (half)
        ("150%", NOTE),
        ("", NOTE),
    ],
)
def test_reads_replies(reply: str, expected: StatusReading) -> None:
    assert read_status(reply) == expected
