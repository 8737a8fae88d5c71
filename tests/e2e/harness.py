"""The real bot, polling the local sandbox over HTTP, with a clock the test moves.

    async def test_something(harness):
        leader = await harness.started(1001)
        sent = await leader.says("/trogiup")
        reply = await harness.reply_to(sent)

`reply_to` waits until the bot has recorded the update as handled and the
outbox is delivered, then returns the bot's first message after it; nothing
sleeps waiting for a deadline: `await harness.advance(hours=2)` moves the
clock and runs the reminder sweep.
"""

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.inbox import InboxStatus, InboxUpdate
from bot.roster.file import RosterFile, parse_roster
from bot.roster.service import import_roster
from bot.sandbox.client import Message, Person, SandboxClient, Sent
from bot.sandbox.demo import populate
from bot.sandbox.server import SandboxServer
from bot.storage import Storage
from bot.telegram.app import App, build_app, poll, start
from bot.telegram.pacing import Limits

TOKEN = "987654321:E2E-sandbox-token-never-logged"
DEMO_ROSTER = Path(__file__).resolve().parents[2] / "bot" / "roster" / "demo.yaml"
FAST = Limits(private_rate=50, private_burst=20, group_rate=50, group_burst=20, global_rate=500, global_burst=50)


@dataclass
class Harness:
    database_url: str
    clock: ManualClock
    sandbox: SandboxServer = field(init=False)
    client: SandboxClient = field(init=False)
    app: App = field(init=False)
    settings: Settings = field(init=False)
    _polling: asyncio.Task[None] | None = None

    async def open(self, roster_text: str, *, limits: Limits = FAST, realistic_sandbox: bool = False,
                   **settings: Any) -> None:
        self.sandbox = SandboxServer(bot_token=TOKEN, limits=realistic_sandbox)
        await self.sandbox.start()
        self.client = SandboxClient(self.sandbox.url)
        self.settings = Settings(
            bot_token=SecretStr(TOKEN), api_url=self.sandbox.url, database_url=self.database_url, **settings
        )
        self.limits = limits
        await self.add_roster(roster_text)
        await self.start_bot()

    async def add_roster(self, roster_text: str) -> RosterFile:
        roster = parse_roster(roster_text)
        storage = Storage.from_url(self.database_url)
        async with storage.transaction() as session:
            await import_roster(session, roster, now=self.clock.now())
        await storage.close()
        populate(self.sandbox.state, roster)
        return roster

    async def start_bot(self) -> None:
        self.app = build_app(self.settings, clock=self.clock, limits=self.limits)
        self.app.catch_up_after = timedelta(0)  # a digest owed at start: at once, no real-time wait
        await start(self.app)
        self._polling = asyncio.create_task(poll(self.app))

    async def stop_bot(self) -> None:
        if self._polling is not None:
            await self.app.dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
            self._polling = None
        await self.app.stop()

    async def restart(self) -> None:
        """A clean stop and start of the bot process, database and sandbox kept."""
        await self.stop_bot()
        await self.start_bot()

    async def close(self) -> None:
        await self.stop_bot()
        await self.client.close()
        await self.sandbox.stop()

    # --- people -------------------------------------------------------------------------------

    def person(self, telegram_id: int) -> Person:
        return self.client.person(telegram_id)

    async def started(self, telegram_id: int) -> Person:
        """A person who has opened the bot (/start) and read the answer."""
        person = self.person(telegram_id)
        await self.reply_to(await person.says("/start"))
        return person

    # --- waiting without sleeping on deadlines --------------------------------------------------

    async def handled(self, sent: Sent, timeout: float = 10) -> None:
        """Wait until the bot has finished with this update and delivered what it owed."""
        assert sent.update_id is not None, "this action produced no update"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            async with self.app.storage.read() as session:
                status = await session.scalar(
                    select(InboxUpdate.status).where(InboxUpdate.update_id == sent.update_id)
                )
            if status in (InboxStatus.DONE, InboxStatus.PARKED):
                await self.app.delivery.drain()
                return
            await asyncio.sleep(0.02)
        raise TimeoutError(f"update {sent.update_id} was not handled within {timeout}s")

    async def reply_to(self, sent: Sent, chat_id: int | None = None) -> Message:
        """The bot's first message in the chat after this action."""
        await self.handled(sent)
        return await self.client.next_bot_message(chat_id if chat_id is not None else sent.chat_id,
                                                  after=sent.seq, timeout=5)

    async def messages_after(self, sent: Sent | int, chat_id: int) -> list[Message]:
        """Everything the bot posted in a chat after an action or sequence number (already delivered)."""
        seq = sent.seq if isinstance(sent, Sent) else sent
        return [m for m in await self.client.bot_messages(chat_id) if m["seq"] > seq]

    async def last_seq(self) -> int:
        return await self.client.last_seq()

    async def advance(self, **delta: float) -> None:
        """Move the clock, run the reminder sweep, deliver what it produced."""
        self.clock.advance(timedelta(**delta))
        await self.sweep()

    async def sweep(self) -> int:
        sent = await self.app.sweeper.sweep()
        await self.app.delivery.drain()
        return sent

    async def api_errors(self) -> list[dict[str, Any]]:
        return await self.client.api_errors()


def start_of_test_day() -> datetime:
    """Wednesday 25/11/2026 09:00 in Hà Nội time, as UTC."""
    from datetime import UTC

    return datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
