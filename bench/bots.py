"""The bots the benchmarks start in a process of their own, polling the sandbox over HTTP.

    python -m bench.bots echo        a bare aiogram echo bot: the baseline
    python -m bench.bots dieuphoi    dieuphoi as `dieuphoi run` starts it, with pacing lifted
    python -m bench.bots durable     the echo bot, keeping each update and its answer in the
                                     database (dieuphoi's Storage, 3 statements in 2 transactions):
                                     the least a bot that never loses an answer does on this stack
    python -m bench.bots plumbing    dieuphoi with its handlers replaced by one echo: the update
                                     path alone (inbox, who writes, permissions, flood guard,
                                     outbox, delivery), the floor of any dieuphoi answer

Each reads DIEUPHOI_BOT_TOKEN and DIEUPHOI_API_URL (dieuphoi, plumbing and durable
read all their DIEUPHOI_* settings, the database among them) and stops cleanly on SIGTERM.

dieuphoi's own pacing (30 messages a second overall, one a second per chat)
is lifted here, and the sandbox's flood limits are off: the throughput
benchmark measures how many updates the bot can handle, not Telegram's
limits, which the pacing benchmark measures.

The package `bot` is imported before aiogram, as `dieuphoi run` does, so both
bots build aiogram's models when first used (bot/telegram/lazy_models.py):
that changes their start, not the answers per second measured here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import bot as dieuphoi  # noqa: F401  first: aiogram then builds its models when first used, as in `dieuphoi run`
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message, Update
from sqlalchemy import BigInteger, Boolean, Column, Engine, Integer, MetaData, Table, Text, event, insert, update

from bot.clock import SystemClock
from bot.commands_cli import until_terminated
from bot.config import Settings, load_settings
from bot.logs import setup_logging
from bot.sender import Sender
from bot.telegram.pacing import Limits
from bot.ui import Message as Reply
from bot.ui import esc

UNPACED = Limits(private_rate=1e6, private_burst=1e6, group_rate=1e6, group_burst=1e6,
                 global_rate=1e6, global_burst=1e6)


async def echo_reply(message: Message) -> None:
    await message.answer(message.text or "…")


async def poll_bare(settings: Settings, handler: Callable[..., Awaitable[None]]) -> int:
    """A bare aiogram bot whose one handler answers every message, polling until SIGTERM."""
    assert settings.token, "DIEUPHOI_BOT_TOKEN is needed"
    bot = Bot(settings.token, session=AiohttpSession(api=TelegramAPIServer.from_base(settings.api_url)))
    dispatcher = Dispatcher()
    dispatcher.message.register(handler)
    await dispatcher.start_polling(bot, handle_signals=True)
    return 0


async def run_echo() -> int:
    return await poll_bare(load_settings(), echo_reply)


floor_tables = MetaData()
floor_inbox = Table("bench_inbox", floor_tables, Column("update_id", BigInteger, primary_key=True))
floor_outbox = Table("bench_outbox", floor_tables, Column("id", Integer, primary_key=True),
                     Column("chat_id", BigInteger, nullable=False), Column("text", Text, nullable=False),
                     Column("sent", Boolean, nullable=False, default=False))


async def run_durable_echo() -> int:
    """The echo bot with the durability the brief asks of every answer, and nothing else: the
    update and its answer are committed before the answer is sent, the answer marked sent after."""
    from bot.storage import Storage

    settings = load_settings()
    storage = Storage.from_url(settings.database_url)
    async with storage.engine.begin() as connection:
        await connection.run_sync(floor_tables.create_all)

    async def durable_echo(message: Message, event_update: Update) -> None:
        text = message.text or "…"
        async with storage.transaction() as session:
            await session.execute(insert(floor_inbox).values(update_id=event_update.update_id))
            answer = await session.scalar(
                insert(floor_outbox).values(chat_id=message.chat.id, text=text).returning(floor_outbox.c.id))
        await message.answer(text)
        async with storage.transaction() as session:
            await session.execute(update(floor_outbox).where(floor_outbox.c.id == answer).values(sent=True))

    try:
        return await poll_bare(settings, durable_echo)
    finally:
        await storage.close()


async def echo_through_outbox(message: Message, sender: Sender) -> None:
    await sender.send(message.chat.id, Reply(esc(message.text or "…")))


async def run_plumbing() -> int:
    router = Router(name="echo")
    router.message.register(echo_through_outbox)
    return await run_dieuphoi(router)


async def run_dieuphoi(router: Router | None = None) -> int:
    from bot.telegram.app import build_app, run_polling
    from bot.telegram.runner import prepare_database

    settings = load_settings()
    await prepare_database(settings, SystemClock(), settings.roster)
    app = build_app(settings, limits=UNPACED, router=router)
    if counts_file := os.environ.get("DIEUPHOI_BENCH_COUNTS"):
        asyncio.get_running_loop().create_task(report_counts(app.storage.engine.sync_engine, Path(counts_file)))

    async def polling() -> int:
        await run_polling(app)
        return 0

    return await until_terminated(polling())


async def report_counts(engine: Engine, path: Path) -> None:
    """Keep `path` up to date with how many SQL statements and commits the bot has sent."""
    counts = {"statements": 0, "commits": 0}

    def statement(*_: object) -> None:
        counts["statements"] += 1

    def commit(*_: object) -> None:
        counts["commits"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    while True:
        path.write_text(json.dumps(counts))
        await asyncio.sleep(0.1)


def main() -> int:
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    runners = {"echo": run_echo, "durable": run_durable_echo, "dieuphoi": run_dieuphoi, "plumbing": run_plumbing}
    if kind not in runners:
        print(f"usage: python -m bench.bots {{{','.join(runners)}}}", file=sys.stderr)
        return 2
    settings = load_settings()
    level = logging.getLevelName(os.environ.get("DIEUPHOI_BENCH_LOG", "WARNING"))
    setup_logging(secrets=[settings.token or ""], level=level)
    if os.environ.get("DIEUPHOI_BENCH_SQL"):  # every statement, to count them per update
        logging.getLogger("sqlalchemy.engine.Engine").setLevel(logging.INFO)
    return asyncio.run(runners[kind]())


if __name__ == "__main__":
    sys.exit(main())
