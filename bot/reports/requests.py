"""Ad-hoc report requests: `/yeucau <loại báo cáo hoặc nội dung> hạn <thời hạn>`, for #area or people.

Rules
- The deadline follows "hạn" (bot.text.deadline); a past, ambiguous or
  missing deadline is asked again and nothing is opened.
- "#code" names an area; "@username", or names at the start of the text
  ("Mai, Thảo: ..."), name people (bot.roster.lookup).
- The rest names a report type (its code, its full name, or the first three
  or more words of its name: "báo cáo tuần"), or else is itself what to
  report: one text answer.
- A report type with no area or person named goes to the type's usual
  submitters. With an area, to the member the area's work is routed to (like
  a task), who answers that area's fields; a named person answers the fields
  of their areas (all of them if none are theirs).
- A free request needs an area or a person, and goes to them.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reports.models import ADHOC_TYPE, ReportPeriod
from bot.reports import render
from bot.reports.notify import tell
from bot.reports.service import (
    Owers, area_codes_of, area_owner, codes_for_member, fields_coded, open_period, scheduled_owers,
)
from bot.reports.types import FieldSpec, ReportType, ReportTypesFile
from bot.roster.models import Area, Member, Role
from bot.text.deadline import Deadline, DeadlineProblem, find_deadline, parse_deadline
from bot.text.fold import fold

FREE_FIELD = "noi_dung"
_TAG = re.compile(r"(?<![\w@#])([#@][\w.]+)")


@dataclass(frozen=True)
class RequestProblem:
    kind: Literal["empty", "no_deadline", "deadline", "unknown_target", "no_target", "nobody"]
    deadline: DeadlineProblem | None = None
    typed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Requested:
    period: ReportPeriod
    owers: Owers


async def request_report(
    session: AsyncSession, requester: Member, text: str, *, types: ReportTypesFile, now: datetime, zone: ZoneInfo
) -> Requested | RequestProblem:
    body, deadline_text = find_deadline(text)
    if not body.strip():
        return RequestProblem("empty")
    if deadline_text is None:
        return RequestProblem("no_deadline")
    deadline = parse_deadline(deadline_text, now, zone)
    if isinstance(deadline, DeadlineProblem):
        return RequestProblem("deadline", deadline=deadline)
    targets = await _targets(session, requester.team_id, body)
    if isinstance(targets, RequestProblem):
        return targets
    areas, people, content = targets
    if not content:
        return RequestProblem("empty")
    report = match_type(types, content)
    owers = await _owers(session, requester.team_id, report, areas, people)
    if report is None and not areas and not people:
        return RequestProblem("no_target")
    if not owers.by_member:
        return RequestProblem("nobody", typed=owers.unowned_areas)
    return Requested(await _open(session, requester, report, content, owers, deadline, now, types), owers)


async def announce(session: AsyncSession, requested: Requested, requester: Member, *, now: datetime, zone: ZoneInfo,
                   default_locale: str) -> None:
    """Tell each person asked what they owe, at once (an ad-hoc request is like a task: no waiting)."""
    period = requested.period
    for member, codes in requested.owers.by_member.values():
        fields = fields_coded(period, codes)
        await tell(session, member, lambda: render.opened_notice(period, fields, zone, requester), now=now,
                   default_locale=default_locale, ref=f"report:{period.id}",
                   dedupe_key=f"report:{period.id}:open:{member.id}")


def match_type(types: ReportTypesFile, content: str) -> ReportType | None:
    typed = fold(content)
    for report in types.types:
        names = [fold(report.name)] + ([fold(report.name_en)] if report.name_en else [])
        if typed == report.code or typed in names:
            return report
        if len(typed.split()) >= 3 and any(name.startswith(typed + " ") for name in names):
            return report
    return None


async def _targets(session: AsyncSession, team_id: int, body: str) -> tuple[list[str], list[Member], str] | RequestProblem:
    """(#area codes, named people, what is asked) from the request's words."""
    areas: list[str] = []
    people: list[Member] = []
    unknown: list[str] = []
    known_areas = {fold(a.code): a.code for a in await session.scalars(select(Area).where(Area.team_id == team_id))}
    for tag in _TAG.findall(body):
        if tag.startswith("#"):
            code = known_areas.get(fold(tag[1:]))
            (areas.append(code) if code else unknown.append(tag))
        else:
            member = await session.scalar(select(Member).where(
                Member.team_id == team_id, Member.active.is_(True), Member.username.ilike(tag[1:])))
            (people.append(member) if member else unknown.append(tag))
    content = " ".join(_TAG.sub(" ", body).split()).strip(" ,;:-–—")
    named, content = await _leading_names(session, team_id, content)
    if isinstance(named, RequestProblem):
        return named
    people += [m for m in named if m not in people]
    if unknown:
        return RequestProblem("unknown_target", typed=unknown)
    return list(dict.fromkeys(areas)), people, content


async def _leading_names(session: AsyncSession, team_id: int, content: str) -> tuple[list[Member] | RequestProblem, str]:
    """People named at the start ("Mai, Thảo: số liệu ..."), when the roster lookup is available."""
    try:
        from bot.roster.lookup import Ambiguous, Found, lookup_leading
    except ImportError:  # pragma: no cover - the lookup ships with the tasks feature
        return [], content
    lookup, rest = await lookup_leading(session, team_id, content)
    if not lookup.entries or not isinstance(lookup.entries[0], (Found, Ambiguous)):
        return [], content
    if lookup.ambiguous:
        return RequestProblem("unknown_target", typed=[entry.typed for entry in lookup.ambiguous]), content
    if lookup.unknown:
        return RequestProblem("unknown_target", typed=[entry.typed for entry in lookup.unknown]), content
    return lookup.members, rest.strip(" ,;:-–—")


async def _route(session: AsyncSession, team_id: int, area: str) -> Member | None:
    """The member an area's work goes to: the tasks' routing (by load) when present, else the area's owner."""
    try:
        from bot.tasks.routing import route_to_area
    except ImportError:  # pragma: no cover - routing ships with the tasks feature
        return await area_owner(session, team_id, area)
    chosen = await route_to_area(session, team_id, area, count=1)
    return chosen[0] if chosen else None


async def _owers(session: AsyncSession, team_id: int, report: ReportType | None, areas: list[str],
                 people: list[Member]) -> Owers:
    if report is not None and not areas and not people:
        return await scheduled_owers(session, team_id, report)
    fields = report.fields if report else [_free_field()]
    owers = Owers({}, [])
    for area in areas:
        member = await _route(session, team_id, area)
        codes = area_codes_of(fields, area) if report else [FREE_FIELD]
        if member is None or not codes:
            owers.unowned_areas.append(area)
        else:
            owers.add(member, codes)
    for member in people:
        if member.role in (Role.DIRECTOR, Role.UNIT_MANAGER):
            continue  # they do not submit reports
        owers.add(member, codes_for_member(fields, member) if report else [FREE_FIELD])
    return owers


def _free_field() -> FieldSpec:
    return FieldSpec(code=FREE_FIELD, label="Nội dung báo cáo", label_en="Report", kind="text")


async def _open(session: AsyncSession, requester: Member, report: ReportType | None, content: str, owers: Owers,
                deadline: Deadline, now: datetime, types: ReportTypesFile) -> ReportPeriod:
    if report is not None:
        title, title_en, fields = report.name, report.name_en, report.fields
        reminders, escalation = report.reminders, report.escalation
    else:
        title, title_en, fields = content, None, [_free_field()]
        reminders, escalation = types.adhoc.reminders, types.adhoc.escalation
    period = await open_period(
        session, team_id=requester.team_id, type_code=report.code if report else ADHOC_TYPE, title=title,
        title_en=title_en, fields=fields, owers=owers, due_at=deadline.at, now=now, reminders=reminders,
        escalate_after=escalation.after if escalation else None, escalate_to=escalation.to if escalation else [],
        requested_by=requester.telegram_id, announce_by_reminder=False,
    )
    assert period is not None  # ad-hoc periods have no unique key to collide on
    return period
