"""Coming convocations with their attendance, for the digest."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.convening.models import Answer
from bot.convening.service import coming
from bot.i18n import format_moment
from bot.i18n import gettext as _
from bot.ui import esc

HORIZON = timedelta(days=7)


@dataclass(frozen=True)
class ComingConvocation:
    convocation_id: int
    content: str
    starts_at: datetime
    place: str
    attending: int
    absent: int
    unanswered: int


async def coming_for_digest(session: AsyncSession, team_id: int, *, now: datetime,
                            horizon: timedelta = HORIZON) -> list[ComingConvocation]:
    """Convocations of the team starting within `horizon`, soonest first, with their counts."""
    out = []
    for convocation in await coming(session, team_id, now=now, within=horizon):
        answers = [i.answer for i in convocation.invitees]
        out.append(ComingConvocation(
            convocation_id=convocation.id, content=convocation.content, starts_at=convocation.starts_at,
            place=convocation.place, attending=answers.count(Answer.ATTEND), absent=answers.count(Answer.ABSENT),
            unanswered=answers.count(Answer.NONE),
        ))
    return out


def digest_lines(items: list[ComingConvocation], zone: ZoneInfo) -> str:
    """The digest's section (Telegram HTML), or "" when nothing is coming."""
    if not items:
        return ""
    lines = [_("<b>Triệu tập sắp tới ({count})</b>").format(count=len(items))]
    for item in items:
        lines.append(_("• {when} — {content} ({place}): tham gia {attend}, vắng {absent}, chưa trả lời {none}").format(
            when=format_moment(item.starts_at, zone), content=esc(item.content), place=esc(item.place),
            attend=item.attending, absent=item.absent, none=item.unanswered))
    return "\n".join(lines)
