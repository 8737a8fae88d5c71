"""`dieuphoi export --from DATE --to DATE`: the digest's spreadsheet for whole days, from the command line."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.digest.build import build_digest
from bot.digest.spreadsheet import digest_workbook
from bot.i18n import use_locale

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def read_date(text: str) -> date:
    """2026-11-30 or 30/11/2026; ValueError otherwise."""
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), form).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r} (write 2026-11-30 or 30/11/2026)")


def day_window(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last`, in the team's zone."""
    if last < first:
        raise ValueError("--to is before --from")
    since = datetime.combine(first, time(0), tzinfo=zone)
    until = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return since, until


async def export_workbook(session: AsyncSession, team_id: int, *, first: date, last: date, zone: ZoneInfo,
                          locale: str) -> bytes:
    since, until = day_window(first, last, zone)
    digest = await build_digest(session, team_id, since=since, until=until, kind="export", include_open=False)
    with use_locale(locale):
        return digest_workbook(digest, zone)
