"""The digest as a phone reads it: short sections, one fact a line, names in full.

The outbox splits a text over Telegram's 4096 characters at line boundaries,
so sections are plain lines; long lists are cut with "và N mục khác", the
full lists being in the spreadsheet.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.convening.digest import digest_lines as convocation_lines
from bot.digest.build import Digest, Figure, FigureTable
from bot.helpdesk.render import digest_section as helpdesk_section
from bot.i18n import current_locale, format_moment, format_number
from bot.i18n import gettext as _
from bot.reports.render import shown_value, title
from bot.reports.service import PeriodStatus
from bot.secondment.digest import digest_lines as secondment_lines
from bot.ui import esc

LIST_LIMIT = 8
NOTE_LIMIT = 300


def digest_text(digest: Digest, zone: ZoneInfo) -> str:
    parts = [_header(digest, zone), _tasks(digest, zone), _reports(digest, zone), _figures(digest, zone),
             _notes(digest), _others(digest, zone)]
    return "\n\n".join(part for part in parts if part)


def _header(digest: Digest, zone: ZoneInfo) -> str:
    until = digest.until.astimezone(zone)
    if digest.kind == "weekly":
        head = _("📋 <b>Tổng hợp tuần</b> đến {day}").format(day=until.strftime("%d/%m/%Y"))
    elif digest.kind == "daily":
        head = _("📋 <b>Tổng hợp ngày {day}</b>").format(day=until.strftime("%d/%m/%Y"))
    else:
        head = _("📋 <b>Tổng hợp</b>")
    window = _("Từ {since} đến {until}").format(since=format_moment(digest.since, zone),
                                               until=format_moment(digest.until, zone))
    return f"{head}\n{esc(digest.team.name)}\n<i>{window}</i>"


def _late(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours >= 48:
        return _("trễ {n} ngày").format(n=hours // 24)
    if hours >= 1:
        return _("trễ {n} giờ").format(n=hours)
    return _("trễ {n} phút").format(n=max(1, int(delta.total_seconds() // 60)))


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= LIST_LIMIT:
        return lines
    return lines[:LIST_LIMIT] + [_("… và {n} mục khác (xem bảng tính)").format(n=len(lines) - LIST_LIMIT)]


def _tasks(digest: Digest, zone: ZoneInfo) -> str:
    tasks = digest.tasks
    if tasks is None:
        return ""
    lines = [_("<b>Nhiệm vụ</b>"),
             _("Mới giao: {new} · Hoàn thành: {done} · Quá hạn: {overdue} · Vướng mắc: {blocked} · Đang mở: {open}").format(
                 new=len(tasks.new), done=len(tasks.done), overdue=len(tasks.overdue), blocked=len(tasks.blocked),
                 open=tasks.open_count)]
    lines += _capped([
        _("⏰ {title} — {people}, {late}").format(title=esc(t.title), people=esc(", ".join(t.people)),
                                                 late=_late(t.late_by or timedelta()))
        for t in tasks.overdue])
    lines += _capped([
        _("⛔ {title} — {people}: «{words}»").format(title=esc(t.title), people=esc(", ".join(t.people)),
                                                    words=esc((t.words or "")[:NOTE_LIMIT]))
        for t in tasks.blocked])
    lines += _capped([_("✅ {title} — {people}").format(title=esc(t.title), people=esc(", ".join(t.people)))
                      for t in tasks.done])
    return "\n".join(lines)


def _reports(digest: Digest, zone: ZoneInfo) -> str:
    if not digest.reports:
        return ""
    lines = [_("<b>Báo cáo</b>")]
    for status in digest.reports:
        lines.append(_period_lines(status, digest, zone))
    return "\n".join(lines)


def _period_lines(status: PeriodStatus, digest: Digest, zone: ZoneInfo) -> str:
    period = status.period
    closed = period.due_at <= digest.until
    state = _("hạn {moment}") if not closed else _("đã hết hạn {moment}")
    lines = [f"▪️ <b>{title(period)}</b> — " + state.format(moment=format_moment(period.due_at, zone))]
    sent = len(status.on_time) + len(status.late)
    lines.append(_("Đã nộp {sent}/{total} · đúng hạn {on_time} · muộn {late} · chưa nộp {missing}").format(
        sent=sent, total=status.total, on_time=len(status.on_time), late=len(status.late),
        missing=len(status.missing)))
    if status.late:
        lines.append(_("🕓 Nộp muộn: {names}").format(names=", ".join(
            f"{esc(s.member.full_name)} ({format_moment(s.submitted_at, zone)})" for s in status.late)))
    if status.missing:
        label = _("❌ Chưa nộp: {names}") if closed else _("⏳ Chưa nộp: {names}")
        lines.append(label.format(names=", ".join(esc(m.full_name) for m in status.missing)))
    return "\n".join(lines)


def _change(figure: Figure) -> str:
    if figure.change is None:
        return _("kỳ trước không có số liệu này")
    if figure.change == 0:
        return _("không đổi")
    arrow = "▲" if figure.change > 0 else "▼"
    amount = format_number(abs(round(figure.change, 2)))
    ratio = figure.change_ratio
    percent = f", {format_number(round(abs(ratio) * 100, 1))}%" if ratio is not None else ""
    return f"{arrow} {amount}{percent}"


def _figures(digest: Digest, zone: ZoneInfo) -> str:
    if not digest.figures:
        return ""
    lines = [_("<b>Số liệu các nền tảng</b>")]
    for table in digest.figures:
        lines.append(_table_head(table, zone))
        for figure in table.figures:
            value = shown_value(figure.field, _plain(figure.value)) if figure.value is not None else _("chưa báo cáo")
            change = f" ({_change(figure)})" if table.previous is not None and figure.value is not None else ""
            lines.append(f"• {esc(figure.field.shown_label(current_locale()))}: <b>{value}</b>{change}")
    return "\n".join(lines)


def _table_head(table: FigureTable, zone: ZoneInfo) -> str:
    due = table.period.due_at.astimezone(zone).strftime("%d/%m")
    if table.previous is None:
        return _("▪️ {title}, kỳ {due} (chưa có kỳ trước để so sánh)").format(title=title(table.period), due=due)
    return _("▪️ {title}, kỳ {due} so với kỳ {previous}").format(
        title=title(table.period), due=due, previous=table.previous.due_at.astimezone(zone).strftime("%d/%m"))


def _plain(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 2)


def _notes(digest: Digest) -> str:
    if not digest.notes:
        return ""
    lines = [_("<b>Sự cố, kiến nghị</b>")]
    lines += _capped([
        f"• {esc(note.field.shown_label(current_locale()))} — {esc(note.member.full_name)}: "
        f"«{esc(note.text[:NOTE_LIMIT])}»" for note in digest.notes])
    return "\n".join(lines)


def _others(digest: Digest, zone: ZoneInfo) -> str:
    parts = []
    if digest.secondments:
        parts.append(secondment_lines(digest.secondments, zone))
    if digest.convocations:
        parts.append(convocation_lines(digest.convocations, zone))
    if digest.helpdesk is not None and digest.helpdesk.questions_typed + digest.helpdesk.tickets_opened:
        parts.append(helpdesk_section(digest.helpdesk, current_locale()))
    return "\n\n".join(part for part in parts if part)
