"""Who is told what about a secondment request, queued in the caller's transaction.

Each person reads it in their own language (Vietnamese unless known
otherwise); the paperwork is always Vietnamese.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import use_locale
from bot.outbox.models import Kind, OutboxMessage
from bot.outbox.service import Attachment, enqueue, enqueue_edit, enqueue_file
from bot.roster.models import Member, Role, Team, Unit
from bot.secondment import documents, render
from bot.secondment.models import Outcome, SecondmentRequest
from bot.secondment.recipients import directors_of, locale_of, managers_of, member_by_telegram


def card_ref(request: SecondmentRequest) -> str:
    """The ref of every message carrying the Director's buttons for this version."""
    return f"sg:{request.id}:v{request.version}"


async def name_of(session: AsyncSession, team_id: int, telegram_id: int | None) -> str:
    member = await member_by_telegram(session, team_id, telegram_id) if telegram_id else None
    return member.full_name if member else str(telegram_id)


async def paper_of(session: AsyncSession, request: SecondmentRequest, settings: Settings) -> documents.Paper:
    team = await session.get(Team, request.team_id)
    proposer = await member_by_telegram(session, request.team_id, request.proposer_telegram_id)
    assert team is not None and request.submitted_at is not None and request.number is not None
    assert request.starts_on is not None and request.ends_on is not None
    zone = settings.zone
    return documents.Paper(
        number=request.number,
        place=settings.document_place,
        province=f"UBND tỉnh {settings.document_place}",
        department=settings.document_department,
        team_name=team.name,
        people=tuple(documents.Seconded(p.full_name, p.unit_name, p.title) for p in request.people),
        reason=request.reason or "",
        work=request.work or "",
        starts_on=request.starts_on,
        ends_on=request.ends_on,
        submitted_on=request.submitted_at.astimezone(zone).date(),
        proposer_name=proposer.full_name if proposer else str(request.proposer_telegram_id),
        proposer_is_leader=proposer is not None and proposer.role == Role.LEADER,
        director_name=await name_of(session, request.team_id, request.decided_by) if request.decided_by else None,
        decided_on=request.decided_at.astimezone(zone).date() if request.decided_at else None,
    )


async def to_directors(session: AsyncSession, request: SecondmentRequest, *, now: datetime, settings: Settings) -> int:
    """The decision card and the Tờ trình to each Director; returns how many were addressed."""
    proposer_name = await name_of(session, request.team_id, request.proposer_telegram_id)
    paper = documents.proposal(await paper_of(session, request, settings))
    directors = await directors_of(session, request.team_id)
    for director in directors:
        assert director.telegram_id is not None
        with use_locale(await locale_of(session, director.telegram_id, settings.default_locale)):
            await enqueue(session, director.telegram_id, render.director_card(request, proposer_name), now=now,
                          team_id=request.team_id, ref=card_ref(request))
            await enqueue_file(
                session, director.telegram_id,
                Attachment(f"To-trinh-trung-dung-so-{request.number}.docx", paper, render.paper_caption(request)),
                now=now, team_id=request.team_id, ref=card_ref(request),
            )
    return len(directors)


async def remind_directors(session: AsyncSession, request: SecondmentRequest, *, now: datetime,
                           settings: Settings) -> None:
    proposer_name = await name_of(session, request.team_id, request.proposer_telegram_id)
    for director in await directors_of(session, request.team_id):
        assert director.telegram_id is not None
        with use_locale(await locale_of(session, director.telegram_id, settings.default_locale)):
            await enqueue(session, director.telegram_id, render.reminder(request, proposer_name, settings.zone),
                          now=now, team_id=request.team_id, ref=card_ref(request),
                          dedupe_key=f"{card_ref(request)}:remind:{director.telegram_id}")


async def after_decision(session: AsyncSession, request: SecondmentRequest, outcome: Outcome, *, now: datetime,
                         settings: Settings) -> None:
    await _close_cards(session, request, outcome, now=now, settings=settings)
    if outcome == Outcome.APPROVED:
        await _approved(session, request, now=now, settings=settings)
        return
    director_name = await name_of(session, request.team_id, request.decided_by)
    note = request.decision_note or ""
    with use_locale(await locale_of(session, request.proposer_telegram_id, settings.default_locale)):
        message = (render.rejected_to_proposer(request, director_name, note) if outcome == Outcome.REJECTED
                   else render.needs_info_to_proposer(request, director_name, note))
        await enqueue(session, request.proposer_telegram_id, message, now=now, team_id=request.team_id,
                      ref=f"sg:{request.id}")


async def _close_cards(session: AsyncSession, request: SecondmentRequest, outcome: Outcome, *, now: datetime,
                       settings: Settings) -> None:
    """Every card that offered the buttons now shows the decision instead."""
    assert request.decided_by is not None and request.decided_at is not None
    cards = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.ref == card_ref(request), OutboxMessage.kind == Kind.SEND,
                                    OutboxMessage.reply_markup.is_not(None)))
    proposer_name = await name_of(session, request.team_id, request.proposer_telegram_id)
    director_name = await name_of(session, request.team_id, request.decided_by)
    for card in list(cards):
        with use_locale(await locale_of(session, card.chat_id, settings.default_locale)):
            closed = render.decided_card(request, proposer_name, outcome, director_name, request.decided_at,
                                         request.decision_note, settings.zone)
            await enqueue_edit(session, card.chat_id, closed, now=now, target_id=card.id, team_id=request.team_id)


async def _approved(session: AsyncSession, request: SecondmentRequest, *, now: datetime, settings: Settings) -> None:
    team = await session.get(Team, request.team_id)
    assert team is not None
    director_name = await name_of(session, request.team_id, request.decided_by)
    paper = documents.decision_draft(await paper_of(session, request, settings))
    with use_locale(await locale_of(session, request.proposer_telegram_id, settings.default_locale)):
        await enqueue(session, request.proposer_telegram_id, render.approved_to_proposer(request, director_name),
                      now=now, team_id=request.team_id, ref=f"sg:{request.id}")
        await enqueue_file(
            session, request.proposer_telegram_id,
            Attachment(f"Du-thao-Quyet-dinh-trung-dung-so-{request.number}.docx", paper,
                       render.decision_caption(request)),
            now=now, team_id=request.team_id, ref=f"sg:{request.id}",
        )
    staff: list[tuple[Unit | None, str]] = []
    for person in request.people:
        member = await session.get(Member, person.member_id) if person.member_id else None
        unit = await session.get(Unit, person.unit_id) if person.unit_id else None
        staff.append((unit, person.full_name))
        if member is not None and member.telegram_id and member.active:
            with use_locale(await locale_of(session, member.telegram_id, settings.default_locale)):
                await enqueue(session, member.telegram_id, render.to_secondee(request, team.name), now=now,
                              team_id=request.team_id, ref=f"sg:{request.id}")
    for manager, names in managers_of(staff).items():
        with use_locale(await locale_of(session, manager, settings.default_locale)):
            await enqueue(session, manager, render.to_unit_manager(request, team.name, names), now=now,
                          team_id=request.team_id, ref=f"sg:{request.id}")
