"""The digest computed from stored submissions: figures and their change, text, chart, spreadsheet."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.digest.build import build_digest
from bot.digest.chart import digest_chart
from bot.digest.spreadsheet import digest_workbook
from bot.digest.text import digest_text
from bot.i18n import use_locale
from bot.outbox.split import split_html
from bot.reports.service import open_scheduled, owed_one, submit
from bot.roster.models import Member
from bot.storage import Storage
from bot.telegram_html import parse_html
from tests.unit.test_report_service import WEEKLY, team  # noqa: F401  (the fixture)

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
FRIDAYS = [datetime(2026, 11, 13, 16, 0, tzinfo=ZONE) + timedelta(weeks=n) for n in range(3)]


async def week(storage: Storage, team_id: int, due: datetime, values: dict[int, dict[str, object]],
               late: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    async with storage.transaction() as session:
        period = await open_scheduled(session, team_id, WEEKLY, due, due - timedelta(days=2))
        assert period is not None
        for telegram_id, answers in values.items():
            person = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
            assert person is not None
            owed = await owed_one(session, person, period.id)
            assert owed is not None
            at = due + timedelta(hours=1) if telegram_id in late else due - timedelta(hours=3)
            await submit(session, owed, answers, now=at, actor=telegram_id)


@pytest.fixture
async def three_weeks(storage: Storage, team: int) -> int:  # noqa: F811
    await week(storage, team, FRIDAYS[0], {1004: {"qr_diem": 100, "qr_luot": 4000, "kbyt_luot": 900}})
    await week(storage, team, FRIDAYS[1], {1004: {"qr_diem": 110, "qr_luot": 5000, "kbyt_luot": 1000},
                                           1006: {"tc_mui": 12000, "tc_tyle": 80}})
    await week(storage, team, FRIDAYS[2], {1004: {"qr_diem": 120, "qr_luot": 4500, "kbyt_luot": 1000},
                                           1006: {"tc_mui": 15000, "tc_tyle": 82.5},
                                           1010: {"pt_bantin": 2, "su_co": "Mất kết nối <2 giờ>"}}, late={1010})
    return team


async def test_figures_are_the_stored_values_against_the_previous_period(storage: Storage, three_weeks: int) -> None:
    until = FRIDAYS[2] + timedelta(hours=15, minutes=30)
    async with storage.read() as session:
        digest = await build_digest(session, three_weeks, since=until - timedelta(days=1), until=until, kind="daily")
    [table] = digest.figures
    assert table.period.due_at == FRIDAYS[2] and table.previous is not None and table.previous.due_at == FRIDAYS[1]
    figures = {f.field.code: f for f in table.figures}
    assert (figures["qr_luot"].value, figures["qr_luot"].previous, figures["qr_luot"].change) == (4500, 5000, -500)
    assert figures["qr_luot"].change_ratio == pytest.approx(-0.1)
    assert figures["tc_tyle"].value == 82.5 and figures["tc_tyle"].reporters == ("Đỗ Thị Mai",)
    assert figures["xn_mau"].value is None
    qr_series = next(s for s in digest.series if s.field.code == "qr_diem")
    assert [value for _, value in qr_series.points] == [100, 110, 120]
    [status] = digest.reports
    assert [s.member.telegram_id for s in status.late] == [1010] and len(status.on_time) == 2
    assert len(status.missing) == 3
    assert [note.text for note in digest.notes] == ["Mất kết nối <2 giờ>"]

    with use_locale("vi"):
        text = digest_text(digest, ZONE)
        png = digest_chart(digest.series, ZONE)
        workbook = load_workbook(io.BytesIO(digest_workbook(digest, ZONE)))
    assert "Số lượt quét mã QR trong tuần: <b>4.500</b> (▼ 500, 10%)" in text
    assert "Số mũi tiêm đã cập nhật lên nền tảng: <b>15.000</b> (▲ 3.000, 25%)" in text
    assert "Số mẫu xét nghiệm đã lấy: <b>chưa báo cáo</b>" in text
    assert "«Mất kết nối &lt;2 giờ&gt;»" in text
    parse_html(text)  # valid Telegram HTML
    assert png is not None and png.startswith(b"\x89PNG")
    figures_sheet = list(workbook["Số liệu"].iter_rows(values_only=True))
    assert figures_sheet[0] == ("Báo cáo", "Kỳ (hạn nộp)", "Chỉ tiêu", "Giá trị", "Kỳ trước", "Thay đổi",
                                "Thay đổi (%)", "Người báo cáo")
    qr_row = next(row for row in figures_sheet if row[2] == "Số lượt quét mã QR trong tuần")
    assert qr_row[1] == datetime(2026, 11, 27, 16, 0) and qr_row[3:6] == (4500, 5000, -500)
    assert workbook["Số liệu"]["D2"].number_format == "#,##0"
    assert workbook["Số liệu"]["B2"].number_format == "dd/mm/yyyy hh:mm"


async def test_the_workbook_layout(storage: Storage, three_weeks: int) -> None:
    """Written row by row (openpyxl's write-only mode): bold wrapped headers, frozen under the first row,
    columns sized to their values, formats on every row of a formatted column, empty cells included."""
    until = FRIDAYS[2] + timedelta(hours=15, minutes=30)
    async with storage.read() as session:
        digest = await build_digest(session, three_weeks, since=until - timedelta(days=1), until=until, kind="daily")
    with use_locale("vi"):
        data = digest_workbook(digest, ZONE)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Báo cáo", "Số liệu", "Chi tiết số liệu", "Sự cố, kiến nghị", "Nhiệm vụ", "Trưng dụng",
                               "Triệu tập"]
    reports = book["Báo cáo"]
    assert reports.freeze_panes == "A2"
    assert all(cell.font.b and cell.alignment.wrap_text and cell.alignment.vertical == "top" for cell in reports[1])
    rows = list(reports.iter_rows(min_row=2))
    missing = [row for row in rows if row[3].value == "Chưa nộp"]
    assert len(missing) == 3 and all(row[4].value is None and row[4].number_format == "dd/mm/yyyy hh:mm"
                                     and row[5].number_format == "#,##0" for row in missing)
    names = [len(row[2].value) for row in rows]
    assert reports.column_dimensions["C"].width == max(names + [len("Người báo cáo")]) + 2
    kinds = {row[3].value: row[4].number_format for row in book["Chi tiết số liệu"].iter_rows(min_row=2)}
    assert (kinds["tc_mui"], kinds["tc_tyle"]) == ("#,##0", "#,##0.0#")
    streamed = load_workbook(io.BytesIO(data), read_only=True)  # reads the size the sheet declares
    assert streamed["Báo cáo"].calculate_dimension() == f"A1:F{len(rows) + 1}"
    assert streamed["Triệu tập"].calculate_dimension() == "A1:F1"


async def test_in_english_the_labels_follow(storage: Storage, three_weeks: int) -> None:
    until = FRIDAYS[2] + timedelta(days=1)
    async with storage.read() as session:
        digest = await build_digest(session, three_weeks, since=until - timedelta(days=7), until=until, kind="weekly")
    with use_locale("en"):
        text = digest_text(digest, ZONE)
    assert "QR check-in scans this week" in text


async def test_a_long_digest_splits_into_valid_telegram_messages(storage: Storage, team: int) -> None:  # noqa: F811
    for n in range(40):
        await week(storage, team, FRIDAYS[0] - timedelta(weeks=n), {1004: {"qr_diem": n, "qr_luot": n, "kbyt_luot": n}})
    until = FRIDAYS[0] + timedelta(hours=1)
    async with storage.read() as session:
        digest = await build_digest(session, team, since=until - timedelta(days=400), until=until, kind="on_demand")
    with use_locale("vi"):
        text = digest_text(digest, ZONE)
    assert len(text) > 4096
    parts = split_html(text)
    assert len(parts) > 1
    for part in parts:
        plain, _entities = parse_html(part)
        assert len(plain) <= 4096
