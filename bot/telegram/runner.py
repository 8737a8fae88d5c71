"""Starting the bot for real, or against the local sandbox when there is no token."""

import asyncio
import logging
import os
import secrets
from pathlib import Path

from aiogram import Bot
from pydantic import SecretStr

from bot.clock import Clock, ManualClock, SystemClock
from bot.config import Settings
from bot.migrate import upgrade_async
from bot.roster.file import load_roster
from bot.roster.service import import_roster
from bot.storage import Storage
from bot.telegram.app import build_app, make_bot, run_polling

log = logging.getLogger("dieuphoi")

DEMO_ROSTER = Path(__file__).resolve().parent.parent / "roster" / "demo.yaml"
SANDBOX_DATABASE = "sqlite+aiosqlite:///./dieuphoi-sandbox.db"
SANDBOX_BOT_USERNAME = "dieuphoi_bot"


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


async def run_sandbox(settings: Settings, *, port: int | None, announce: bool) -> int:
    """The local Bot API sandbox plus the real bot pointed at it, with the demo roster.

    The sandbox gets a fresh random token and, unless DIEUPHOI_DATABASE_URL is
    set, a database file of its own, so a demo never touches production data.
    """
    from bot.sandbox.demo import populate
    from bot.sandbox.server import SandboxServer

    token = f"{secrets.randbelow(9 * 10**8) + 10**8}:sandbox{secrets.token_urlsafe(24)}"
    server = SandboxServer(host="127.0.0.1", port=8081 if port is None else port, bot_token=token,
                           bot_username=SANDBOX_BOT_USERNAME)
    await server.start()
    roster = settings.roster or DEMO_ROSTER
    populate(server.state, load_roster(roster))
    sandbox_settings = settings.model_copy(update={
        "bot_token": SecretStr(token),
        "api_url": server.url,
        "database_url": settings.database_url if "DIEUPHOI_DATABASE_URL" in os.environ else SANDBOX_DATABASE,
        "roster": roster,
    })
    lead = "No DIEUPHOI_BOT_TOKEN set: serving" if announce else "Serving"
    print(f"{lead} the local Bot API sandbox at {server.control_url} with the demo roster.", flush=True)
    try:
        await run_bot(sandbox_settings, ManualClock())
    finally:
        await server.stop()
    return 0


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
