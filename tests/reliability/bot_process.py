"""The real bot as a process of its own, for the tests that kill it or run two of it.

    python -m tests.reliability.bot_process poll|workers|webhook --clock-file F

Settings come from DIEUPHOI_* variables as in production; the app is built by
bot.telegram.app.build_app like `dieuphoi run`. Two things only the tests add:
the clock reads an offset (seconds, as text) from --clock-file at every look,
so the test can move time in this process, and the test reminder kind is
registered. `workers` runs the scheduler and the delivery worker without
taking updates; `webhook` is `dieuphoi run --webhook` (migrate, import
DIEUPHOI_ROSTER if set, serve, set the webhook). SIGTERM stops `workers` and
`webhook` cleanly, as it stops `dieuphoi run` (the sender lock is released).
"""

import argparse
import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.commands_cli import until_terminated
from bot.config import load_settings
from bot.logs import setup_logging
from bot.telegram.app import App, build_app, poll, start
from bot.telegram.pacing import Limits
from bot.telegram.runner import prepare_database
from bot.telegram.webhook import run_webhook
from tests.reliability.support import register_ping

FAST = Limits(private_rate=50, private_burst=20, group_rate=50, group_burst=20, global_rate=500, global_burst=50)


class FileClock:
    """Real time plus an offset the test writes to a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> datetime:
        try:
            offset = float(self.path.read_text() or 0)
        except (OSError, ValueError):  # being rewritten this very moment
            offset = float(getattr(self, "_last", 0.0))
        self._last = offset
        return datetime.now(UTC) + timedelta(seconds=offset)


async def main(mode: str, clock_file: Path, fast: bool) -> None:
    settings = load_settings()
    setup_logging(secrets=settings.secrets, level=logging.INFO)
    clock = FileClock(clock_file)
    if mode == "webhook":
        await prepare_database(settings, clock, settings.roster)
    app = build_app(settings, clock=clock, limits=FAST if fast else None, webhook=mode == "webhook")
    register_ping(app.sweeper.handlers)
    app.delivery.backoff_base = 0.1
    app.catch_up_after = timedelta(0)  # a digest owed at start: at once, as the tests expect it with the reminders
    if mode == "workers":
        await until_terminated(workers(app))
    elif mode == "webhook":
        await until_terminated(webhook(app))
    else:
        await start(app)
        await poll(app)


async def workers(app: App) -> int:
    try:
        await app.start_workers()
        await asyncio.Event().wait()
    finally:
        await app.stop()
    return 0


async def webhook(app: App) -> int:
    await run_webhook(app)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["poll", "workers", "webhook"])
    parser.add_argument("--clock-file", type=Path, required=True)
    parser.add_argument("--fast", action="store_true", help="the tests' fast pacing")
    args = parser.parse_args()
    asyncio.run(main(args.mode, args.clock_file, args.fast))
