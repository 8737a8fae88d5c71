"""Report rules: opening periods, who owes what, the form, submitting and correcting.

Rules
- A scheduled period is keyed by (team, type, deadline): opening it twice,
  from two processes or after a restart, opens it once.
- Each area listed by a report type is answered by one person: the area's
  first linked member in roster order (deputies and the leader only when the
  area has no member). A person owning several of those areas answers all of
  their fields in one go.
- A submission can be corrected until the deadline. After the deadline a
  first submission is accepted and marked late; corrections are refused.
- Nothing here knows Telegram: the form's progress lives in ReportDraft rows.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import record
from bot.durations import format_duration
from bot.reminders.service import schedule
from bot.reports.answers import AnswerProblem, Skipped, Value, read_answer
from bot.reports.models import Obligation, ReportDraft, ReportPeriod, Submission
from bot.reports.types import FieldSpec, ReportType
from bot.roster.models import Member, Role
from bot.roster.service import team_members

REMINDER_KIND = "report.period"
OWED_FOR = timedelta(days=30)  # an unsent report stays in the person's list this long after its deadline


# ------------------------------------------------------------------ periods


def period_fields(period: ReportPeriod) -> list[FieldSpec]:
    return [FieldSpec.model_validate(data) for data in period.fields]


def fields_of(period: ReportPeriod, obligation: Obligation) -> list[FieldSpec]:
    """The fields this person answers, in the report's order."""
    return fields_coded(period, obligation.field_codes)


def fields_coded(period: ReportPeriod, codes: Sequence[str]) -> list[FieldSpec]:
    wanted = set(codes)
    return [field for field in period_fields(period) if field.code in wanted]


async def area_owner(session: AsyncSession, team_id: int, area_code: str) -> Member | None:
    """Who answers an area's fields of a scheduled report (see the module's rule)."""
    staff = [
        member for member in await team_members(session, team_id, roles={Role.MEMBER, Role.DEPUTY, Role.LEADER})
        if member.telegram_id is not None and any(area.code == area_code for area in member.areas)
    ]
    members = [member for member in staff if member.role == Role.MEMBER]
    return (members or staff or [None])[0]


@dataclass
class Owers:
    """Who owes which fields: member id -> (member, field codes in report order)."""

    by_member: dict[int, tuple[Member, list[str]]]
    unowned_areas: list[str]

    def add(self, member: Member, codes: list[str]) -> None:
        current = self.by_member.get(member.id, (member, []))[1]
        merged = current + [code for code in codes if code not in current]
        self.by_member[member.id] = (member, merged)


def area_codes_of(fields: Sequence[FieldSpec], area: str) -> list[str]:
    return [field.code for field in fields if field.area == area]


async def scheduled_owers(session: AsyncSession, team_id: int, report: ReportType) -> Owers:
    owers = Owers({}, [])
    for area in report.submitting_areas:
        owner = await area_owner(session, team_id, area)
        if owner is None:
            owers.unowned_areas.append(area)
        else:
            owers.add(owner, area_codes_of(report.fields, area))
    for wanted in report.submitters.members:
        member = await _member_by_reference(session, team_id, wanted)
        if member is not None:
            owers.add(member, codes_for_member(report.fields, member))
    _add_shared_fields(owers, report.fields)
    return owers


def codes_for_member(fields: Sequence[FieldSpec], member: Member) -> list[str]:
    """The fields a named person answers: those of their areas, else every field."""
    areas = {area.code for area in member.areas}
    owned = [field.code for field in fields if field.area in areas]
    return owned or [field.code for field in fields]


def _add_shared_fields(owers: Owers, fields: Sequence[FieldSpec]) -> None:
    """Fields without an area are asked of everyone who owes the report."""
    shared = [field.code for field in fields if field.area is None]
    for member, _codes in list(owers.by_member.values()):
        owers.add(member, shared)


async def _member_by_reference(session: AsyncSession, team_id: int, reference: str | int) -> Member | None:
    query = select(Member).where(Member.team_id == team_id, Member.active.is_(True))
    if isinstance(reference, int):
        query = query.where(Member.telegram_id == reference)
    else:
        query = query.where(Member.key == f"code:{reference}")
    return await session.scalar(query)


async def open_period(
    session: AsyncSession,
    *,
    team_id: int,
    type_code: str,
    title: str,
    title_en: str | None,
    fields: Sequence[FieldSpec],
    owers: Owers,
    due_at: datetime,
    now: datetime,
    reminders: Sequence[timedelta],
    escalate_after: timedelta | None,
    escalate_to: Sequence[str],
    schedule_code: str | None = None,
    requested_by: int | None = None,
    announce_by_reminder: bool = True,
) -> ReportPeriod | None:
    """Open a period with its owers and reminders; None when it was opened already (or nobody owes it)."""
    if not owers.by_member:
        return None
    period = ReportPeriod(
        team_id=team_id, type_code=type_code, title=title[:255], title_en=title_en, schedule_code=schedule_code,
        fields=[field.model_dump(mode="json", exclude_defaults=True) for field in fields],
        escalate_to=list(escalate_to), requested_by=requested_by, opened_at=now, due_at=due_at,
    )
    try:
        async with session.begin_nested():
            session.add(period)
            await session.flush()
    except IntegrityError:  # another process opened it first
        return None
    for member, codes in owers.by_member.values():
        session.add(Obligation(team_id=team_id, period_id=period.id, member_id=member.id, field_codes=codes))
    await _schedule_reminders(session, period, now, reminders, escalate_after, announce_by_reminder)
    record(session, at=now, action="report.open", subject=f"report_period:{period.id}", actor=requested_by,
           team_id=team_id, after={"type": type_code, "due_at": due_at.isoformat(),
                                   "owers": sorted(m.key for m, _ in owers.by_member.values()),
                                   "unowned_areas": owers.unowned_areas})
    await session.flush()
    return period


async def _schedule_reminders(
    session: AsyncSession, period: ReportPeriod, now: datetime, reminders: Sequence[timedelta],
    escalate_after: timedelta | None, announce: bool,
) -> None:
    steps: list[tuple[str, datetime]] = [("open", now)] if announce else []
    steps += [(f"before:{format_duration(offset)}", period.due_at - offset) for offset in reminders
              if period.due_at - offset > now]
    steps.append(("due", period.due_at))
    if escalate_after is not None:
        steps.append(("escalate", period.due_at + escalate_after))
    for step, due_at in steps:
        await schedule(session, team_id=period.team_id, kind=REMINDER_KIND, subject_id=period.id, step=step,
                       due_at=due_at)


async def open_scheduled(
    session: AsyncSession, team_id: int, report: ReportType, due_at: datetime, now: datetime
) -> ReportPeriod | None:
    """The period of a scheduled report due at `due_at`, opened once."""
    existing = await session.scalar(select(ReportPeriod.id).where(
        ReportPeriod.team_id == team_id, ReportPeriod.schedule_code == report.code, ReportPeriod.due_at == due_at))
    if existing is not None:
        return None
    owers = await scheduled_owers(session, team_id, report)
    escalation = report.escalation
    return await open_period(
        session, team_id=team_id, type_code=report.code, title=report.name, title_en=report.name_en,
        fields=report.fields, owers=owers, due_at=due_at, now=now, reminders=report.reminders,
        escalate_after=escalation.after if escalation else None, escalate_to=escalation.to if escalation else [],
        schedule_code=report.code,
    )


async def get_period(session: AsyncSession, team_id: int | None, period_id: int) -> ReportPeriod | None:
    """A period of this team only: ids in button data are user input."""
    period = await session.get(ReportPeriod, period_id)
    return period if period is not None and period.team_id == team_id else None


# ------------------------------------------------------------------ who owes what


@dataclass
class Owed:
    """One report one person owes (or may still correct)."""

    period: ReportPeriod
    obligation: Obligation
    submission: Submission | None
    draft: ReportDraft | None

    @property
    def fields(self) -> list[FieldSpec]:
        return fields_of(self.period, self.obligation)

    def correctable(self, now: datetime) -> bool:
        return self.submission is not None and now < self.period.due_at


async def owed_by(session: AsyncSession, member: Member, now: datetime) -> list[Owed]:
    """What this person still has to send, or may still correct, soonest deadline first."""
    rows = await session.execute(
        select(ReportPeriod, Obligation)
        .join(Obligation, Obligation.period_id == ReportPeriod.id)
        .where(Obligation.member_id == member.id, ReportPeriod.team_id == member.team_id,
               ReportPeriod.due_at > now - OWED_FOR, ReportPeriod.opened_at <= now)
        .order_by(ReportPeriod.due_at, ReportPeriod.id)
    )
    owed: list[Owed] = []
    for period, obligation in rows:
        submission = await _submission(session, period.id, member.id)
        if submission is not None and now >= period.due_at:
            continue
        owed.append(Owed(period, obligation, submission, await _draft(session, period.id, member.id)))
    return owed


async def owed_one(session: AsyncSession, member: Member, period_id: int) -> Owed | None:
    """This person's part of one period, or None when they owe nothing there (or it is another team's)."""
    period = await get_period(session, member.team_id, period_id)
    if period is None:
        return None
    obligation = await session.scalar(
        select(Obligation).where(Obligation.period_id == period.id, Obligation.member_id == member.id))
    if obligation is None:
        return None
    return Owed(period, obligation, await _submission(session, period.id, member.id),
                await _draft(session, period.id, member.id))


async def _submission(session: AsyncSession, period_id: int, member_id: int) -> Submission | None:
    return await session.scalar(
        select(Submission).where(Submission.period_id == period_id, Submission.member_id == member_id))


async def _draft(session: AsyncSession, period_id: int, member_id: int) -> ReportDraft | None:
    return await session.scalar(
        select(ReportDraft).where(ReportDraft.period_id == period_id, ReportDraft.member_id == member_id))


# ------------------------------------------------------------------ the step-by-step form

ACTIVE_DRAFT = timedelta(hours=12)  # a typed message counts as an answer this long after the last step


async def start_form(session: AsyncSession, owed: Owed, now: datetime) -> ReportDraft:
    """The person's draft for this period: resumed if there is one; a correction starts from what was sent."""
    if owed.draft is not None:
        owed.draft.updated_at = now
        return owed.draft
    fields = owed.fields
    if owed.submission is not None:
        draft = ReportDraft(values=dict(owed.submission.values), asking=None, back_to_summary=False)
    else:
        draft = ReportDraft(values={}, asking=fields[0].code, back_to_summary=False)
    draft.team_id, draft.period_id, draft.member_id, draft.updated_at = (
        owed.period.team_id, owed.period.id, owed.obligation.member_id, now)
    session.add(draft)
    await session.flush()
    owed.draft = draft
    return draft


async def active_draft(session: AsyncSession, member: Member, now: datetime) -> ReportDraft | None:
    """The form this person is filling in now (waiting for a typed answer), if any."""
    return await session.scalar(
        select(ReportDraft)
        .where(ReportDraft.member_id == member.id, ReportDraft.team_id == member.team_id,
               ReportDraft.asking.is_not(None), ReportDraft.updated_at > now - ACTIVE_DRAFT)
        .order_by(ReportDraft.updated_at.desc(), ReportDraft.id.desc())
        .limit(1)
    )


def asked_field(draft: ReportDraft, fields: Sequence[FieldSpec]) -> FieldSpec | None:
    return next((field for field in fields if field.code == draft.asking), None)


def answer(draft: ReportDraft, fields: Sequence[FieldSpec], text: str, now: datetime) -> AnswerProblem | None:
    """Record a typed answer to the field being asked and move on; a problem changes nothing."""
    field = asked_field(draft, fields)
    if field is None:
        return None
    value = read_answer(field, text)
    if isinstance(value, AnswerProblem):
        return value
    _store(draft, fields, field, value, now)
    return None


def choose(draft: ReportDraft, fields: Sequence[FieldSpec], field_code: str, choice_code: str | None,
           now: datetime) -> bool:
    """A button answer (a choice, or skipping an optional field); False when stale or not allowed."""
    field = asked_field(draft, fields)
    if field is None or field.code != field_code:
        return False
    if choice_code is None:
        if field.required:
            return False
        _store(draft, fields, field, Skipped(), now)
        return True
    if choice_code not in {choice.code for choice in field.choices}:
        return False
    _store(draft, fields, field, choice_code, now)
    return True


def _store(draft: ReportDraft, fields: Sequence[FieldSpec], field: FieldSpec, value: Value | Skipped,
           now: datetime) -> None:
    values = {code: v for code, v in draft.values.items() if code != field.code}
    if not isinstance(value, Skipped):
        values[field.code] = value
    draft.values = values
    draft.updated_at = now
    if draft.back_to_summary:
        draft.asking, draft.back_to_summary = None, False
        return
    codes = [f.code for f in fields]
    following = codes[codes.index(field.code) + 1:]
    draft.asking = following[0] if following else None


def ask_again(draft: ReportDraft, fields: Sequence[FieldSpec], field_code: str, now: datetime) -> bool:
    """From the summary, go back to one field ("Sửa")."""
    if field_code not in {field.code for field in fields}:
        return False
    draft.asking, draft.back_to_summary, draft.updated_at = field_code, True, now
    return True


async def discard(session: AsyncSession, draft: ReportDraft) -> None:
    await session.delete(draft)


# ------------------------------------------------------------------ submitting


class Refusal(StrEnum):
    NOT_OWED = "not_owed"
    CLOSED = "closed"  # already sent, and the deadline has passed: no more corrections
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class Submitted:
    submission: Submission
    corrected: bool


def missing_required(fields: Sequence[FieldSpec], values: dict[str, Any]) -> list[FieldSpec]:
    return [field for field in fields if field.required and field.code not in values]


async def submit(
    session: AsyncSession, owed: Owed, values: dict[str, Any], *, now: datetime, actor: int | None
) -> Submitted | Refusal:
    """Send (or correct) this person's report; the draft, if any, is done with."""
    fields = owed.fields
    values = {field.code: values[field.code] for field in fields if field.code in values}
    if missing_required(fields, values):
        return Refusal.INCOMPLETE
    submission = owed.submission
    if submission is not None and now >= owed.period.due_at:
        return Refusal.CLOSED
    subject = f"report_period:{owed.period.id}"
    if submission is None:
        submission = Submission(team_id=owed.period.team_id, period_id=owed.period.id,
                                member_id=owed.obligation.member_id, values=values, submitted_at=now,
                                late=now > owed.period.due_at, corrections=0)
        session.add(submission)
        record(session, at=now, action="report.submit", subject=subject, actor=actor, team_id=owed.period.team_id,
               after={"values": values, "late": submission.late})
        corrected = False
    else:
        before = dict(submission.values)
        submission.values, submission.corrections, submission.corrected_at = values, submission.corrections + 1, now
        record(session, at=now, action="report.correct", subject=subject, actor=actor, team_id=owed.period.team_id,
               before={"values": before}, after={"values": values})
        corrected = True
    if owed.draft is not None:
        await session.delete(owed.draft)
        owed.draft = None
    owed.submission = submission
    await session.flush()
    return Submitted(submission, corrected)


# ------------------------------------------------------------------ the one-message form


@dataclass(frozen=True)
class OneMessage:
    """`/baocao qr_diem=120 qr_luot=4500` read against what the person owes."""

    owed: Owed | None
    values: dict[str, Any]
    problems: list[tuple[FieldSpec, AnswerProblem]]
    unknown: list[str]


def split_assignments(text: str) -> list[tuple[str, str]]:
    """ "a=1 b=x y" -> [("a", "1"), ("b", "x y")]: a value runs until the next `code=`."""
    marks = list(re.finditer(r"(?:^|\s)([A-Za-z][A-Za-z0-9_]*)\s*=", text))
    pairs = []
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        pairs.append((mark.group(1).lower(), text[mark.end():end].strip().strip(",;")))
    return pairs


def looks_like_one_message(text: str) -> bool:
    return bool(split_assignments(text))


def read_one_message(owed_list: Sequence[Owed], text: str, now: datetime) -> OneMessage:
    pairs = split_assignments(text)
    codes = {code for code, _ in pairs}
    candidates = [o for o in owed_list if o.submission is None or o.correctable(now)]
    # The period whose fields the codes name; the soonest deadline among equals.
    chosen = max(candidates, key=lambda o: len(codes & {f.code for f in o.fields}), default=None)
    if chosen is None or not codes & {f.code for f in chosen.fields}:
        return OneMessage(None, {}, [], sorted(codes))
    by_code = {field.code: field for field in chosen.fields}
    values: dict[str, Any] = dict(chosen.submission.values) if chosen.submission else {}
    problems: list[tuple[FieldSpec, AnswerProblem]] = []
    unknown: list[str] = []
    for code, raw in pairs:
        field = by_code.get(code)
        if field is None:
            unknown.append(code)
            continue
        value = read_answer(field, raw)
        if isinstance(value, AnswerProblem):
            problems.append((field, value))
        elif isinstance(value, Skipped):
            values.pop(code, None)
        else:
            values[code] = value
    return OneMessage(chosen, values, problems, unknown)


async def continue_in_form(session: AsyncSession, owed: Owed, values: dict[str, Any], now: datetime) -> ReportDraft:
    """Keep what a one-message form gave and ask the required fields still missing."""
    draft = await start_form(session, owed, now)
    draft.values = dict(values)
    lacking = missing_required(owed.fields, values)
    draft.asking = lacking[0].code if lacking else None
    draft.back_to_summary = False
    draft.updated_at = now
    return draft


# ------------------------------------------------------------------ following a period


@dataclass
class PeriodStatus:
    period: ReportPeriod
    on_time: list[Submission]
    late: list[Submission]
    missing: list[Member]

    @property
    def total(self) -> int:
        return len(self.on_time) + len(self.late) + len(self.missing)


async def period_status(session: AsyncSession, period: ReportPeriod) -> PeriodStatus:
    obligations = list(await session.scalars(
        select(Obligation).where(Obligation.period_id == period.id).order_by(Obligation.id)))
    submissions = {s.member_id: s for s in await session.scalars(
        select(Submission).where(Submission.period_id == period.id))}
    ordered = sorted(obligations, key=lambda o: o.member.roster_order)
    sent = [submissions[o.member_id] for o in ordered if o.member_id in submissions]
    return PeriodStatus(
        period,
        on_time=[s for s in sent if not s.late],
        late=[s for s in sent if s.late],
        missing=[o.member for o in ordered if o.member_id not in submissions],
    )


async def recent_periods(session: AsyncSession, team_id: int, now: datetime, *, days: int = 14,
                         limit: int = 8) -> list[ReportPeriod]:
    """Periods opened already and due in the last `days` days or later, newest deadline first."""
    query = (select(ReportPeriod)
             .where(ReportPeriod.team_id == team_id, ReportPeriod.opened_at <= now,
                    ReportPeriod.due_at > now - timedelta(days=days))
             .order_by(ReportPeriod.due_at.desc(), ReportPeriod.id.desc()).limit(limit))
    return list(await session.scalars(query))
