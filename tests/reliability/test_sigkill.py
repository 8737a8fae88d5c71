"""The bot process is SIGKILLed at random points of a working day, five times, and started
again: the database ends as on a day without kills, every message is delivered, and a
message arrives twice at most once per kill (when the kill fell between Telegram's
answer and the commit), with a log line saying so."""

import asyncio
import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from bot.roster.file import parse_roster
from bot.roster.service import import_roster
from bot.sandbox.client import SandboxClient
from bot.sandbox.demo import populate
from bot.sandbox.server import SandboxServer
from bot.storage import Storage
from bot.telegram.delivery import LEASE
from tests.e2e.harness import DEMO_ROSTER, start_of_test_day
from tests.reliability.conftest import BotProcess
from tests.reliability.story import SECONDMENT_TOLD, STEPS, handled, play, secondment_told
from tests.reliability.support import (
    differences, papers, sent_versions, settle, snapshot, transcripts, without_repeats, without_times,
)

TOKEN = "444555666:sigkill-token-never-logged"
KILLS = 5
REDELIVERED = re.compile(r"it may arrive twice .*\bchat=(-?\d+)")  # the delivery worker's log line


@dataclass
class Run:
    """One bot process (restartable) against its own sandbox and database."""

    process: BotProcess
    client: SandboxClient
    storage: Storage
    sandbox: SandboxServer
    instant: datetime

    def now(self) -> datetime:
        return self.instant + (datetime.now(self.instant.tzinfo) - self._set_at)

    def set_clock(self, instant: datetime) -> None:
        self.instant, self._set_at = instant, datetime.now(instant.tzinfo)
        self.process.set_clock(instant)

    async def advance(self, delta: timedelta) -> None:
        self.set_clock(self.now() + delta)

    async def start(self) -> None:
        since = len(await self.client.calls())
        self.process.start()
        for _ in range(1200):  # a loaded machine takes a while to import everything
            calls = await self.client.calls()
            if any(c["method"] == "getUpdates" for c in calls[since:]):
                return
            if not self.process.alive():
                raise RuntimeError(self.process.log()[-3000:])
            await asyncio.sleep(0.05)
        raise TimeoutError("the bot process did not start polling")

    async def kill_and_restart(self) -> None:
        self.process.kill()
        # Rows it had claimed stay leased; time moves past the lease as it would in real life.
        await self.advance(LEASE + timedelta(seconds=1))
        await self.start()


async def open_run(database_url: str, make_process, name: str) -> Run:
    sandbox = SandboxServer(bot_token=TOKEN, limits=False)
    await sandbox.start()
    roster = parse_roster(DEMO_ROSTER.read_text(encoding="utf-8"))
    storage = Storage.from_url(database_url)
    async with storage.transaction() as session:
        await import_roster(session, roster, now=start_of_test_day())
    populate(sandbox.state, roster)
    env = {"DIEUPHOI_BOT_TOKEN": TOKEN, "DIEUPHOI_API_URL": sandbox.url, "DIEUPHOI_DATABASE_URL": database_url,
           "DIEUPHOI_SWEEP_SECONDS": "0.2"}
    run = Run(make_process("poll", env, name=name), SandboxClient(sandbox.url), storage, sandbox, start_of_test_day())
    run.set_clock(start_of_test_day())
    await run.start()
    return run


async def close_run(run: Run) -> None:
    run.process.stop()
    await run.client.close()
    await run.storage.close()
    await run.sandbox.stop()


@pytest.mark.timeout(600)  # two whole days and seven process starts, on a machine shared with other work
async def test_five_sigkills_lose_nothing_and_duplicate_at_most_one_message_each(fresh_database, bot_processes) -> None:
    reference = await open_run(await fresh_database(), bot_processes, "reference")
    try:
        for step in STEPS:
            await play(reference, step)
        await settle(reference.storage, reference.client)
        expected_messages = await transcripts(reference.client)
        expected_papers = await papers(reference.client)
        expected_state = await snapshot(reference.storage)
    finally:
        await close_run(reference)

    chance = random.Random(2026)
    kill_after = sorted(chance.sample(range(len(STEPS)), KILLS))
    killed = await open_run(await fresh_database(), bot_processes, "killed")
    try:
        for index, step in enumerate(STEPS):
            sents = await play(killed, step, wait=False)
            if index in kill_after:
                await asyncio.sleep(chance.uniform(0.0, 0.4))
                await killed.kill_and_restart()
            await handled(killed.storage, sents)
            await settle(killed.storage, killed.client)
        await settle(killed.storage, killed.client)
        got_messages = await sent_versions(killed.client)
        got_papers = await papers(killed.client)
        got_state = await snapshot(killed.storage)
        log = killed.process.log()
    finally:
        await close_run(killed)

    assert killed.process.kills == KILLS
    duplicates = 0
    deduplicated: dict[int, list[str]] = {}
    redelivered = Counter(int(chat) for chat in REDELIVERED.findall(log))
    for chat, messages in got_messages.items():
        # A copy is forgiven only in a chat where a redelivery after a kill was logged.
        deduplicated[chat], dropped = without_repeats(messages, allowed=redelivered[chat])
        duplicates += dropped
    # Every message delivered, in order. Each kill moved the clock past the lease, so the
    # clock times the bot writes ("Cập nhật gần nhất: 09:03") differ from the reference's.
    assert without_times(deduplicated) == without_times(expected_messages)
    assert duplicates <= KILLS
    # The secondment decisions: each notice and paper once, whoever should not hear of them did not.
    assert secondment_told(deduplicated, got_papers) == SECONDMENT_TOLD
    assert got_papers == expected_papers
    assert differences(expected_state, got_state) == {}
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert "handler failed" not in log
