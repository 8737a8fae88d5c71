"""parse_deadline and find_deadline, table-driven against fixed "now" instants."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.text.deadline import Deadline, DeadlineProblem, find_deadline, parse_deadline

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
WEDNESDAY_MORNING = datetime(2026, 11, 25, 10, 0, tzinfo=HANOI)  # Wed 25/11/2026 10:00
SUNDAY_EVENING = datetime(2026, 11, 29, 20, 30, tzinfo=HANOI)  # Sun 29/11/2026 20:30


def local(text: str) -> datetime:
    """"27/11 17:00" (year 2026 unless given) as an aware UTC instant."""
    day, clock = text.split()
    parts = [int(p) for p in day.split("/")] + [2026]
    hour, minute = (int(p) for p in clock.split(":"))
    return datetime(parts[2], parts[1], parts[0], hour, minute, tzinfo=HANOI).astimezone(UTC)


# (text, expected local instant, has_time) with now = Wed 25/11/2026 10:00
ON_WEDNESDAY = [
    # hours
    ("17h", "25/11 17:00", True),
    ("17H", "25/11 17:00", True),
    ("17h30", "25/11 17:30", True),
    ("17:30", "25/11 17:30", True),
    ("17 giờ", "25/11 17:00", True),
    ("17 gio", "25/11 17:00", True),
    ("17g30", "25/11 17:30", True),
    ("17 giờ 30", "25/11 17:30", True),
    ("17 giờ 30 phút", "25/11 17:30", True),
    ("16 giờ rưỡi", "25/11 16:30", True),
    ("12h", "25/11 12:00", True),
    ("5h", "25/11 17:00", True),  # 05:00 already past, so only 17:00 is possible
    ("5h30", "25/11 17:30", True),
    # parts of day
    ("chiều", "25/11 17:00", True),
    ("chiều nay", "25/11 17:00", True),
    ("chieu nay", "25/11 17:00", True),
    ("tối nay", "25/11 20:00", True),
    ("toi nay", "25/11 20:00", True),
    ("trưa nay", "25/11 12:00", True),
    ("đêm nay", "25/11 22:00", True),
    ("2h chiều", "25/11 14:00", True),
    ("2h chieu", "25/11 14:00", True),
    ("8h tối", "25/11 20:00", True),
    ("8h toi", "25/11 20:00", True),
    ("1h trưa", "25/11 13:00", True),
    ("12h trưa", "25/11 12:00", True),
    ("11h đêm", "25/11 23:00", True),
    ("12h đêm", "26/11 00:00", True),
    ("2h đêm nay", "26/11 02:00", True),
    ("14h chiều", "25/11 14:00", True),
    ("cuối ngày", "25/11 17:00", True),
    ("cuoi ngay", "25/11 17:00", True),
    # named days
    ("hôm nay", "25/11 17:00", False),
    ("hom nay", "25/11 17:00", False),
    ("nay", "25/11 17:00", False),
    ("trong ngày", "25/11 17:00", False),
    ("mai", "26/11 17:00", False),
    ("Mai", "26/11 17:00", False),
    ("ngày mai", "26/11 17:00", False),
    ("ngay mai", "26/11 17:00", False),
    ("ngày kia", "27/11 17:00", False),
    ("ngày mốt", "27/11 17:00", False),
    ("mốt", "27/11 17:00", False),
    ("ngay mot", "27/11 17:00", False),
    ("mot", "27/11 17:00", False),
    # weekdays
    ("thứ 2", "30/11 17:00", False),
    ("thu 2", "30/11 17:00", False),
    ("thứ 4", "25/11 17:00", False),  # today still counts: 17:00 is ahead
    ("thứ 5", "26/11 17:00", False),
    ("thứ 6", "27/11 17:00", False),
    ("thứ 7", "28/11 17:00", False),
    ("thứ Hai", "30/11 17:00", False),
    ("thứ ba", "01/12 17:00", False),
    ("thứ tư", "25/11 17:00", False),
    ("thứ Sáu", "27/11 17:00", False),
    ("thu sau", "27/11 17:00", False),
    ("thứ Bảy", "28/11 17:00", False),
    ("t2", "30/11 17:00", False),
    ("T6", "27/11 17:00", False),
    ("chủ nhật", "29/11 17:00", False),
    ("Chủ Nhật", "29/11 17:00", False),
    ("cn", "29/11 17:00", False),
    ("thứ 6 này", "27/11 17:00", False),
    ("thứ 6 tuần này", "27/11 17:00", False),
    # weeks
    ("tuần sau", "04/12 17:00", False),
    ("tuần tới", "04/12 17:00", False),
    ("tuan toi", "04/12 17:00", False),
    ("tuần này", "27/11 17:00", False),
    ("thứ 2 tuần sau", "30/11 17:00", False),
    ("thứ 4 tuần sau", "02/12 17:00", False),
    ("thu 6 tuan toi", "04/12 17:00", False),
    ("thứ 6 tuần sau nữa", "11/12 17:00", False),
    ("cuối tuần", "27/11 17:00", False),
    ("cuối tuần sau", "04/12 17:00", False),
    ("đầu tuần", "30/11 17:00", False),
    ("đầu tuần sau", "30/11 17:00", False),
    ("dau tuan sau", "30/11 17:00", False),
    # calendar dates
    ("30/11", "30/11 17:00", False),
    ("30/11/2026", "30/11 17:00", False),
    ("30-11", "30/11 17:00", False),
    ("1/12/26", "01/12 17:00", False),
    ("ngày 30/11", "30/11 17:00", False),
    ("5/1", "05/01/2027 17:00", False),  # January typed in November is next year's
    # counted days
    ("3 ngày nữa", "28/11 17:00", False),
    ("2 ngày nữa", "27/11 17:00", False),
    ("2 ngay nua", "27/11 17:00", False),
    ("sau 2 ngày", "27/11 17:00", False),
    ("sau 2 ngày nữa", "27/11 17:00", False),
    ("2 ngày tới", "27/11 17:00", False),
    ("hai ngày nữa", "27/11 17:00", False),
    ("mot ngay nua", "26/11 17:00", False),
    ("1 tuần nữa", "02/12 17:00", False),
    ("trong 2 ngày", "27/11 17:00", False),
    # durations from now
    ("trong 2 giờ", "25/11 12:00", True),
    ("trong 30 phút", "25/11 10:30", True),
    ("trong vòng 2 tiếng", "25/11 12:00", True),
    ("2 tiếng nữa", "25/11 12:00", True),
    ("2 tieng nua", "25/11 12:00", True),
    ("2 giờ nữa", "25/11 12:00", True),
    ("45 phút nữa", "25/11 10:45", True),
    ("nửa tiếng nữa", "25/11 10:30", True),
    ("sau 3 giờ", "25/11 13:00", True),
    ("trong 2h", "25/11 12:00", True),
    ("2h nữa", "25/11 12:00", True),
    ("trong 2 ngày nữa", "27/11 17:00", False),
    # combinations, either order
    ("8h sáng thứ 2 tuần sau", "30/11 08:00", True),
    ("8h sang thu 2 tuan sau", "30/11 08:00", True),
    ("thứ 6 17h", "27/11 17:00", True),
    ("17h thứ 6", "27/11 17:00", True),
    ("17h thu 6", "27/11 17:00", True),
    ("17 giờ thứ sáu", "27/11 17:00", True),
    ("hôm nay 16h", "25/11 16:00", True),
    ("ngày mai 8 giờ", "26/11 08:00", True),
    ("8 giờ sáng mai", "26/11 08:00", True),
    ("sáng mai", "26/11 08:00", True),
    ("sang mai", "26/11 08:00", True),
    ("tối mai", "26/11 20:00", True),
    ("chiều thứ 2 tuần sau", "30/11 17:00", True),
    ("sáng thứ hai", "30/11 08:00", True),
    ("17:30 30/11", "30/11 17:30", True),
    ("30/11 17:30", "30/11 17:30", True),
    ("9h 30/11", "30/11 09:00", True),
    ("17h 30/11", "30/11 17:00", True),
    ("thứ 6 tối", "27/11 20:00", True),
    ("3 ngày nữa 9h", "28/11 09:00", True),
    ("cuối ngày mai", "26/11 17:00", True),
    ("thứ 4 8h", "02/12 08:00", True),  # today's 08:00 has passed: next Wednesday
    ("5h chiều thứ 4", "25/11 17:00", True),
    # prefixes and fillers
    ("trước 17h", "25/11 17:00", True),
    ("truoc 17h", "25/11 17:00", True),
    ("lúc 8h sáng mai", "26/11 08:00", True),
    ("vào thứ 6", "27/11 17:00", False),
    ("vào lúc 14h30 thứ 5", "26/11 14:30", True),
    ("chậm nhất 17h thứ 6 nhé", "27/11 17:00", True),
    ("17h, thứ 6", "27/11 17:00", True),
    ("trong hôm nay", "25/11 17:00", False),
    ("đến thứ 6", "27/11 17:00", False),
    ("  17h   thứ  6  ", "27/11 17:00", True),
]


@pytest.mark.parametrize(("text", "expected", "has_time"), ON_WEDNESDAY)
def test_reads_deadlines_on_a_wednesday_morning(text: str, expected: str, has_time: bool) -> None:
    result = parse_deadline(text, WEDNESDAY_MORNING, HANOI)
    assert isinstance(result, Deadline), result
    assert result.at == local(expected)
    assert result.has_time is has_time


ON_SUNDAY = [
    ("mai", "30/11 17:00", False),
    ("thứ 2", "30/11 17:00", False),
    ("thứ 2 tuần sau", "30/11 17:00", False),  # weeks run Monday to Sunday
    ("đầu tuần sau", "30/11 17:00", False),
    ("tuần sau", "04/12 17:00", False),
    ("thứ 7", "05/12 17:00", False),
    ("chủ nhật", "06/12 17:00", False),  # today's 17:00 is gone
    ("cn 21h", "29/11 21:00", True),  # today still counts
    ("đêm nay", "29/11 22:00", True),
    ("11h đêm nay", "29/11 23:00", True),
    ("8h sáng mai", "30/11 08:00", True),
    ("thứ 6 17h", "04/12 17:00", True),
    ("2 tiếng nữa", "29/11 22:30", True),
    ("3 ngày nữa", "02/12 17:00", False),
    ("ngày kia", "01/12 17:00", False),
    ("21h", "29/11 21:00", True),
    ("9h tối", "29/11 21:00", True),
]


@pytest.mark.parametrize(("text", "expected", "has_time"), ON_SUNDAY)
def test_reads_deadlines_on_a_sunday_evening(text: str, expected: str, has_time: bool) -> None:
    result = parse_deadline(text, SUNDAY_EVENING, HANOI)
    assert isinstance(result, Deadline), result
    assert result.at == local(expected)
    assert result.has_time is has_time


@pytest.mark.parametrize(
    ("text", "now", "candidates"),
    [
        ("8h hôm nay", WEDNESDAY_MORNING, ["25/11 08:00"]),
        ("8 giờ sáng", WEDNESDAY_MORNING, ["25/11 08:00"]),
        ("sáng nay", WEDNESDAY_MORNING, ["25/11 08:00"]),
        ("20/11", WEDNESDAY_MORNING, ["20/11 17:00"]),
        ("hôm qua", WEDNESDAY_MORNING, ["24/11 17:00"]),
        ("10:00", WEDNESDAY_MORNING, ["25/11 10:00"]),  # exactly now is not ahead
        ("tối nay", SUNDAY_EVENING, ["29/11 20:00"]),
        ("cuối tuần", SUNDAY_EVENING, ["27/11 17:00"]),
        ("9h", SUNDAY_EVENING, ["29/11 09:00"]),
        ("5h", SUNDAY_EVENING, ["29/11 05:00", "29/11 17:00"]),
        ("5h 20/11", WEDNESDAY_MORNING, ["20/11 05:00", "20/11 17:00"]),
    ],
)
def test_a_past_deadline_is_reported_not_moved(text: str, now: datetime, candidates: list[str]) -> None:
    assert parse_deadline(text, now, HANOI) == DeadlineProblem("past", [local(c) for c in candidates])


@pytest.mark.parametrize(
    ("text", "candidates"),
    [
        ("5h mai", ["26/11 05:00", "26/11 17:00"]),
        ("ngày mai 5 giờ", ["26/11 05:00", "26/11 17:00"]),
        ("5h thứ 6", ["27/11 05:00", "27/11 17:00"]),
        ("3h30 30/11", ["30/11 03:30", "30/11 15:30"]),
        ("6h t2", ["30/11 06:00", "30/11 18:00"]),
    ],
)
def test_a_bare_early_hour_is_ambiguous(text: str, candidates: list[str]) -> None:
    assert parse_deadline(text, WEDNESDAY_MORNING, HANOI) == DeadlineProblem(
        "ambiguous", [local(c) for c in candidates]
    )


def test_a_bare_early_hour_at_night_is_ambiguous_too() -> None:
    before_dawn = datetime(2026, 11, 25, 3, 0, tzinfo=HANOI)
    assert parse_deadline("5h", before_dawn, HANOI) == DeadlineProblem(
        "ambiguous", [local("25/11 05:00"), local("25/11 17:00")]
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "xyz",
        "nhé",
        "trước",
        "sớm",
        "khi nào xong thì báo",
        "17h thứ 6 nhớ gửi file",  # a deadline followed by other words is not half-read
        "25h",
        "17h75",
        "31/11",
        "30/13",
        "thứ 8",
        "17h sáng",  # 17:00 is not in the morning
        "9h trưa",
        "cuối ngày 9h",
        "mai tuần sau",
        "mai thứ 6",
        "17h 18h",
        "sáng chiều",
        "2 tiếng nữa thứ 6",
        "trong 2 giờ 17h",
        "sang thứ 6",  # typed with accents, "sang" is not "sáng"
        "8h tới",  # with accents, "tới" is not "tối"
        "17h thu 6 tuần sau",  # half with, half without accents
        "nửa ngày nữa",
        "17h3",
        "sau 12h",  # "h" is a clock time, and "after 12:00" is no deadline
    ],
)
def test_unreadable_text_is_reported(text: str) -> None:
    assert parse_deadline(text, WEDNESDAY_MORNING, HANOI) == DeadlineProblem("unparseable", [])


def test_the_result_is_utc_whatever_the_zone_of_now() -> None:
    now_in_utc = WEDNESDAY_MORNING.astimezone(UTC)
    result = parse_deadline("17h thứ 6", now_in_utc, HANOI)
    assert result == Deadline(local("27/11 17:00"), True, "17h thứ 6")
    assert result.at.tzinfo is UTC


def test_the_team_time_zone_decides_the_wall_clock() -> None:
    bangkok_is_same, tokyo = ZoneInfo("Asia/Bangkok"), ZoneInfo("Asia/Tokyo")
    assert parse_deadline("17h", WEDNESDAY_MORNING, bangkok_is_same).at == local("25/11 17:00")
    assert parse_deadline("17h", WEDNESDAY_MORNING, tokyo).at == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_deadline("17h", datetime(2026, 11, 25, 10, 0), HANOI)


def test_durations_count_from_now_to_the_minute() -> None:
    now = datetime(2026, 11, 25, 10, 7, 30, tzinfo=HANOI)
    result = parse_deadline("trong 30 phút", now, HANOI)
    assert result.at == now.astimezone(UTC) + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("trước 17h", "17h"),
        ("vào lúc 8h sáng mai nhé", "8h sáng mai"),
        ("hạn: 17h, thứ 6.", "17h, thứ 6"),
        ("Thứ Sáu", "Thứ Sáu"),
    ],
)
def test_matched_is_the_deadline_without_surrounding_fillers(text: str, matched: str) -> None:
    assert parse_deadline(text, WEDNESDAY_MORNING, HANOI).matched == matched


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("Vá lỗ hổng máy chủ hạn 17h thứ 6", ("Vá lỗ hổng máy chủ", "17h thứ 6")),
        ("Va lo hong may chu han 17h thu 6", ("Va lo hong may chu", "17h thu 6")),
        ("Kiểm tra bảo mật PC-Covid hạn 17h thứ 6", ("Kiểm tra bảo mật PC-Covid", "17h thứ 6")),
        ("Gửi báo cáo trước 17h mai", ("Gửi báo cáo", "17h mai")),
        ("Tổng hợp số liệu, deadline: 30/11", ("Tổng hợp số liệu", "30/11")),
        ("Cập nhật danh sách hạn chót thứ 2 tuần sau", ("Cập nhật danh sách", "thứ 2 tuần sau")),
        ("Rà soát tài khoản, thời hạn cuối tuần", ("Rà soát tài khoản", "cuối tuần")),
        ("Nộp báo cáo chậm nhất 8h sáng mai", ("Nộp báo cáo", "8h sáng mai")),
        ("Rà soát han che truy cập han 17h", ("Rà soát han che truy cập", "17h")),
        ("Ra soat han che truy cap han 17h", ("Ra soat han che truy cap", "17h")),
        ("Làm trước rồi báo hạn mai nhé", ("Làm trước rồi báo", "mai nhé")),
        ("Đánh giá hạn chế của hệ thống hạn thứ 6", ("Đánh giá hạn chế của hệ thống", "thứ 6")),
        ("Báo cáo hạn 5h mai", ("Báo cáo", "5h mai")),  # ambiguous later, but it is a deadline
        ("Nhắc chị Mai hạn mai", ("Nhắc chị Mai", "mai")),
        ("hạn 17h", ("", "17h")),
        # no deadline found: the whole text is the task
        ("Han che truy cap", ("Han che truy cap", None)),
        ("Rà soát hạn chế truy cập", ("Rà soát hạn chế truy cập", None)),
        ("Xin gia hạn sang tuần sau", ("Xin gia hạn sang tuần sau", None)),
        ("Xin gia hạn 2 ngày nữa", ("Xin gia hạn 2 ngày nữa", None)),  # gia hạn = extend
        ("Tăng giới hạn 2 ngày nữa", ("Tăng giới hạn 2 ngày nữa", None)),
        ("Gửi bản nháp trước Mai", ("Gửi bản nháp trước Mai", None)),  # Mai the colleague
        ("Xử lý việc tồn đọng trước khi họp", ("Xử lý việc tồn đọng trước khi họp", None)),
        ("Hàn lại cáp mạng 17h", ("Hàn lại cáp mạng 17h", None)),
        ("  Cài PC-Covid cho phường 3  ", ("Cài PC-Covid cho phường 3", None)),
    ],
)
def test_find_deadline_splits_a_command_at_its_deadline(command: str, expected: tuple[str, str | None]) -> None:
    assert find_deadline(command) == expected


def test_a_later_keyword_still_splits_after_gia_han() -> None:
    content, deadline = find_deadline("Gia hạn tài khoản VNeID hạn 30/11")
    assert (content, deadline) == ("Gia hạn tài khoản VNeID", "30/11")
