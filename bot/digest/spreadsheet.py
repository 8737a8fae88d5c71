"""The digest as a workbook (.xlsx, openpyxl): one sheet per section, headers in the reader's language
(Vietnamese by default), numbers as numbers, times as dates in the team's zone.

"Chi tiết số liệu" lists every stored answer with who sent it and when, so
each figure of the digest can be traced to its submissions.
"""

import io
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.digest.build import Digest
from bot.i18n import current_locale
from bot.i18n import gettext as _

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

INTEGER = "#,##0"
DECIMAL = "#,##0.0#"
PERCENT = "0.0%"
MOMENT = "dd/mm/yyyy hh:mm"
DAY = "dd/mm/yyyy"


def digest_workbook(digest: Digest, zone: ZoneInfo) -> bytes:
    # Imported here: openpyxl brings numpy and Pillow (~15 MB resident), needed only when a digest is built.
    from openpyxl import Workbook

    # Write-only: each row goes to a temporary file as it is written instead of staying in memory as cell
    # objects (a year's export has about 100,000 rows; the whole workbook in memory took a gigabyte).
    book = Workbook(write_only=True)
    _reports(book.create_sheet(_("Báo cáo")), digest, zone)
    _figures(book.create_sheet(_("Số liệu")), digest, zone)
    _values(book.create_sheet(_("Chi tiết số liệu")), digest, zone)
    _notes(book.create_sheet(_("Sự cố, kiến nghị")), digest, zone)
    if digest.tasks is not None:
        _tasks(book.create_sheet(_("Nhiệm vụ")), digest, zone)
    if digest.secondments is not None:
        _secondments(book.create_sheet(_("Trưng dụng")), digest, zone)
    if digest.convocations is not None:
        _convocations(book.create_sheet(_("Triệu tập")), digest, zone)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """Excel has no time zones: the team's wall-clock time."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


def _sheet(sheet: "WriteOnlyWorksheet", headers: Sequence[str], rows: Sequence[Sequence[Any]],
           formats: dict[int, str] | None = None, *, kinds: Sequence[str] = (),
           kind_columns: Sequence[int] = ()) -> None:
    """Bold headers, frozen under the first row, columns as wide as their longest value (at most 60);
    `formats` number-formats whole columns, `kinds` (one per row) the `kind_columns` of each row: whole
    numbers for integer fields, one or two decimals otherwise. A formatted cell keeps its format when empty."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    # A write-only sheet writes its size, frozen panes and column widths before the first row.
    last = get_column_letter(len(headers))
    sheet.calculate_dimension = lambda: f"A1:{last}{len(rows) + 1}"  # read by openpyxl's writer, as for a sheet
    sheet.freeze_panes = "A2"
    for column, header in enumerate(headers, start=1):
        values = [len(str(header))] + [len(str(row[column - 1])) for row in rows if row[column - 1] is not None]
        sheet.column_dimensions[get_column_letter(column)].width = min(max(values) + 2, 60)

    def styled(number_format: str) -> Any:
        cell = WriteOnlyCell(sheet)
        cell.number_format = number_format
        return cell

    head = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        head.append(cell)
    sheet.append(head)
    # One styled cell per column and format, given each row's value in turn: the sheet writes a row out as
    # soon as it is appended, so the same cell serves every row.
    by_column = {column: styled(number_format) for column, number_format in (formats or {}).items()}
    by_kind = {kind: {**by_column, **{column: styled(INTEGER if kind == "integer" else DECIMAL)
                                      for column in kind_columns}} for kind in set(kinds)}
    for index, row in enumerate(rows):
        values = list(row)
        for column, cell in (by_kind[kinds[index]] if kinds else by_column).items():
            cell.value = values[column - 1]
            values[column - 1] = cell
        sheet.append(values)


def _reports(sheet: "WriteOnlyWorksheet", digest: Digest, zone: ZoneInfo) -> None:
    rows = []
    for status in digest.reports:
        period = status.period
        title = period.shown_title(current_locale())
        for s in status.on_time + status.late:
            rows.append([title, local(period.due_at, zone), s.member.full_name,
                         _("Nộp muộn") if s.late else _("Đúng hạn"), local(s.submitted_at, zone), s.corrections])
        for member in status.missing:
            rows.append([title, local(period.due_at, zone), member.full_name, _("Chưa nộp"), None, None])
    _sheet(sheet, [_("Báo cáo"), _("Hạn nộp"), _("Người báo cáo"), _("Tình trạng"), _("Thời điểm nộp"),
                   _("Số lần sửa")], rows, {2: MOMENT, 5: MOMENT, 6: INTEGER})


def _figures(sheet: "WriteOnlyWorksheet", digest: Digest, zone: ZoneInfo) -> None:
    rows = []
    for table in digest.figures:
        for figure in table.figures:
            ratio = figure.change_ratio
            rows.append([table.period.shown_title(current_locale()), local(table.period.due_at, zone),
                         figure.field.shown_label(current_locale()), figure.value, figure.previous, figure.change,
                         ratio, ", ".join(figure.reporters)])
    kinds = [figure.field.kind for table in digest.figures for figure in table.figures]
    _sheet(sheet, [_("Báo cáo"), _("Kỳ (hạn nộp)"), _("Chỉ tiêu"), _("Giá trị"), _("Kỳ trước"), _("Thay đổi"),
                   _("Thay đổi (%)"), _("Người báo cáo")], rows, {2: MOMENT, 7: PERCENT},
           kinds=kinds, kind_columns=(4, 5, 6))


def _values(sheet: "WriteOnlyWorksheet", digest: Digest, zone: ZoneInfo) -> None:
    rows = []
    for item in digest.values:
        value = item.submission.values[item.field.code]
        if item.field.kind == "choice":
            value = item.field.choice_label(str(value), current_locale())
        rows.append([item.period.shown_title(current_locale()), local(item.period.due_at, zone),
                     item.field.shown_label(current_locale()), item.field.code, value,
                     item.submission.member.full_name, local(item.submission.submitted_at, zone),
                     _("Có") if item.submission.late else _("Không")])
    _sheet(sheet, [_("Báo cáo"), _("Hạn nộp"), _("Chỉ tiêu"), _("Mã"), _("Giá trị"), _("Người báo cáo"),
                   _("Thời điểm nộp"), _("Nộp muộn")], rows, {2: MOMENT, 7: MOMENT},
           kinds=[item.field.kind for item in digest.values], kind_columns=(5,))


def _notes(sheet: "WriteOnlyWorksheet", digest: Digest, zone: ZoneInfo) -> None:
    rows = [[note.period.shown_title(current_locale()), note.field.shown_label(current_locale()),
             note.member.full_name, note.text, local(note.at, zone)] for note in digest.notes]
    _sheet(sheet, [_("Báo cáo"), _("Mục"), _("Người báo cáo"), _("Nội dung"), _("Thời điểm nộp")], rows, {5: MOMENT})


def _tasks(sheet: "WriteOnlyWorksheet", digest: Digest, zone: ZoneInfo) -> None:
    tasks = digest.tasks
    groups = [(_("Mới giao"), tasks.new), (_("Hoàn thành"), tasks.done), (_("Quá hạn"), tasks.overdue),
              (_("Vướng mắc"), tasks.blocked)]
    rows = []
    for group, items in groups:
        for task in items:
            late_hours = round(task.late_by.total_seconds() / 3600, 1) if task.late_by else None
            rows.append([group, task.title, ", ".join(task.people), local(task.deadline_at, zone), late_hours,
                         task.words or None, local(task.at, zone)])
    _sheet(sheet, [_("Nhóm"), _("Nhiệm vụ"), _("Người thực hiện"), _("Hạn"), _("Trễ (giờ)"), _("Ý kiến thành viên"),
                   _("Thời điểm")], rows, {4: MOMENT, 5: DECIMAL, 7: MOMENT})


def _secondments(sheet: "WriteOnlyWorksheet", digest: Digest, zone: ZoneInfo) -> None:
    rows = [[item.number, ", ".join(item.people), item.starts_on, item.ends_on, item.proposer_name,
             local(item.submitted_at, zone)] for item in digest.secondments or []]
    _sheet(sheet, [_("Số"), _("Người được đề nghị trưng dụng"), _("Từ ngày"), _("Đến ngày"), _("Người đề nghị"),
                   _("Gửi lúc")], rows, {1: INTEGER, 3: DAY, 4: DAY, 6: MOMENT})


def _convocations(sheet: "WriteOnlyWorksheet", digest: Digest, zone: ZoneInfo) -> None:
    rows = [[local(item.starts_at, zone), item.content, item.place, item.attending, item.absent, item.unanswered]
            for item in digest.convocations or []]
    _sheet(sheet, [_("Thời gian"), _("Nội dung"), _("Địa điểm"), _("Tham gia"), _("Vắng"), _("Chưa trả lời")], rows,
           {1: MOMENT, 4: INTEGER, 5: INTEGER, 6: INTEGER})
