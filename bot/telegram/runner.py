"""Starting the bot for real, or against the local sandbox when there is no token."""

import asyncio
import contextlib
import logging
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiogram import Bot
from pydantic import SecretStr

from bot.clock import Clock, ManualClock, SystemClock
from bot.config import Settings
from bot.migrate import upgrade_async
from bot.roster.file import load_roster
from bot.roster.service import import_roster
from bot.storage import Storage
from bot.telegram.app import App, build_app, make_bot, poll, run_polling, start
from bot.telegram.pacing import Limits

if TYPE_CHECKING:  # the sandbox (server, web chat, demo story) is imported only when it is run
    from bot.sandbox.server import SandboxServer

log = logging.getLogger("dieuphoi")

DEMO_ROSTER = Path(__file__).resolve().parent.parent / "roster" / "demo.yaml"
SANDBOX_BOT_USERNAME = "dieuphoi_bot"
DRAIN_SECONDS = 10.0


async def prepare_database(settings: Settings, clock: Clock, roster: Path | None) -> None:
    """Migrate to head, then import the configured roster (idempotent)."""
    await upgrade_async(settings.database_url)
    if roster is None:
        return
    storage = Storage.from_url(settings.database_url)
    try:
        async with storage.transaction() as session:
            summary = await import_roster(session, load_roster(roster), now=clock.now())
        log.info("roster %s imported: team %s", roster, summary.team_code)
    finally:
        await storage.close()


async def run_bot(settings: Settings, clock: Clock | None = None) -> int:
    clock = clock or SystemClock()
    await prepare_database(settings, clock, settings.roster)
    app = build_app(settings, clock=clock)
    await run_polling(app)
    return 0


@dataclass
class SandboxRun:
    """The local sandbox, the real bot polling it, and the clock the web chat moves."""

    server: "SandboxServer"
    app: App
    clock: ManualClock
    polling: asyncio.Task[None]
    resources: contextlib.AsyncExitStack  # stops the bot, the server, removes the scratch database

    async def advance(self, delta: timedelta) -> None:
        """Move the bot's clock and do at once what fell due (reminders, reports, digests)."""
        self.clock.advance(delta)
        await self.app.run_due()
        with contextlib.suppress(TimeoutError):
            await self.app.delivery.drain(timeout=DRAIN_SECONDS)

    async def close(self) -> None:
        if not self.polling.done():
            await self.app.dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await self.polling
        await self.resources.aclose()


def sandbox_morning(zone: ZoneInfo) -> datetime:
    """08:00 today on the team's wall clock: the sandbox's day starts there, whatever the hour,
    so the demo story's "17h hôm nay" is always ahead and the 07:30 digest is one click away."""
    today = SystemClock().now().astimezone(zone).date()
    return datetime.combine(today, time(8, 0), tzinfo=zone)


async def open_sandbox(
    settings: Settings, *, port: int = 0, database_url: str | None = None, roster: Path | None = None,
    clock: ManualClock | None = None, limits: Limits | None = None,
) -> SandboxRun:
    """Start the sandbox with the roster's people, then the bot polling it on a database of its own.

    Without `database_url` the database is a scratch file removed on close: the sandbox's chats
    live in memory, so a database kept from an earlier run would point at messages that are gone.
    """
    from bot.sandbox.demo import populate
    from bot.sandbox.server import SandboxServer

    roster = roster or settings.roster or DEMO_ROSTER
    roster_file = load_roster(roster)
    clock = clock or ManualClock(sandbox_morning(settings.zone))
    token = f"{secrets.randbelow(9 * 10**8) + 10**8}:sandbox{secrets.token_urlsafe(24)}"
    resources = contextlib.AsyncExitStack()
    try:
        if database_url is None:
            folder = resources.enter_context(tempfile.TemporaryDirectory(prefix="dieuphoi-sandbox-"))
            database_url = f"sqlite+aiosqlite:///{Path(folder) / 'sandbox.db'}"
        server = SandboxServer(host="127.0.0.1", port=port, bot_token=token, bot_username=SANDBOX_BOT_USERNAME)
        server.state.wall_clock = lambda: clock.now().timestamp()  # message dates follow the bot's clock
        await server.start()
        resources.push_async_callback(server.stop)
        populate(server.state, roster_file)
        server.webchat.show_roster(roster_file)
        sandbox_settings = settings.model_copy(update={
            "bot_token": SecretStr(token), "api_url": server.url, "database_url": database_url, "roster": roster,
        })
        await prepare_database(sandbox_settings, clock, roster)
        app = build_app(sandbox_settings, clock=clock, limits=limits)
        resources.push_async_callback(app.stop)
        await start(app)
    except BaseException:
        await resources.aclose()
        raise
    run = SandboxRun(server, app, clock, asyncio.create_task(poll(app), name="polling"), resources)
    server.webchat.connect_clock(clock.now, settings.zone, run.advance)
    return run


async def run_sandbox(settings: Settings, *, port: int | None, announce: bool) -> int:
    """The local Bot API sandbox plus the real bot pointed at it, with the demo roster and story.

    The sandbox gets a fresh random token and, unless DIEUPHOI_DATABASE_URL is set, a scratch
    database of its own, so a demo never touches production data.
    """
    explicit = settings.database_url if "database_url" in settings.model_fields_set else None
    run = await open_sandbox(settings, port=8081 if port is None else port, database_url=explicit)
    try:
        await tell_the_story(run)
        lead = "No DIEUPHOI_BOT_TOKEN set: open" if announce else "Open"
        print(f"{lead} {run.server.webchat_url} to play every person of the demo team "
              f"(Bot API sandbox and control API at {run.server.url}).", flush=True)
        await run.polling
    finally:
        await run.close()
    return 0


async def tell_the_story(run: SandboxRun) -> None:
    """The demo story (bot.sandbox.story). It is a nicety: if it fails, the sandbox serves without it."""
    from bot.sandbox.story import play_story

    try:
        await play_story(run.server.url, run.app)
    except Exception:
        log.exception("the demo story failed; the sandbox starts without it")


async def bot_username(settings: Settings) -> str:
    """The bot's @username for invitation links: asked of the Bot API, or the sandbox's."""
    if not settings.token:
        return SANDBOX_BOT_USERNAME
    bot: Bot = make_bot(settings)
    try:
        me = await asyncio.wait_for(bot.get_me(), timeout=15)
    finally:
        await bot.session.close()
    return me.username or "bot"
