"""A `dieuphoi sandbox` in-process: the sandbox on a random port, the real bot polling it,
a temporary database and a clock the test (or the page's clock buttons) moves."""

from collections.abc import AsyncIterator

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.telegram.runner import SandboxRun, open_sandbox
from tests.e2e.harness import start_of_test_day


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
        await run.close()
