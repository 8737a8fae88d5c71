"""Operability: `dieuphoi health` and the one-line-per-update log."""

import logging
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from bot.config import Settings
from bot.health import run_checks
from bot.storage import Storage
from bot.ui import Message
from bot.outbox.service import enqueue
from tests.e2e.harness import Harness
from tests.reliability.services import REDIS_URL

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


async def test_health_fails_on_an_old_outbox_backlog_and_an_unreachable_redis(database_url: str) -> None:
    settings = Settings(database_url=database_url, redis_url=REDIS_URL, bot_token=SecretStr("123:abcdefghijklmn"))
    checks = await run_checks(settings, now=NOW, max_outbox_age=timedelta(minutes=5), bot_api=False)
    assert [(c.name, c.ok) for c in checks] == [("database", True), ("outbox", True), ("redis", True)]

    storage = Storage.from_url(database_url)
    async with storage.transaction() as session:
        await enqueue(session, 1004, Message("chờ lâu"), now=NOW - timedelta(minutes=6))
    await storage.close()
    broken = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    checks = await run_checks(broken, now=NOW, max_outbox_age=timedelta(minutes=5), bot_api=False)
    lines = [c.line() for c in checks]
    assert lines[1] == "FAIL outbox: 1 pending, oldest waiting 360s (more than 300s)"
    assert lines[2].startswith("FAIL redis: ")

    missing = settings.model_copy(update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none"})
    checks = await run_checks(missing, now=NOW, max_outbox_age=timedelta(minutes=5), bot_api=False)
    assert checks[0].name == "database" and not checks[0].ok


async def test_each_update_is_one_log_line_with_its_context(harness: Harness, caplog) -> None:
    caplog.set_level(logging.INFO, logger="dieuphoi.updates")
    sent = await harness.person(1004).says("/ngonngu xin chào bí mật của công dân")
    await harness.reply_to(sent)
    lines = [r for r in caplog.records if r.name == "dieuphoi.updates" and getattr(r, "fields", {}).get("update") == sent.update_id]
    assert len(lines) == 1
    fields = lines[0].fields
    assert fields["chat"] == 1004 and fields["member"] == 1004 and fields["action"] == "change_language"
    assert fields["outcome"] == "done" and fields["type"] == "message" and "ms" in fields
    assert "bí mật" not in caplog.text  # never a message's text
