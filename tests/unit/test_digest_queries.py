"""The digest's queries against the straightforward ORM computation they replaced, on a small year.

The digest reads plain rows and grouped queries instead of ORM objects with
their relationships (a year's export lists about 100,000 tasks); these tests
keep the old computation as the reference and ask for exactly the same result.
"""

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bench.dataset import build_year
from bot.digest.build import CHART_PERIODS, Figure, FigureTable, Series, _figures, aggregate
from bot.reports.models import ReportPeriod, Submission
from bot.reports.service import period_fields
from bot.roster.models import Member
from bot.storage import Storage
from bot.tasks.digest import DigestTask, TaskDigest, task_digest
from bot.tasks.models import OPEN_STATUSES, Priority, Task, TaskAssignee, TaskStatus, TaskUpdate, UpdateKind

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


# --- the reference: the ORM computation as it was before the digest read rows --------------------------------


def _reference_item(task: Task, **extra: object) -> DigestTask:
    return DigestTask(
        id=task.id, title=task.title, people=[a.member.full_name for a in task.current],
        deadline_at=task.deadline_at, priority=Priority(task.priority), status=TaskStatus(task.status),
        **extra,  # type: ignore[arg-type]
    )


async def reference_task_digest(session: AsyncSession, team_id: int, *, since: datetime,
                                now: datetime) -> TaskDigest:
    digest = TaskDigest()
    team = Task.team_id == team_id
    opened = [str(s) for s in OPEN_STATUSES]
    created = await session.scalars(select(Task).where(team, Task.created_at >= since, Task.created_at <= now)
                                    .order_by(Task.created_at, Task.id))
    digest.new = [_reference_item(t, at=t.created_at) for t in created]
    done = await session.scalars(select(Task).where(team, Task.status == str(TaskStatus.DONE), Task.done_at >= since,
                                                    Task.done_at <= now).order_by(Task.done_at, Task.id))
    digest.done = [_reference_item(t, at=t.done_at) for t in done]
    open_tasks = list(await session.scalars(
        select(Task).where(team, Task.status.in_(opened))
        .order_by(Task.deadline_at.is_(None), Task.deadline_at, Task.id)
    ))
    digest.open_count = len(open_tasks)
    for task in open_tasks:
        if task.deadline_at is not None and task.deadline_at <= now:
            digest.overdue.append(_reference_item(task, late_by=now - task.deadline_at))
            if task.escalated_at is not None:
                digest.escalated.append(_reference_item(task, late_by=now - task.deadline_at, at=task.escalated_at))
        if task.status == TaskStatus.BLOCKED:
            updates = list(await session.scalars(
                select(TaskUpdate).where(TaskUpdate.task_id == task.id, TaskUpdate.kind == str(UpdateKind.BLOCKED))
                .order_by(TaskUpdate.id.desc()).limit(5)
            ))
            words = next((u.text for u in updates if u.text), None)
            digest.blocked.append(_reference_item(task, words=words, at=updates[0].at if updates else None))
    return digest


async def reference_figures(session: AsyncSession, team_id: int,
                            until: datetime) -> tuple[list[FigureTable], list[Series]]:
    periods = list(await session.scalars(
        select(ReportPeriod).where(ReportPeriod.team_id == team_id, ReportPeriod.due_at <= until)
        .order_by(ReportPeriod.due_at.desc(), ReportPeriod.id.desc())))
    submissions: dict[int, list[Submission]] = {}
    for submission in await session.scalars(select(Submission).where(Submission.period_id.in_([p.id for p in periods]))
                                            .order_by(Submission.id)):
        submissions.setdefault(submission.period_id, []).append(submission)
    by_type: dict[str, list[ReportPeriod]] = {}
    for period in periods:
        if submissions.get(period.id) and any(spec.numeric for spec in period_fields(period)):
            by_type.setdefault(period.type_code, []).append(period)
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
            points = [(p.due_at, value) for p in recent if (value := aggregate(spec, submissions[p.id])) is not None]
            if points:
                series.append(Series(spec, points))
    return tables, series


# --- a small year with the awkward cases added --------------------------------------------------------------


@pytest.fixture
async def year(storage: Storage) -> Storage:
    """1,500 tasks and 12 weekly report periods over a year (bench/dataset.py), plus: blocked tasks with more
    than five 'blocked' updates, some without words; tasks with support members and with a replaced member;
    escalated tasks; open tasks without a deadline; a period nobody reported for."""
    await build_year(storage, now=NOW, tasks=1_500, updates=7_500, periods=12)
    rng = random.Random(6)
    async with storage.transaction() as session:
        members = list(await session.scalars(select(Member.id).where(Member.telegram_id.is_not(None))))
        team_id = await session.scalar(select(Member.team_id).limit(1))
        opened = list(await session.scalars(select(Task.id).where(Task.status.in_([str(s) for s in OPEN_STATUSES]))
                                            .order_by(Task.id)))
        assert len(opened) >= 16
        await session.execute(update(Task).where(Task.id.in_(opened[10:16])).values(status=str(TaskStatus.BLOCKED)))
        blocked = list(await session.scalars(select(Task.id).where(Task.status == str(TaskStatus.BLOCKED))))
        everything = list(await session.scalars(select(Task.id)))
        update_id = await session.scalar(select(func.max(TaskUpdate.id))) or 0
        assignee_id = await session.scalar(select(func.max(TaskAssignee.id))) or 0
        updates, assignees = [], []
        for number, task_id in enumerate(blocked):
            # 0: no blocked update at all; 1: words only in the 6th latest (not among the last five); others: mixed
            texts = [[], ["chờ tài khoản"] + [None] * 5, ["mất điện", None, "", "chờ số liệu huyện"],
                     [None, None]][number % 4]
            for offset, text in enumerate(texts):
                update_id += 1
                updates.append({"id": update_id, "team_id": team_id, "task_id": task_id, "kind": UpdateKind.BLOCKED,
                                "status": TaskStatus.BLOCKED, "text": text, "author_member_id": members[0],
                                "at": NOW - timedelta(hours=len(texts) - offset)})
        for task_id in sorted({*opened[::2], *rng.sample(everything, 100)}):
            # a support member (lead=False) joined, and a member who was on the task and left it
            for lead, active in ((False, True), (False, False), (True, False)):
                assignee_id += 1
                assignees.append({"id": assignee_id, "team_id": team_id, "task_id": task_id,
                                  "member_id": rng.choice(members), "lead": lead, "active": active,
                                  "assigned_at": NOW - timedelta(days=400)})
        await session.execute(insert(TaskUpdate.__table__), updates)
        await session.execute(insert(TaskAssignee.__table__), assignees)
        await session.execute(update(Task).where(Task.id.in_(opened[:5])).values(escalated_at=NOW - timedelta(hours=3)))
        await session.execute(update(Task).where(Task.id.in_(opened[5:8])).values(deadline_at=None))
        await session.execute(update(Task).where(Task.id == opened[8]).values(priority=str(Priority.URGENT)))
        silent = await session.scalar(select(ReportPeriod.id).order_by(ReportPeriod.due_at.desc()).offset(1).limit(1))
        await session.execute(delete(Submission).where(Submission.period_id == silent))
    return storage


@pytest.mark.parametrize("days", [1, 7, 30, 366])
async def test_task_digest_is_the_orm_computation(year: Storage, days: int) -> None:
    async with year.read() as session:
        got = await task_digest(session, 1, since=NOW - timedelta(days=days), now=NOW)
    async with year.read() as session:
        expected = await reference_task_digest(session, 1, since=NOW - timedelta(days=days), now=NOW)
    assert got == expected
    assert got.new and got.overdue and got.blocked and got.escalated  # the cases above are exercised
    assert any(len(t.people) > 1 for t in got.new + got.overdue + got.blocked)
    assert {t.words for t in got.blocked} >= {None, "chờ số liệu huyện"}
    assert "chờ tài khoản" not in {t.words for t in got.blocked}  # only the last five updates are read
    async with year.read() as session:
        other = await task_digest(session, 2, since=NOW - timedelta(days=days), now=NOW)
    assert other == TaskDigest()


@pytest.mark.parametrize("weeks_ago", [0, 1, 3, 11, 13])
async def test_figures_are_the_orm_computation(year: Storage, weeks_ago: int) -> None:
    until = NOW - timedelta(weeks=weeks_ago)
    async with year.read() as session:  # one session: the same period objects on both sides
        got = await _figures(session, 1, until)
        expected = await reference_figures(session, 1, until)
    assert got == expected
    if weeks_ago == 0:
        [table] = got[0]
        assert table.previous is not None and (table.previous.due_at - table.period.due_at) == timedelta(weeks=-2)
        assert all(len(line.points) == CHART_PERIODS for line in got[1])
