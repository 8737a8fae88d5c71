from collections.abc import AsyncIterator

import pytest

from tests.e2e.harness import DEMO_ROSTER, Harness, start_of_test_day
from bot.clock import ManualClock


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[Harness]:
    """The demo team, the bot running against the sandbox, the clock at Wed 25/11/2026 09:00."""
    h = Harness(database_url, ManualClock(start_of_test_day()))
    await h.open(DEMO_ROSTER.read_text(encoding="utf-8"))
    try:
        yield h
    finally:
        await h.close()
