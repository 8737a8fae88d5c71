"""Two real bot processes on one PostgreSQL send as one: pacing is kept in memory, so only the
process holding the sender lock (bot.telegram.sender_lock) delivers, at Telegram's pace.

With the sandbox's flood control on (about 30 messages a second overall, one a second per
private chat, as Telegram), messages queued for many chats are delivered exactly once and no
429 is met. When the sending process is SIGKILLed, the other takes the lock and delivers the rest.
"""

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.outbox.models import OutboxMessage, Status
from bot.outbox.service import enqueue
from bot.sandbox import people
from bot.sandbox.server import SandboxServer
from bot.storage import Storage
from bot.telegram.delivery import LEASE
from bot.telegram.sender_lock import SENDS, STANDS_BY, current_sender
from bot.ui import Message
from tests.reliability.conftest import BotProcess
from tests.reliability.services import scratch_postgres, until

TOKEN = "666777888:one-sender-token-never-logged"
FIRST_CHAT = 810_000_001
CHATS = 150


@pytest.fixture
async def postgres_url(migrated_template: str) -> AsyncIterator[str]:
    async with scratch_postgres(migrated_template) as url:
        yield url


def successful_sends(sandbox: SandboxServer) -> list[str]:
    return [str(r.params.get("text")) for r in sandbox.state.calls.records if r.method == "sendMessage" and r.ok]


def too_many_requests(sandbox: SandboxServer) -> int:
    return sum(1 for r in sandbox.state.calls.records if r.error_code == 429)


async def queue(storage: Storage, label: str, per_chat: int) -> list[str]:
    """`per_chat` messages to each of the CHATS private chats, in one transaction; their texts."""
    texts: list[str] = []
    async with storage.transaction() as session:
        for round_ in range(per_chat):
            for chat in range(FIRST_CHAT, FIRST_CHAT + CHATS):
                texts.append(f"Thông báo {label}-{round_}-{chat}")
                await enqueue(session, chat, Message(texts[-1]), now=SystemClock().now(), ref=f"test:{texts[-1]}")
    return texts


async def sender_pid(storage: Storage) -> int | None:
    async with storage.read() as session:
        name = await current_sender(session)
    found = re.search(r":(\d+)$", name or "")
    return int(found.group(1)) if found else None


async def all_sent(storage: Storage) -> bool:
    async with storage.read() as session:
        return not await session.scalar(select(func.count()).where(OutboxMessage.status != Status.SENT))


@pytest.mark.timeout(300)  # two processes to start, a few hundred messages at 30/s, on a shared machine
async def test_two_processes_pace_as_one_sender_and_the_survivor_takes_over(postgres_url, bot_processes) -> None:
    sandbox = SandboxServer(bot_token=TOKEN, limits=True)  # Telegram's flood control, answering 429
    await sandbox.start()
    storage = Storage.from_url(postgres_url)
    try:
        for chat in range(FIRST_CHAT, FIRST_CHAT + CHATS):
            user = people.register_user(sandbox.state, chat, f"Người {chat}")
            user.has_started = True
            sandbox.state.ensure_private_chat(user)
        env = {"DIEUPHOI_BOT_TOKEN": TOKEN, "DIEUPHOI_API_URL": sandbox.url, "DIEUPHOI_DATABASE_URL": postgres_url}
        processes: dict[int, BotProcess] = {}
        for name in ("one", "two"):
            process = bot_processes("workers", env, name=name, fast=False)  # the product's pacing
            process.start()
            assert process.process is not None
            processes[process.process.pid] = process

        async def both_decided() -> bool:
            logs = [p.log() for p in processes.values()]
            return sum(SENDS in log for log in logs) == 1 and sum(STANDS_BY in log for log in logs) == 1

        await until(both_decided, 60, "one process sends, the other stands by")
        pid = await sender_pid(storage)
        assert pid in processes, pid
        sender = processes[pid]
        (survivor,) = (p for p in processes.values() if p is not sender)

        # Many chats at once, a broadcast: delivered exactly once, at Telegram's pace, no 429.
        first = await queue(storage, "a", per_chat=1)
        await until(lambda: all_sent(storage), 60, "the first broadcast is delivered")
        assert Counter(successful_sends(sandbox)) == Counter(first)
        assert too_many_requests(sandbox) == 0 and sandbox.state.flood.violations == 0
        assert SENDS not in survivor.log()

        # Again, two messages a chat; the sender is killed halfway and the other delivers the rest.
        second = await queue(storage, "b", per_chat=2)
        await until(lambda: asyncio.sleep(0, len(successful_sends(sandbox)) >= len(first) + 60), 60,
                    "the second broadcast is under way")
        sender.kill()
        await until(lambda: asyncio.sleep(0, SENDS in survivor.log()), 30, "the other process takes over")
        # The message the killed process was sending stays leased; time passes the lease as in life.
        survivor.set_clock(SystemClock().now() + LEASE + timedelta(seconds=1))
        await until(lambda: all_sent(storage), 90, "the rest is delivered")

        delivered = Counter(successful_sends(sandbox))
        assert set(delivered) == set(first) | set(second)
        repeated = [text for text, times in delivered.items() if times > 1]
        assert len(repeated) <= 1, repeated  # at most one per kill: the one in flight
        if repeated:
            assert "may arrive twice" in survivor.log()
        assert too_many_requests(sandbox) == 0 and sandbox.state.flood.violations == 0
        assert survivor.alive() and "Traceback" not in survivor.log(), survivor.log()[-3000:]
    finally:
        await storage.close()
        await sandbox.stop()
