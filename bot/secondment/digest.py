"""Secondment requests waiting for the Director, for the digest."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import format_moment
from bot.i18n import gettext as _
from bot.secondment.models import SecondmentRequest, Status
from bot.secondment.notices import name_of
from bot.ui import esc


@dataclass(frozen=True)
class PendingDecision:
    request_id: int
    number: int
    version: int
    proposer_name: str
    people: tuple[str, ...]
    starts_on: date
    ends_on: date
    submitted_at: datetime
    waiting: timedelta


async def pending_for_digest(session: AsyncSession, team_id: int, *, now: datetime) -> list[PendingDecision]:
    """Every request of the team still waiting for a decision, oldest first."""
    requests = await session.scalars(
        select(SecondmentRequest)
        .where(SecondmentRequest.team_id == team_id, SecondmentRequest.status == Status.SUBMITTED)
        .order_by(SecondmentRequest.submitted_at, SecondmentRequest.id)
    )
    pending = []
    for request in requests:
        assert request.number is not None and request.submitted_at is not None
        assert request.starts_on is not None and request.ends_on is not None
        pending.append(PendingDecision(
            request_id=request.id, number=request.number, version=request.version,
            proposer_name=await name_of(session, team_id, request.proposer_telegram_id),
            people=tuple(p.full_name for p in request.people), starts_on=request.starts_on,
            ends_on=request.ends_on, submitted_at=request.submitted_at, waiting=now - request.submitted_at,
        ))
    return pending


def digest_lines(pending: list[PendingDecision], zone: ZoneInfo) -> str:
    """The digest's section (Telegram HTML), or "" when nothing waits."""
    if not pending:
        return ""
    lines = [_("<b>Đề nghị trưng dụng chờ quyết định ({count})</b>").format(count=len(pending))]
    for item in pending:
        lines.append(_("• Số {number}: {people} — {start}–{end}; đề nghị: {proposer}, gửi {at}").format(
            number=item.number, people=esc(", ".join(item.people)), start=item.starts_on.strftime("%d/%m/%Y"),
            end=item.ends_on.strftime("%d/%m/%Y"), proposer=esc(item.proposer_name),
            at=format_moment(item.submitted_at, zone)))
    return "\n".join(lines)
