"""Convocation reminders, run by the sweep in its transaction (so each goes exactly once).

- convening.unanswered: to invitees who have not answered yet, with the answer buttons;
- convening.start: to everyone attending, DIEUPHOI_CONVENE_REMIND_BEFORE before the start.
Each message also carries a dedupe key per invitee, so even a reminder row
handled twice could not write to anyone twice.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import record
from bot.config import Settings
from bot.convening import render
from bot.convening.models import Answer
from bot.convening.service import REMIND_START, REMIND_UNANSWERED, load
from bot.i18n import use_locale
from bot.outbox.service import enqueue
from bot.reminders.models import Reminder
from bot.reminders.service import ReminderHandler, people_of_teams, prefetching
from bot.secondment.recipients import locale_of, member_by_telegram


async def prefetch(session: AsyncSession, batch: Sequence[Reminder], now: datetime) -> object:
    """The language choices of the teams' people, asked once per invitee otherwise (see prefetching);
    the convocation itself is loaded afresh by `load`."""
    return await people_of_teams(session, batch)


def handlers(settings: Settings) -> dict[str, ReminderHandler]:
    @prefetching(prefetch)
    async def unanswered(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
        await remind(session, reminder, now, settings=settings, answer=Answer.NONE)

    @prefetching(prefetch)
    async def starting(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
        await remind(session, reminder, now, settings=settings, answer=Answer.ATTEND)

    return {REMIND_UNANSWERED: unanswered, REMIND_START: starting}


async def remind(session: AsyncSession, reminder: Reminder, now: datetime, *, settings: Settings,
                 answer: Answer) -> None:
    convocation = await load(session, reminder.subject_id)
    if convocation is None or convocation.starts_at <= now:
        return
    convener = await member_by_telegram(session, convocation.team_id, convocation.convener_telegram_id)
    convener_name = convener.full_name if convener else ""
    reminded = []
    for invitee in convocation.invitees:
        telegram_id = invitee.member.telegram_id
        if invitee.answer != answer or not telegram_id:
            continue
        with use_locale(await locale_of(session, telegram_id, settings.default_locale)):
            message = (render.unanswered_reminder(convocation, convener_name, settings.zone) if answer == Answer.NONE
                       else render.start_reminder(convocation, settings.zone))
            await enqueue(session, telegram_id, message, now=now, team_id=convocation.team_id,
                          ref=f"cv:{convocation.id}", dedupe_key=f"cv:{convocation.id}:{reminder.kind}:{invitee.id}")
        reminded.append(invitee.member_id)
    record(session, at=now, action=f"convocation.remind.{reminder.step}", subject=f"convocation:{convocation.id}",
           actor=None, team_id=convocation.team_id, after={"members": reminded})
