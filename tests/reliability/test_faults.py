"""A day of work while the Bot API fails: 30% of calls answer 502 or drop the connection,
plus bursts of 429. Everything is delivered exactly once, nothing is sent to a chat before
its retry_after, and the database ends as it does on a day without faults."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.sandbox.client import SandboxClient
from bot.storage import Storage
from bot.telegram.pacing import Limits
from tests.e2e.harness import Harness
from tests.reliability.story import STEPS, TEAM_GROUP, play
from tests.reliability.support import differences, register_ping, settle, snapshot, transcripts, without_times

BURST = [{"code": 429, "retry_after": 2, "chat_id": chat, "method": "sendMessage"}
         for chat in (1004, 1005, 1006, TEAM_GROUP) for _ in range(2)]


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
        if storm and step in ("help", "reminders"):
            await harness.client.set_faults(next=BURST)
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


async def test_a_day_under_bot_api_faults_ends_as_a_quiet_day(harnesses, fresh_database) -> None:
    quiet = await harnesses(await fresh_database(), limits=Limits(), realistic_sandbox=True)
    await day(quiet, storm=False)
    stormy = await harnesses(await fresh_database(), limits=Limits(), realistic_sandbox=True)
    await day(stormy, storm=True)

    calls = await stormy.client.calls()
    faults = [c for c in calls if c["fault"]]
    assert len(faults) >= 20, "the storm should have hit"
    assert {c["fault"] for c in faults} >= {"502", "drop", "429"}

    expected, got = await transcripts(quiet.client), await transcripts(stormy.client)
    assert without_times(got) == without_times(expected)  # every message once, in order, in each chat
    assert sum(len(m) for m in got.values()) > 50
    assert differences(await snapshot(quiet.app.storage), await snapshot(stormy.app.storage)) == {}

    assert early_sends(calls) == []
    stats = await stormy.client.stats()
    assert stats["violation_count"] == 0
    assert await stormy.api_errors() == []
    assert await quiet.api_errors() == []
