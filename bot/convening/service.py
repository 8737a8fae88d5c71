"""The rules of convening. No Telegram here.

- `convene` sends each invitee a card (Tham gia / Vắng), tells the managers
  of their units and the team group, gives the convener a card that counts
  the answers, and owes two reminders: one to those who have not answered
  (after DIEUPHOI_ACK_WITHIN, at the latest when the start reminder is due)
  and one to everyone attending DIEUPHOI_CONVENE_REMIND_BEFORE before the
  start. Quiet hours defer the no-answer reminder only while the deferred
  time still falls before the start; otherwise it goes at its time. The
  start reminder is never deferred.
- Who may be invited: the team's leader, deputies and members (the Director
  and unit managers are not convened); the convener is not invited.
- The draft (guided flow, or a one-line form with a question left) lives in
  the database and survives a restart.
Every step is audited in the same transaction.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.audit import record
from bot.config import Settings
from bot.convening import render
from bot.convening.form import TimeProblem, read_time, split_parts
from bot.convening.models import Answer, Convocation, ConvocationDraft, Invitee
from bot.convening.who import Who, WhoProblem, read_who, split_who
from bot.i18n import use_locale
from bot.outbox.service import enqueue, enqueue_edit
from bot.reminders import service as reminders
from bot.reminders.service import after_quiet_hours
from bot.roster.models import Area, Member, Role, Team
from bot.roster.service import team_members
from bot.secondment.recipients import locale_of, managers_of, member_by_telegram

REMIND_UNANSWERED = "convening.unanswered"
REMIND_START = "convening.start"
DRAFT_LISTENS_FOR = timedelta(hours=12)
REASON_LISTENS_FOR = timedelta(hours=2)
INVITED_ROLES = {Role.LEADER, Role.DEPUTY, Role.MEMBER}
STEPS = ("who", "content", "time", "place")
MAX_TEXT = 2000


@dataclass
class Refusal:
    kind: str  # see bot.convening.render.REFUSALS


Problem = WhoProblem | TimeProblem


async def load(session: AsyncSession, convocation_id: int) -> Convocation | None:
    """A convocation with its invitees and their members loaded (async sessions cannot lazy-load)."""
    return await session.scalar(
        select(Convocation).where(Convocation.id == convocation_id)
        .options(selectinload(Convocation.invitees).selectinload(Invitee.member))
        .execution_options(populate_existing=True))


def subject(convocation: Convocation) -> str:
    return f"convocation:{convocation.id}"


async def invitable(session: AsyncSession, team_id: int, convener: int) -> list[Member]:
    return [m for m in await team_members(session, team_id, roles=INVITED_ROLES) if m.telegram_id != convener]


async def _areas(session: AsyncSession, team_id: int) -> list[Area]:
    return list(await session.scalars(select(Area).where(Area.team_id == team_id)))


# ------------------------------------------------------------------ drafts


async def start_draft(session: AsyncSession, *, team_id: int, convener: int, now: datetime) -> tuple[ConvocationDraft, bool]:
    """The convener's unfinished draft (resumed: True), or a new one asking who."""
    draft = await draft_of(session, team_id, convener)
    if draft is not None:
        draft.asked_at = now
        return draft, True
    draft = ConvocationDraft(team_id=team_id, convener_telegram_id=convener, step="who", asked_at=now, created_at=now)
    session.add(draft)
    await session.flush()
    return draft, False


async def draft_of(session: AsyncSession, team_id: int, convener: int) -> ConvocationDraft | None:
    return await session.scalar(select(ConvocationDraft).where(
        ConvocationDraft.team_id == team_id, ConvocationDraft.convener_telegram_id == convener))


async def draft_listening(session: AsyncSession, telegram_id: int, now: datetime) -> ConvocationDraft | None:
    """The draft whose open question this person's next plain message answers."""
    return await session.scalar(
        select(ConvocationDraft)
        .where(ConvocationDraft.convener_telegram_id == telegram_id, ConvocationDraft.step.in_(STEPS),
               ConvocationDraft.asked_at >= now - DRAFT_LISTENS_FOR)
        .order_by(ConvocationDraft.asked_at.desc()).limit(1))


async def silence(session: AsyncSession, telegram_id: int) -> None:
    """Stop listening for this person's draft answers (they started something else)."""
    await session.execute(update(ConvocationDraft).where(ConvocationDraft.convener_telegram_id == telegram_id)
                          .values(asked_at=None))


async def drop_draft(session: AsyncSession, team_id: int | None, convener: int) -> None:
    await session.execute(delete(ConvocationDraft).where(
        ConvocationDraft.team_id == team_id, ConvocationDraft.convener_telegram_id == convener))


def _next_step(draft: ConvocationDraft) -> str:
    missing = {"who": not draft.member_ids, "content": not draft.content, "time": draft.starts_at is None,
               "place": not draft.place}
    return next((step for step in STEPS if missing[step]), "confirm")


async def fill(session: AsyncSession, draft: ConvocationDraft, text: str, *, now: datetime,
               zone: ZoneInfo) -> Problem | None:
    """Save the answer to the draft's question and move on; a problem changes nothing but the question."""
    text = text.strip()[:MAX_TEXT]
    if draft.step == "who":
        who = read_who(text, await invitable(session, draft.team_id, draft.convener_telegram_id),
                       await _areas(session, draft.team_id))
        if isinstance(who, WhoProblem):
            return who
        _set_who(draft, who)
    elif draft.step == "content":
        draft.content = text
    elif draft.step == "time":
        problem = _set_time(draft, text, now, zone)
        if problem is not None:
            return problem
    elif draft.step == "place":
        draft.place = text[:500]
    draft.step, draft.asked_at = _next_step(draft), now
    await session.flush()
    return None


def _set_who(draft: ConvocationDraft, who: Who) -> None:
    draft.member_ids = [m.id for m in who.members]
    draft.audience = who.label[:255]


def _set_time(draft: ConvocationDraft, text: str, now: datetime, zone: ZoneInfo) -> TimeProblem | None:
    read = read_time(text, now, zone)
    if isinstance(read, TimeProblem):
        draft.choices = [at.isoformat() for at in read.candidates] if read.kind == "ambiguous" else None
        return read
    draft.starts_at, draft.choices = read, None
    return None


async def choose_time(session: AsyncSession, draft: ConvocationDraft, index: int, *, now: datetime) -> TimeProblem | None:
    """The convener picked one of two readings of an ambiguous time."""
    choices = [datetime.fromisoformat(at) for at in draft.choices or []]
    if not 0 <= index < len(choices):
        return TimeProblem("unparseable")
    if choices[index] <= now:
        return TimeProblem("past", [choices[index]])
    draft.starts_at, draft.choices = choices[index], None
    draft.step, draft.asked_at = _next_step(draft), now
    await session.flush()
    return None


async def one_line(
    session: AsyncSession, text: str, *, team_id: int, convener: int, now: datetime, settings: Settings
) -> Convocation | tuple[ConvocationDraft, Problem | None]:
    """The one-line form: convene at once when every part is clear; else keep a draft and ask."""
    members = await invitable(session, team_id, convener)
    who, rest = split_who(text, members, await _areas(session, team_id))
    if isinstance(who, WhoProblem):
        draft, _ = await start_draft(session, team_id=team_id, convener=convener, now=now)
        draft.step = "who"
        return draft, who
    parts = split_parts(rest)
    draft = await draft_of(session, team_id, convener)
    if draft is None:
        draft = ConvocationDraft(team_id=team_id, convener_telegram_id=convener, step="who", created_at=now)
        session.add(draft)
    _set_who(draft, who)
    draft.content = parts.content[:MAX_TEXT] or None
    draft.place = (parts.place or "")[:500] or None
    draft.starts_at, draft.choices = None, None
    problem = _set_time(draft, parts.time_text, now, settings.zone) if parts.time_text else None
    draft.step, draft.asked_at = ("time" if problem else _next_step(draft)), now
    await session.flush()
    if draft.step == "confirm":
        convocation = await convene_draft(session, draft, now=now, settings=settings)
        assert isinstance(convocation, Convocation)
        return convocation
    return draft, problem


async def convene_draft(session: AsyncSession, draft: ConvocationDraft, *, now: datetime,
                        settings: Settings) -> Convocation | Refusal | TimeProblem:
    if _next_step(draft) != "confirm":
        return Refusal("incomplete")
    assert draft.starts_at is not None and draft.content and draft.place and draft.member_ids
    if draft.starts_at <= now:
        draft.step, draft.starts_at = "time", None
        return TimeProblem("past")
    members = [m for m in await invitable(session, draft.team_id, draft.convener_telegram_id)
               if m.id in set(draft.member_ids)]
    convocation = await convene(
        session, team_id=draft.team_id, convener=draft.convener_telegram_id, members=members,
        audience=draft.audience or "", content=draft.content, starts_at=draft.starts_at, place=draft.place,
        now=now, settings=settings,
    )
    await session.delete(draft)
    return convocation


# ------------------------------------------------------------------ convening


async def convene(
    session: AsyncSession,
    *,
    team_id: int,
    convener: int,
    members: list[Member],
    audience: str,
    content: str,
    starts_at: datetime,
    place: str,
    now: datetime,
    settings: Settings,
) -> Convocation:
    team = await session.get(Team, team_id)
    assert team is not None
    convocation = Convocation(team_id=team_id, convener_telegram_id=convener, audience=audience, content=content,
                              starts_at=starts_at, place=place, created_at=now,
                              invitees=[Invitee(team_id=team_id, member_id=m.id, answer=Answer.NONE) for m in members])
    session.add(convocation)
    await session.flush()
    convocation = await load(session, convocation.id)
    assert convocation is not None
    convener_name = await _name(session, team_id, convener)
    zone = settings.zone
    for invitee in convocation.invitees:
        telegram_id = invitee.member.telegram_id
        if telegram_id:
            with use_locale(await locale_of(session, telegram_id, settings.default_locale)):
                row = await enqueue(session, telegram_id, render.card(convocation, convener_name, zone), now=now,
                                    team_id=team_id, ref=f"cv:{convocation.id}")
            invitee.card_id = row.id if row else None
    for manager, names in managers_of((m.unit, m.full_name) for m in members).items():
        with use_locale(await locale_of(session, manager, settings.default_locale)):
            await enqueue(session, manager, render.to_unit_manager(convocation, team.name, names, zone), now=now,
                          team_id=team_id, ref=f"cv:{convocation.id}")
    if team.group_chat_id:
        with use_locale(settings.default_locale):
            await enqueue(session, team.group_chat_id,
                          render.to_group(convocation, convener_name, [m.full_name for m in members], zone),
                          now=now, team_id=team_id, ref=f"cv:{convocation.id}")
    with use_locale(await locale_of(session, convener, settings.default_locale)):
        row = await enqueue(session, convener, render.convener_card(convocation, zone), now=now, team_id=team_id,
                            ref=f"cv:{convocation.id}:convener")
    convocation.card_id = row.id if row else None
    await _schedule_reminders(session, convocation, now=now, settings=settings)
    record(session, at=now, action="convocation.create", subject=subject(convocation), actor=convener,
           team_id=team_id, after={"content": content, "starts_at": starts_at.isoformat(), "place": place,
                                   "invitees": [m.id for m in members]})
    await session.flush()
    return convocation


async def _schedule_reminders(session: AsyncSession, convocation: Convocation, *, now: datetime,
                              settings: Settings) -> None:
    start_reminder = convocation.starts_at - settings.convene_remind_before
    nudge = min(now + settings.ack_within, start_reminder)
    if nudge > now:
        deferred = after_quiet_hours(nudge, settings.quiet_hours, settings.zone) or nudge
        await reminders.schedule(session, team_id=convocation.team_id, kind=REMIND_UNANSWERED,
                                 subject_id=convocation.id, step="once", due_at=nudge,
                                 respects_quiet_hours=deferred < convocation.starts_at)
    if start_reminder > now:
        await reminders.schedule(session, team_id=convocation.team_id, kind=REMIND_START,
                                 subject_id=convocation.id, step="before", due_at=start_reminder,
                                 respects_quiet_hours=False)


async def _name(session: AsyncSession, team_id: int, telegram_id: int) -> str:
    member = await member_by_telegram(session, team_id, telegram_id)
    return member.full_name if member else str(telegram_id)


# ------------------------------------------------------------------ answers


async def answer(
    session: AsyncSession, convocation_id: int, given: Answer, *, by: int, now: datetime, settings: Settings
) -> Invitee | Refusal:
    """An invitee answers (or changes their answer) before the start; Vắng then asks why."""
    convocation = await load(session, convocation_id)
    if convocation is None:
        return Refusal("not_found")
    invitee = next((i for i in convocation.invitees if i.member.telegram_id == by), None)
    if invitee is None:
        return Refusal("not_invited")
    if convocation.starts_at <= now:
        return Refusal("started")
    invitee.reason_asked_at = now if given == Answer.ABSENT else None
    if invitee.answer == given:  # pressed again: nothing changes (Vắng asks for the reason again)
        return invitee
    before = {"answer": str(invitee.answer), "reason": invitee.reason}
    invitee.answer, invitee.answered_at, invitee.reason = given, now, None
    record(session, at=now, action="convocation.answer", subject=subject(convocation), actor=by,
           team_id=convocation.team_id, before=before, after={"answer": str(given)})
    await _refresh_cards(session, convocation, invitee, now=now, settings=settings)
    return invitee


async def reason_listening(session: AsyncSession, telegram_id: int, now: datetime) -> Invitee | None:
    """The absence whose reason this person's next plain message gives."""
    return await session.scalar(
        select(Invitee).join(Member, Invitee.member_id == Member.id)
        .where(Member.telegram_id == telegram_id, Invitee.answer == Answer.ABSENT,
               Invitee.reason_asked_at >= now - REASON_LISTENS_FOR)
        .order_by(Invitee.reason_asked_at.desc()).limit(1))


async def give_reason(session: AsyncSession, invitee: Invitee, text: str, *, now: datetime,
                      settings: Settings) -> None:
    convocation = await load(session, invitee.convocation_id)
    assert convocation is not None
    invitee.reason, invitee.reason_asked_at = text.strip()[:MAX_TEXT], None
    record(session, at=now, action="convocation.absence_reason", subject=subject(convocation),
           actor=invitee.member.telegram_id, team_id=invitee.team_id, after={"reason": invitee.reason})
    await _refresh_cards(session, convocation, invitee, now=now, settings=settings, counts_changed=False)


async def _refresh_cards(session: AsyncSession, convocation: Convocation, invitee: Invitee, *, now: datetime,
                         settings: Settings, counts_changed: bool = True) -> None:
    """The invitee's card shows their answer; the convener's card its new counts."""
    await session.flush()
    zone = settings.zone
    if invitee.card_id and invitee.member.telegram_id:
        convener_name = await _name(session, convocation.team_id, convocation.convener_telegram_id)
        with use_locale(await locale_of(session, invitee.member.telegram_id, settings.default_locale)):
            await enqueue_edit(session, invitee.member.telegram_id,
                               render.card(convocation, convener_name, zone, Answer(invitee.answer), invitee.reason),
                               now=now, target_id=invitee.card_id, team_id=convocation.team_id)
    if convocation.card_id and counts_changed:
        with use_locale(await locale_of(session, convocation.convener_telegram_id, settings.default_locale)):
            await enqueue_edit(session, convocation.convener_telegram_id, render.convener_card(convocation, zone),
                               now=now, target_id=convocation.card_id, team_id=convocation.team_id)


# ------------------------------------------------------------------ the convener's views


async def for_convener(session: AsyncSession, convocation_id: int, *, team_id: int | None) -> Convocation | Refusal:
    """A convocation of the actor's team (the permission to convene is checked by the caller's flag)."""
    convocation = await load(session, convocation_id)
    if convocation is None or convocation.team_id != team_id:
        return Refusal("not_found")
    return convocation


async def coming(session: AsyncSession, team_id: int, *, now: datetime, within: timedelta | None = None) -> list[Convocation]:
    query = (select(Convocation).where(Convocation.team_id == team_id, Convocation.starts_at > now)
             .options(selectinload(Convocation.invitees).selectinload(Invitee.member))
             .execution_options(populate_existing=True))
    if within is not None:
        query = query.where(Convocation.starts_at <= now + within)
    return list(await session.scalars(query.order_by(Convocation.starts_at)))


def attendees(convocation: Convocation) -> list[Member]:
    return [i.member for i in convocation.invitees if i.answer == Answer.ATTEND]


async def ask_task(session: AsyncSession, convocation: Convocation, *, by: int, now: datetime) -> None:
    """A convener pressed "Giao việc": their next message is the task for the attendees."""
    convocation.task_asked_by, convocation.task_asked_at = by, now
    await session.flush()


async def task_listening(session: AsyncSession, telegram_id: int, now: datetime) -> Convocation | None:
    return await session.scalar(
        select(Convocation)
        .where(Convocation.task_asked_by == telegram_id, Convocation.task_asked_at >= now - REASON_LISTENS_FOR)
        .order_by(Convocation.task_asked_at.desc()).limit(1))
