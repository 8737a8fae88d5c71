"""A message queued with a dedupe key is queued once, all its parts in order."""

from datetime import UTC, datetime

from sqlalchemy import select

from bot.outbox.models import OutboxMessage
from bot.outbox.service import enqueue
from bot.storage import Storage
from bot.ui import Message

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


async def queued(storage: Storage) -> list[OutboxMessage]:
    async with storage.read() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_a_keyed_message_is_queued_once(storage: Storage) -> None:
    for _ in range(2):
        async with storage.transaction() as session:
            row = await enqueue(session, 5, Message("Nhắc việc #1"), now=NOW, dedupe_key="reminder:1")
            assert (row is not None) == (_ == 0)
    rows = await queued(storage)
    assert [(r.text, r.dedupe_key) for r in rows] == [("Nhắc việc #1", "reminder:1")]


async def test_a_long_keyed_message_is_queued_once_with_its_parts_in_order(storage: Storage) -> None:
    text = "\n".join(f"dòng {n}: " + "x" * 90 for n in range(100))  # over 4096 characters
    for _ in range(2):
        async with storage.transaction() as session:
            await enqueue(session, 5, Message(text), now=NOW, dedupe_key="digest:1")
    rows = await queued(storage)
    assert len(rows) >= 3
    assert [line for r in rows for line in (r.text or "").splitlines() if line] == text.splitlines()
    assert [r.dedupe_key for r in rows] == [None] * (len(rows) - 1) + ["digest:1"]
