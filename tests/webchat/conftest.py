"""A `dieuphoi sandbox` in-process: the sandbox on a random port, the real bot polling it,
a temporary database and a clock the test (or the page's clock buttons) moves."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.outbox.models import OutboxMessage, Status
from bot.telegram.runner import SandboxRun, open_sandbox
from tests.e2e.harness import start_of_test_day

SETTLE_SECONDS = 60


@pytest.fixture
async def sandbox_run(database_url: str) -> AsyncIterator[SandboxRun]:
    """The demo team, nobody has written yet, the bot's clock at Wed 25/11/2026 09:00 (Hà Nội).

    Pacing and the sandbox's flood limits are those of `dieuphoi sandbox`, so a test that ends
    with no Bot API errors shows the demo stays within Telegram's limits too."""
    run = await open_sandbox(Settings(database_url=database_url), port=0, database_url=database_url,
                             clock=ManualClock(start_of_test_day()))
    try:
        yield run
    finally:
        await settled(run)
        await run.close()


async def settled(run: SandboxRun) -> None:
    """Wait until the outbox is empty (group messages go out at 20 a minute), so the bot stops idle:
    the delivery worker is then never cancelled in the middle of a send."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_SECONDS
    while loop.time() < deadline:
        async with run.app.storage.read() as session:
            pending = await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == Status.PENDING))
        if not pending:
            return
        await asyncio.sleep(0.1)
