"""Gathering the Director's digest from the database: every figure traceable to a stored row.

Sections
- tasks: bot.tasks.digest.task_digest (new, done, overdue with who and how
  late, blocked with the member's words);
- reports: each period due in the window, or still open, with who sent on
  time, late, or not at all;
- figures: for each report type, the latest period due by the end of the
  window that has submissions, against the one before it (sum of the
  submitted values; a percent is their mean);
- notes: the text answers (incidents, proposals) submitted in the window;
- secondment decisions waiting and coming convocations (bot.secondment.digest,
  bot.convening.digest);
- the citizen help desk: questions, tickets, unanswered rate, most asked
  (bot.helpdesk.digest).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.convening.digest import ComingConvocation, coming_for_digest
from bot.helpdesk.digest import HelpdeskDigest, helpdesk_digest
from bot.helpdesk.knowledge import SHIPPED_FILE, Knowledge, load_knowledge
from bot.reports.models import ReportPeriod, Submission
from bot.reports.service import PeriodStatus, period_fields, period_status
from bot.reports.types import FieldSpec
from bot.roster.models import Member, Team
from bot.secondment.digest import PendingDecision, pending_for_digest
from bot.tasks.digest import TaskDigest, task_digest

CHART_PERIODS = 8


@dataclass(frozen=True)
class Figure:
    field: FieldSpec
    value: float | None
    previous: float | None
    reporters: tuple[str, ...]  # who submitted it, for tracing

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_ratio(self) -> float | None:
        if self.change is None or not self.previous:
            return None
        return self.change / self.previous


@dataclass(frozen=True)
class FigureTable:
    period: ReportPeriod
    previous: ReportPeriod | None
    figures: list[Figure]


@dataclass(frozen=True)
class Series:
    """One main figure over recent periods, for the chart."""

    field: FieldSpec
    points: list[tuple[datetime, float]]


@dataclass(frozen=True)
class Note:
    period: ReportPeriod
    field: FieldSpec
    member: Member
    text: str
    at: datetime


@dataclass(frozen=True)
class SubmittedValue:
    """One stored answer, as the spreadsheet lists it."""

    period: ReportPeriod
    field: FieldSpec
    submission: Submission


@dataclass
class Digest:
    team: Team
    kind: str  # daily, weekly, on_demand, export
    since: datetime
    until: datetime
    reports: list[PeriodStatus] = field(default_factory=list)
    figures: list[FigureTable] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    values: list[SubmittedValue] = field(default_factory=list)
    tasks: TaskDigest | None = None
    secondments: list[PendingDecision] = field(default_factory=list)
    convocations: list[ComingConvocation] = field(default_factory=list)
    helpdesk: HelpdeskDigest | None = None


@lru_cache(maxsize=4)
def knowledge_file(path: str | Path = SHIPPED_FILE) -> Knowledge:
    """The help desk's knowledge file (DIEUPHOI_FAQ, else the shipped one), read once per process: it names
    the most asked questions, and reading its YAML took most of the time of gathering a weekly digest."""
    return load_knowledge(path)


async def build_digest(session: AsyncSession, team_id: int, *, since: datetime, until: datetime, kind: str,
                       include_open: bool = True, knowledge: Knowledge | None = None) -> Digest:
    """`knowledge` names the help desk's most asked entries (default: the shipped file)."""
    team = await session.get(Team, team_id)
    assert team is not None
    digest = Digest(team=team, kind=kind, since=since, until=until)
    periods = await _periods(session, team_id, since, until, include_open)
    digest.reports = [await period_status(session, period) for period in periods]
    digest.values = await _values(session, periods)
    digest.notes = await _notes(session, team_id, since, until)
    digest.figures, digest.series = await _figures(session, team_id, until)
    digest.tasks = await task_digest(session, team_id, since=since, now=until)
    digest.secondments = await pending_for_digest(session, team_id, now=until)
    digest.convocations = await coming_for_digest(session, team_id, now=until)
    digest.helpdesk = await helpdesk_digest(session, team_id, since=since, now=until,
                                            knowledge=knowledge or knowledge_file())
    return digest


async def _periods(session: AsyncSession, team_id: int, since: datetime, until: datetime,
                   include_open: bool) -> list[ReportPeriod]:
    """Periods due in (since, until], and, for a digest of now, those open and due later."""
    due_in_window = (ReportPeriod.due_at > since) & (ReportPeriod.due_at <= until)
    still_open = (ReportPeriod.due_at > until) & (ReportPeriod.opened_at <= until)
    condition = (due_in_window | still_open) if include_open else due_in_window
    query = select(ReportPeriod).where(ReportPeriod.team_id == team_id, condition)
    return list(await session.scalars(query.order_by(ReportPeriod.due_at, ReportPeriod.id)))


async def _submissions(session: AsyncSession, period_ids: Sequence[int]) -> list[Submission]:
    if not period_ids:
        return []
    query = select(Submission).where(Submission.period_id.in_(period_ids)).order_by(Submission.id)
    return list(await session.scalars(query))


async def _values(session: AsyncSession, periods: Sequence[ReportPeriod]) -> list[SubmittedValue]:
    by_id = {period.id: period for period in periods}
    out = []
    for submission in await _submissions(session, list(by_id)):
        period = by_id[submission.period_id]
        out += [SubmittedValue(period, spec, submission) for spec in period_fields(period)
                if spec.code in submission.values]
    return out


async def _notes(session: AsyncSession, team_id: int, since: datetime, until: datetime) -> list[Note]:
    rows = await session.execute(
        select(Submission, ReportPeriod).join(ReportPeriod, ReportPeriod.id == Submission.period_id)
        .where(Submission.team_id == team_id, Submission.submitted_at > since, Submission.submitted_at <= until)
        .order_by(ReportPeriod.due_at, Submission.id)
    )
    notes = []
    for submission, period in rows:
        for spec in period_fields(period):
            text = submission.values.get(spec.code)
            if spec.kind == "text" and isinstance(text, str) and text.strip():
                notes.append(Note(period, spec, submission.member, text, submission.submitted_at))
    return notes


def aggregate(spec: FieldSpec, submissions: Sequence[Submission]) -> float | None:
    """A figure of one period: the sum of what was submitted; for a percent, the mean."""
    values = [float(s.values[spec.code]) for s in submissions if isinstance(s.values.get(spec.code), (int, float))]
    if not values:
        return None
    return sum(values) / len(values) if spec.kind == "percent" else sum(values)


async def _figures(session: AsyncSession, team_id: int, until: datetime) -> tuple[list[FigureTable], list[Series]]:
    """For each report type with numbers: the latest reported period against the one before, and the series."""
    due = (ReportPeriod.team_id == team_id) & (ReportPeriod.due_at <= until)
    periods = list(await session.scalars(
        select(ReportPeriod).where(due).order_by(ReportPeriod.due_at.desc(), ReportPeriod.id.desc())))
    # Which periods have submissions: one grouped query, not every submission of the team's history.
    reported_ids = set(await session.scalars(
        select(Submission.period_id).join(ReportPeriod, ReportPeriod.id == Submission.period_id).where(due)
        .group_by(Submission.period_id)))
    by_type: dict[str, list[ReportPeriod]] = {}  # the latest CHART_PERIODS reported periods of each type
    for period in periods:
        if (period.id in reported_ids and len(by_type.get(period.type_code, ())) < CHART_PERIODS
                and any(spec.numeric for spec in period_fields(period))):
            by_type.setdefault(period.type_code, []).append(period)
    submissions: dict[int, list[Submission]] = {}
    for submission in await _submissions(session, [p.id for reported in by_type.values() for p in reported]):
        submissions.setdefault(submission.period_id, []).append(submission)
    tables, series = [], []
    for reported in by_type.values():
        latest, previous = reported[0], (reported[1] if len(reported) > 1 else None)
        figures = []
        for spec in (s for s in period_fields(latest) if s.numeric):
            reporters = tuple(s.member.full_name for s in submissions[latest.id] if spec.code in s.values)
            figures.append(Figure(spec, aggregate(spec, submissions[latest.id]),
                                  aggregate(spec, submissions[previous.id]) if previous else None, reporters))
        tables.append(FigureTable(latest, previous, figures))
        recent = list(reversed(reported[:CHART_PERIODS]))
        for spec in (s for s in period_fields(latest) if s.main):
            points = [(p.due_at, value) for p in recent
                      if (value := aggregate(spec, submissions[p.id])) is not None]
            if points:
                series.append(Series(spec, points))
    return tables, series
