"""The rules of a secondment request, from draft to decision. No Telegram here.

- The draft lives in the database: each answer is saved as it comes, and
  /trungdung resumes an unfinished draft after any interruption or restart.
- Submitting freezes a version, sends the Director a card and the Tờ trình,
  and owes the Director one reminder after DIEUPHOI_DECISION_REMIND_AFTER.
- The Director decides a version exactly once: a conditional UPDATE on
  (id, status submitted, version) claims the decision, so two taps, two
  devices or two processes cannot both decide; the later one is told who
  decided and when. The unique (request, version) of decisions backs it up.
- Needs-more sends it back to the proposer, who edits and resubmits (the
  next version); the versions and decisions are kept.
Every step is audited in the same transaction.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import record
from bot.config import Settings
from bot.reminders import service as reminders
from bot.roster.models import Member, Unit
from bot.roster.service import team_members
from bot.secondment import notices
from bot.secondment.forms import PeopleProblem, PeriodProblem, read_people, read_period
from bot.secondment.models import (
    Outcome,
    SecondmentDecision,
    SecondmentPerson,
    SecondmentRequest,
    SecondmentVersion,
    Status,
    Step,
)
from bot.secondment.recipients import directors_of, is_director

REMINDER_KIND = "secondment.decision"
LISTENS_FOR = timedelta(hours=12)  # a draft's question takes plain text this long
REASON_LISTENS_FOR = timedelta(hours=2)  # the Director's "why?" likewise
ORDER = (Step.PEOPLE, Step.REASON, Step.WORK, Step.PERIOD)
EDITABLE = (Status.DRAFT, Status.NEEDS_INFO)
MAX_TEXT = 2000


@dataclass
class Refusal:
    kind: str  # "not_found" | "not_yours" | "not_director" | "not_editable" | "incomplete" | "no_director"


@dataclass
class AlreadyDecided:
    outcome: Outcome
    decided_by: int
    decided_at: datetime


@dataclass
class Decided:
    request: SecondmentRequest
    outcome: Outcome


def subject(request: SecondmentRequest) -> str:
    return f"secondment:{request.id}"


def _audit(session: AsyncSession, request: SecondmentRequest, action: str, *, actor: int | None, now: datetime,
            before: dict | None = None, after: dict | None = None) -> None:
    record(session, at=now, action=action, subject=subject(request), actor=actor, team_id=request.team_id,
           before=before, after=after)


def snapshot(request: SecondmentRequest) -> dict:
    return {
        "status": str(request.status),
        "version": request.version,
        "people": [
            {"full_name": p.full_name, "unit": p.unit_name, "title": p.title, "member_id": p.member_id}
            for p in request.people
        ],
        "reason": request.reason,
        "work": request.work,
        "starts_on": request.starts_on.isoformat() if request.starts_on else None,
        "ends_on": request.ends_on.isoformat() if request.ends_on else None,
    }


# ------------------------------------------------------------------ the draft


async def start(session: AsyncSession, *, team_id: int, proposer: int, now: datetime) -> tuple[SecondmentRequest, bool]:
    """The proposer's unfinished draft (resumed: True), or a new one asking for people."""
    draft = await session.scalar(
        select(SecondmentRequest)
        .where(SecondmentRequest.team_id == team_id, SecondmentRequest.proposer_telegram_id == proposer,
               SecondmentRequest.status == Status.DRAFT)
        .order_by(SecondmentRequest.updated_at.desc())
        .limit(1)
    )
    if draft is not None:
        draft.step = draft.step or _next_step(draft)
        draft.asked_at = now
        return draft, True
    draft = SecondmentRequest(team_id=team_id, proposer_telegram_id=proposer, status=Status.DRAFT, version=0,
                              step=Step.PEOPLE, asked_at=now, created_at=now, updated_at=now, people=[])
    session.add(draft)
    await session.flush()
    _audit(session, draft, "secondment.draft", actor=proposer, now=now)
    return draft, False


async def listening(session: AsyncSession, telegram_id: int, now: datetime) -> SecondmentRequest | None:
    """The request whose open question this person's next plain message answers."""
    return await session.scalar(
        select(SecondmentRequest)
        .where(SecondmentRequest.proposer_telegram_id == telegram_id,
               SecondmentRequest.status.in_([str(s) for s in EDITABLE]),
               SecondmentRequest.step.in_([str(s) for s in ORDER]),
               SecondmentRequest.asked_at >= now - LISTENS_FOR)
        .order_by(SecondmentRequest.asked_at.desc())
        .limit(1)
    )


async def silence(session: AsyncSession, telegram_id: int) -> None:
    """Stop listening for this person's answers (they started something else)."""
    await session.execute(
        update(SecondmentRequest)
        .where(SecondmentRequest.proposer_telegram_id == telegram_id, SecondmentRequest.asked_at.is_not(None),
               SecondmentRequest.status.in_([str(s) for s in EDITABLE]))
        .values(asked_at=None)
    )


async def answer(
    session: AsyncSession, request: SecondmentRequest, text: str, *, now: datetime, zone: ZoneInfo
) -> PeopleProblem | PeriodProblem | None:
    """Save the answer to the current question and move on; a problem changes nothing."""
    text = text.strip()[:MAX_TEXT]
    step = request.step
    if step == Step.PEOPLE:
        members = await team_members(session, request.team_id)
        units = list(await session.scalars(select(Unit).where(Unit.team_id == request.team_id)))
        people = read_people(text, members, units)
        if isinstance(people, PeopleProblem):
            return people
        request.people = [
            SecondmentPerson(team_id=request.team_id, position=index, member_id=p.member_id, unit_id=p.unit_id,
                             full_name=p.full_name[:255], unit_name=(p.unit_name or "")[:255] or None,
                             title=(p.title or "")[:255] or None)
            for index, p in enumerate(people)
        ]
    elif step == Step.REASON:
        request.reason = text
    elif step == Step.WORK:
        request.work = text
    elif step == Step.PERIOD:
        period = read_period(text, now, zone)
        if isinstance(period, PeriodProblem):
            return period
        request.starts_on, request.ends_on = period.starts_on, period.ends_on
    request.step = _next_step(request)
    request.asked_at = now
    request.updated_at = now
    await session.flush()
    _audit(session, request, "secondment.edit", actor=request.proposer_telegram_id, now=now,
           after={"field": str(step)})
    return None


def _next_step(request: SecondmentRequest) -> Step:
    missing = {
        Step.PEOPLE: not request.people,
        Step.REASON: not request.reason,
        Step.WORK: not request.work,
        Step.PERIOD: request.starts_on is None or request.ends_on is None,
    }
    return next((step for step in ORDER if missing[step]), Step.CONFIRM)


async def editable(session: AsyncSession, request_id: int, *, by: int, team_id: int | None) -> SecondmentRequest | Refusal:
    """The proposer's own draft or returned request in the acting team (callback data is re-checked)."""
    request = await session.get(SecondmentRequest, request_id)
    if request is None or request.team_id != team_id:
        return Refusal("not_found")
    if request.proposer_telegram_id != by:
        return Refusal("not_yours")
    if request.status not in EDITABLE:
        return Refusal("not_editable")
    return request


async def ask(session: AsyncSession, request: SecondmentRequest, step: Step, *, now: datetime) -> None:
    """Ask (again) for one field, e.g. the proposer pressed ✏️ Lý do."""
    request.step, request.asked_at = step, now


async def discard(session: AsyncSession, request: SecondmentRequest, *, now: datetime) -> Refusal | None:
    if request.status != Status.DRAFT:
        return Refusal("not_editable")
    _audit(session, request, "secondment.discard", actor=request.proposer_telegram_id, now=now,
           before=snapshot(request))
    await session.delete(request)
    await session.flush()
    return None


# ------------------------------------------------------------------ submitting


async def submit(
    session: AsyncSession, request: SecondmentRequest, *, now: datetime, settings: Settings
) -> SecondmentRequest | Refusal:
    if request.status not in EDITABLE:
        return Refusal("not_editable")
    if _next_step(request) != Step.CONFIRM:
        return Refusal("incomplete")
    if not await directors_of(session, request.team_id):
        return Refusal("no_director")
    # Claim the submission: a double tap on "Gửi" submits once.
    claimed = await session.execute(
        update(SecondmentRequest)
        .where(SecondmentRequest.id == request.id, SecondmentRequest.status == request.status,
               SecondmentRequest.version == request.version)
        .values(status=Status.SUBMITTED, version=request.version + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return Refusal("not_editable")
    await session.refresh(request)
    if request.number is None:
        highest = await session.scalar(
            select(func.max(SecondmentRequest.number)).where(SecondmentRequest.team_id == request.team_id))
        request.number = (highest or 0) + 1
    request.step = request.asked_at = None
    request.submitted_at = request.updated_at = now
    request.decided_at = request.decided_by = request.decision_note = None
    session.add(SecondmentVersion(team_id=request.team_id, request_id=request.id, version=request.version,
                                  content=snapshot(request), submitted_by=request.proposer_telegram_id,
                                  submitted_at=now))
    await session.flush()
    _audit(session, request, "secondment.submit", actor=request.proposer_telegram_id, now=now,
           after=snapshot(request))
    await reminders.schedule(session, team_id=request.team_id, kind=REMINDER_KIND, subject_id=request.id,
                             step=f"v{request.version}", due_at=now + settings.decision_remind_after)
    await notices.to_directors(session, request, now=now, settings=settings)
    return request


# ------------------------------------------------------------------ deciding


async def _director_may(session: AsyncSession, request_id: int, by: int) -> SecondmentRequest | Refusal:
    request = await session.get(SecondmentRequest, request_id)
    if request is None:
        return Refusal("not_found")
    if not await is_director(session, request.team_id, by):
        return Refusal("not_director")
    return request


async def _decision_of(session: AsyncSession, request: SecondmentRequest, version: int) -> AlreadyDecided | None:
    decision = await session.scalar(
        select(SecondmentDecision).where(SecondmentDecision.request_id == request.id,
                                         SecondmentDecision.version == version))
    if decision is None:
        return None
    return AlreadyDecided(decision.outcome, decision.decided_by, decision.decided_at)


async def _not_open(session: AsyncSession, request: SecondmentRequest, version: int) -> AlreadyDecided | Refusal:
    """Why a version can no longer be decided: its decision, or a stale card of an older version."""
    decided = await _decision_of(session, request, version)
    if decided is not None:
        return decided
    latest = await session.scalar(
        select(SecondmentDecision).where(SecondmentDecision.request_id == request.id)
        .order_by(SecondmentDecision.version.desc()).limit(1))
    if latest is not None:
        return AlreadyDecided(latest.outcome, latest.decided_by, latest.decided_at)
    return Refusal("not_found")


async def ask_reason(
    session: AsyncSession, request_id: int, version: int, outcome: Outcome, *, by: int, now: datetime
) -> SecondmentRequest | AlreadyDecided | Refusal:
    """The Director pressed Từ chối or Cần bổ sung: remember that their next message is the reason."""
    request = await _director_may(session, request_id, by)
    if isinstance(request, Refusal):
        return request
    if request.status != Status.SUBMITTED or request.version != version:
        return await _not_open(session, request, version)
    request.awaiting_outcome, request.awaiting_by, request.awaiting_at = outcome, by, now
    _audit(session, request, "secondment.ask_reason", actor=by, now=now, after={"outcome": str(outcome)})
    return request


async def cancel_reason(
    session: AsyncSession, request_id: int, version: int, *, by: int, now: datetime
) -> SecondmentRequest | AlreadyDecided | Refusal:
    """The Director pressed Hủy under the "why?" question: the version waits for a decision again.

    The button stays on the question after it is answered; pressed then, the Director
    learns who decided and when instead of being told the request still waits.
    """
    request = await _director_may(session, request_id, by)
    if isinstance(request, Refusal):
        return request
    if request.status != Status.SUBMITTED or request.version != version:
        return await _not_open(session, request, version)
    if request.awaiting_by == by:
        request.awaiting_outcome = request.awaiting_by = request.awaiting_at = None
    return request


async def awaiting_reason(session: AsyncSession, telegram_id: int, now: datetime) -> SecondmentRequest | None:
    """The request whose reason this Director is being asked for, if any."""
    return await session.scalar(
        select(SecondmentRequest)
        .where(SecondmentRequest.awaiting_by == telegram_id, SecondmentRequest.status == Status.SUBMITTED,
               SecondmentRequest.awaiting_at >= now - REASON_LISTENS_FOR)
        .order_by(SecondmentRequest.awaiting_at.desc())
        .limit(1)
    )


async def decide(
    session: AsyncSession,
    request_id: int,
    version: int,
    outcome: Outcome,
    *,
    by: int,
    now: datetime,
    settings: Settings,
    note: str | None = None,
) -> Decided | AlreadyDecided | Refusal:
    """Decide one submitted version. The first decision wins; the rest learn who decided and when."""
    request = await _director_may(session, request_id, by)
    if isinstance(request, Refusal):
        return request
    if outcome != Outcome.APPROVED and not (note or "").strip():
        raise ValueError("a rejection or a request for more needs a reason")
    note = (note or "").strip()[:MAX_TEXT] or None
    claimed = await session.execute(
        update(SecondmentRequest)
        .where(SecondmentRequest.id == request.id, SecondmentRequest.status == Status.SUBMITTED,
               SecondmentRequest.version == version)
        .values(status=Status(outcome), decided_by=by, decided_at=now, decision_note=note, updated_at=now,
                awaiting_outcome=None, awaiting_by=None, awaiting_at=None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        await session.refresh(request)
        return await _not_open(session, request, version)
    await session.refresh(request)
    session.add(SecondmentDecision(team_id=request.team_id, request_id=request.id, version=version,
                                   outcome=outcome, note=note, decided_by=by, decided_at=now))
    if outcome == Outcome.NEEDS_INFO:
        request.step, request.asked_at = Step.CONFIRM, now
    await session.flush()
    _audit(session, request, f"secondment.{outcome}", actor=by, now=now, after={"version": version, "note": note})
    await reminders.cancel(session, kind=REMINDER_KIND, subject_id=request.id)
    await notices.after_decision(session, request, outcome, now=now, settings=settings)
    return Decided(request, outcome)


# ------------------------------------------------------------------ reading


async def history(session: AsyncSession, request_id: int) -> tuple[list[SecondmentVersion], list[SecondmentDecision]]:
    versions = await session.scalars(
        select(SecondmentVersion).where(SecondmentVersion.request_id == request_id).order_by(SecondmentVersion.version))
    decisions = await session.scalars(
        select(SecondmentDecision).where(SecondmentDecision.request_id == request_id)
        .order_by(SecondmentDecision.version))
    return list(versions), list(decisions)


async def active_secondees(session: AsyncSession, team_id: int, now: datetime, *, zone: ZoneInfo) -> list[Member]:
    """Roster members seconded to the team by an approved request whose period covers today.

    The tasks feature may assign them work for that period.
    """
    today: date = now.astimezone(zone).date()
    member_ids = select(SecondmentPerson.member_id).join(
        SecondmentRequest, SecondmentPerson.request_id == SecondmentRequest.id
    ).where(
        SecondmentRequest.team_id == team_id, SecondmentRequest.status == Status.APPROVED,
        SecondmentRequest.starts_on <= today, SecondmentRequest.ends_on >= today,
        SecondmentPerson.member_id.is_not(None),
    )
    return list(await session.scalars(
        select(Member).where(Member.id.in_(member_ids), Member.active.is_(True)).order_by(Member.roster_order)))

