"""A day of work while the Bot API fails: 30% of calls answer 502 or drop the connection,
plus bursts of 429. Everything is delivered exactly once, nothing is sent to a chat before
its retry_after, and the database ends as it does on a day without faults."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.sandbox.client import SandboxClient
from bot.storage import Storage
from bot.telegram.pacing import Limits
from tests.e2e.harness import Harness
from tests.reliability.story import DIRECTOR, SECONDMENT_TOLD, STEPS, TEAM_GROUP, play, secondment_told
from tests.reliability.support import (
    differences, papers, register_ping, settle, snapshot, transcripts, without_times,
)


def burst(method: str, *chats: int) -> list[dict[str, Any]]:
    """Two 429s (retry after 2 s) for each chat's next calls of this method."""
    return [{"code": 429, "retry_after": 2, "chat_id": chat, "method": method} for chat in chats for _ in range(2)]


BURSTS = {  # step: the 429s it meets, on top of the 30% of 502s and dropped connections
    "help": burst("sendMessage", 1004, 1005, 1006, TEAM_GROUP),
    "proposals": burst("sendDocument", DIRECTOR) + burst("sendMessage", 1001),
    "decisions": burst("editMessageText", DIRECTOR) + burst("sendMessage", 1001, 1002, 2001, 2003)
    + burst("sendDocument", 1001),
    "reminders": burst("sendMessage", 1004, 1005, 1006, TEAM_GROUP),
}


@dataclass
class InProcess:
    harness: Harness

    @property
    def client(self) -> SandboxClient:
        return self.harness.client

    @property
    def storage(self) -> Storage:
        return self.harness.app.storage

    def now(self) -> datetime:
        return self.harness.clock.now()

    async def advance(self, delta: timedelta) -> None:
        self.harness.clock.advance(delta)
        await self.harness.app.sweeper.sweep()


async def day(harness: Harness, *, storm: bool) -> InProcess:
    register_ping(harness.app.sweeper.handlers)
    harness.app.delivery.backoff_base = 0.2
    stage = InProcess(harness)
    if storm:
        await harness.client.set_faults(fail_rate=0.3, kinds=["502", "drop"], seed=7)
    for step in STEPS:
        if storm and step in BURSTS:
            await harness.client.set_faults(next=BURSTS[step])
        await play(stage, step)
    await settle(stage.storage, harness.client)
    await harness.client.clear_faults()
    return stage


def early_sends(calls: list[dict[str, Any]]) -> list[str]:
    """Calls to a chat made before the retry_after of a 429 that chat received."""
    quiet_until: dict[str, float] = {}
    early: list[str] = []
    for call in calls:
        chat = str(call["params"].get("chat_id", ""))
        if not chat:
            continue
        if call["time"] < quiet_until.get(chat, 0.0):
            early.append(f"{call['method']} to {chat} {quiet_until[chat] - call['time']:.2f}s early")
        if call.get("error_code") == 429:
            retry_after = 2 if call.get("fault") else int(str(call["description"]).rsplit(" ", 1)[-1])
            quiet_until[chat] = call["time"] + retry_after
    return early


@pytest.mark.timeout(600)  # two whole days paced like Telegram, on a machine shared with other work
async def test_a_day_under_bot_api_faults_ends_as_a_quiet_day(harnesses, fresh_database) -> None:
    quiet = await harnesses(await fresh_database(), limits=Limits(), realistic_sandbox=True)
    await day(quiet, storm=False)
    stormy = await harnesses(await fresh_database(), limits=Limits(), realistic_sandbox=True)
    await day(stormy, storm=True)

    calls = await stormy.client.calls()
    faults = [c for c in calls if c["fault"]]
    assert len(faults) >= 20, "the storm should have hit"
    assert {c["fault"] for c in faults} >= {"502", "drop", "429"}
    met = Counter((c["method"], str(c["params"].get("chat_id"))) for c in faults if c["fault"] == "429")
    assert met == Counter((b["method"], str(b["chat_id"])) for bursts in BURSTS.values() for b in bursts)

    expected, got = await transcripts(quiet.client), await transcripts(stormy.client)
    assert without_times(got) == without_times(expected)  # every message once, in order, in each chat
    assert sum(len(m) for m in got.values()) > 50
    # The secondment decisions: each notice and paper once, whoever should not hear of them did not.
    got_papers = await papers(stormy.client)
    assert secondment_told(got, got_papers) == SECONDMENT_TOLD
    assert got_papers == await papers(quiet.client)
    assert differences(await snapshot(quiet.app.storage), await snapshot(stormy.app.storage)) == {}

    assert early_sends(calls) == []
    stats = await stormy.client.stats()
    assert stats["violation_count"] == 0
    assert await stormy.api_errors() == []
    assert await quiet.api_errors() == []
