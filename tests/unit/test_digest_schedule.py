"""When scheduled digests go out: once per (team, kind, instant), the weekly one instead of the daily."""

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.digest.models import DigestRun
from bot.digest.schedule import DigestSchedule
from bot.helpdesk.models import Lookup, LookupKind
from bot.outbox.models import Kind, OutboxMessage
from bot.storage import Storage
from tests.unit.test_report_service import team  # noqa: F401  (the fixture)

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
SETTINGS = Settings()


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=ZONE)


def schedule(storage: Storage, **settings: object) -> DigestSchedule:
    return DigestSchedule(storage, ManualClock(local(25, 9)), SETTINGS.model_copy(update=settings))


def test_which_instants_are_due(storage: Storage) -> None:
    digests = schedule(storage)
    long_ago = local(1, 0)
    assert digests.due_instants(local(26, 7, 29), long_ago) == []
    [(kind, instant)] = digests.due_instants(local(26, 7, 30), long_ago)
    assert (kind.name, instant) == ("daily", local(26, 7, 30))
    [(kind, instant)] = digests.due_instants(local(30, 8, 0), long_ago)  # Monday: the weekly covers the day
    assert (kind.name, instant) == ("weekly", local(30, 7, 30))
    assert digests.due_instants(local(26, 14, 0), long_ago) == []  # too late to catch up
    assert digests.due_instants(local(26, 8, 0), local(26, 7, 45)) == []  # before the team existed
    assert schedule(storage, digest_cron="", digest_weekly_cron="").due_instants(local(30, 8), long_ago) == []


async def test_two_processes_send_a_digest_once(storage: Storage, team: int) -> None:  # noqa: F811
    first, second = schedule(storage), schedule(storage)
    sent = await asyncio.gather(first.run_due(local(26, 7, 30)), second.run_due(local(26, 7, 30)))
    assert sorted(sent) == [0, 1]
    assert await first.run_due(local(26, 7, 45)) == 0
    async with storage.read() as session:
        runs = list(await session.scalars(select(DigestRun)))
        outbox = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.ref == "digest")))
    assert [(r.kind, r.instant, r.since) for r in runs] == [("daily", local(26, 7, 30), local(25, 7, 30))]
    # The Director and the leader: a text and a spreadsheet each (no figures yet, so no chart).
    assert sorted((m.chat_id, str(m.kind)) for m in outbox) == [
        (1000, Kind.DOCUMENT), (1000, Kind.SEND), (1001, Kind.DOCUMENT), (1001, Kind.SEND)]
    assert await first.run_due(local(27, 7, 30) + timedelta(seconds=5)) == 1  # the next day's


OWN_FAQ = """\
categories:
  - {id: hours, title: "Giờ làm việc", order: 1}
entries:
  - id: office_hours
    category: hours
    question: "Tổ hỗ trợ làm việc mấy giờ?"
    phrasings: ["may gio lam viec", "gio lam viec"]
    answer: "Từ 7 giờ đến 22 giờ mỗi ngày."
"""


async def test_the_most_asked_questions_come_from_dieuphoi_faq(storage: Storage, team: int,  # noqa: F811
                                                               tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(OWN_FAQ, encoding="utf-8")
    async with storage.transaction() as session:
        session.add_all([Lookup(team_id=team, kind=LookupKind.CONFIDENT, entry_id="office_hours", at=local(25, 10))
                         for _ in range(3)])
    assert await schedule(storage, faq=path).run_due(local(26, 7, 30)) == 1
    async with storage.read() as session:
        text = await session.scalar(select(OutboxMessage.text).where(
            OutboxMessage.ref == "digest", OutboxMessage.chat_id == 1000, OutboxMessage.kind == Kind.SEND))
    assert text is not None and "1. Tổ hỗ trợ làm việc mấy giờ? (3)" in text
