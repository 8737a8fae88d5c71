"""Two bot processes on one database, each with its own scheduler and delivery worker:
1,000 reminders and the Director's daily digest fall due at once; each is sent exactly once.
Both sweep; on PostgreSQL one of them sends (the sender lock, test_one_sender.py)."""

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from bot.digest.models import DigestRun
from bot.outbox.models import OutboxMessage, Status
from bot.reminders.models import Reminder, ReminderStatus
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from bot.storage import Storage
from bot.telegram.sender_lock import SENDS
from tests.e2e.harness import start_of_test_day
from tests.reliability.support import demo_team_since_yesterday, schedule_pings, team_id

TOKEN = "555666777:two-processes-token-never-logged"
PEOPLE = range(700001, 700101)
REMINDERS = 1000


@pytest.mark.timeout(300)  # two processes to start and 1,000 messages, on a machine shared with other work
async def test_two_processes_send_each_of_1000_reminders_once(database_url, bot_processes) -> None:
    sandbox = SandboxServer(bot_token=TOKEN, limits=False)
    await sandbox.start()
    client = SandboxClient(sandbox.url)
    storage = Storage.from_url(database_url)
    try:
        await demo_team_since_yesterday(storage, sandbox.state)
        for person in PEOPLE:
            await client.register_user(person, f"Người {person}")
            sandbox.state.users[person].has_started = True
        team = await team_id(storage)
        chats = {subject: f"chat:{PEOPLE[subject % len(PEOPLE)]}" for subject in range(REMINDERS)}
        await schedule_pings(storage, team_id=team, due_at=start_of_test_day(), chats=chats)

        env = {"DIEUPHOI_BOT_TOKEN": TOKEN, "DIEUPHOI_API_URL": sandbox.url, "DIEUPHOI_DATABASE_URL": database_url,
               "DIEUPHOI_SWEEP_SECONDS": "0.2"}
        processes = [bot_processes("workers", env, name=f"worker{n}") for n in (1, 2)]
        for process in processes:
            process.set_clock(start_of_test_day())
            process.start()

        sent = await _wait_for_messages(client, REMINDERS, timeout=120)
        await asyncio.sleep(1.0)  # anything sent twice would show up by now
        sent = await _bot_texts(client)
        assert all(process.alive() for process in processes), [p.log()[-2000:] for p in processes]
        counts = Counter(sent)
        assert len(counts) == REMINDERS and set(counts.values()) == {1}, counts.most_common(3)
        async with storage.read() as session:
            done = await session.scalar(select(func.count()).where(Reminder.status == ReminderStatus.DONE))
            delivered = await session.scalar(select(func.count()).where(OutboxMessage.status == Status.SENT))
        assert done == REMINDERS
        async with storage.read() as session:
            runs = list(await session.scalars(select(DigestRun)))
        assert [(run.kind, run.instant.hour, run.instant.minute) for run in runs] == [("daily", 0, 30)]
        for person in (1000, 1001):  # DIEUPHOI_DIGEST_TO: director, leader
            digests = [m for m in await client.bot_messages(person) if (m["text"] or "").startswith("📋 Tổng hợp")]
            assert len(digests) == 1, person
        assert delivered >= REMINDERS
        logs = [process.log() for process in processes]
        assert await client.api_errors() == []
        assert all("Traceback" not in log for log in logs), logs
        if storage.dialect == "postgresql":  # one sender; SQLite is one process in production
            assert sum(SENDS in log for log in logs) == 1
    finally:
        await storage.close()
        await client.close()
        await sandbox.stop()


async def _bot_texts(client: SandboxClient) -> list[str]:
    texts: list[str] = []
    for person in PEOPLE:
        texts += [m["text"] for m in await client.bot_messages(person)]
    return texts


async def _wait_for_messages(client: SandboxClient, count: int, timeout: float) -> list[str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        calls = [c for c in await client.calls() if c["method"] == "sendMessage" and c["ok"]]
        if len(calls) >= count:
            return await _bot_texts(client)
        await asyncio.sleep(0.5)
    raise TimeoutError(f"only {len(calls)} of {count} messages sent within {timeout}s")
