"""The delivery worker's passes (bot.telegram.delivery) against a stand-in for the Bot API.

What a pass costs in SQL is part of what is tested: an idle pass only reads, and an edit
learns its target's message id from the query that finds it.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from aiogram.exceptions import TelegramBadRequest
from sqlalchemy import select, update

from bot.clock import ManualClock
from bot.outbox.models import OutboxMessage, Status
from bot.outbox.service import enqueue, enqueue_edit
from bot.reachability import UnreachableChat
from bot.storage import Storage
from bot.telegram.delivery import IN_FLIGHT, UNREACHABLE, Delivery
from bot.ui import Message
from tests.unit.statements import statements

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


class FakeBot:
    """Answers like the Bot API; `refuse_edits` makes every edit fail with that description."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, str, int]] = []
        self.last_message_id = 7000
        self.refuse_edits: str | None = None

    async def send_message(self, chat_id: int, text: str, **_: object) -> SimpleNamespace:
        self.last_message_id += 1
        self.calls.append(("send", chat_id, text, self.last_message_id))
        return SimpleNamespace(message_id=self.last_message_id)

    async def edit_message_text(self, *, text: str, chat_id: int, message_id: int, **_: object) -> None:
        self.calls.append(("edit", chat_id, text, message_id))
        if self.refuse_edits:
            raise TelegramBadRequest(method=None, message=self.refuse_edits)  # type: ignore[arg-type]


@pytest.fixture
def bot() -> FakeBot:
    return FakeBot()


@pytest.fixture
async def delivery(storage: Storage, bot: FakeBot) -> AsyncIterator[Delivery]:
    # A long poll, so that whatever the running worker does is what a pass asked for.
    worker = Delivery(bot, storage, ManualClock(NOW, running=False), poll_seconds=60)  # type: ignore[arg-type]
    if worker.sender_lock is not None:  # PostgreSQL: this process is the one that sends
        assert await worker.sender_lock.hold()
    yield worker
    if worker.sender_lock is not None:
        await worker.sender_lock.release()


async def queue(storage: Storage, chat_id: int, text: str, *, at: datetime = NOW) -> OutboxMessage:
    async with storage.transaction() as session:
        row = await enqueue(session, chat_id, Message(text), now=at)
        assert row is not None
        return row


async def row_of(storage: Storage, outbox_id: int) -> OutboxMessage:
    async with storage.read() as session:
        row = await session.get(OutboxMessage, outbox_id)
        assert row is not None
        return row


async def test_an_idle_pass_only_reads(storage: Storage, delivery: Delivery, bot: FakeBot) -> None:
    with statements(storage) as empty:
        assert await delivery.deliver_due() == 0
    await queue(storage, 5, "later", at=NOW + timedelta(hours=1))  # not due yet
    await queue(storage, 6, "paced")
    delivery.pacer.block(6, 60)  # due, but the chat is held back by pacing
    with statements(storage) as nothing_ready:
        assert await delivery.deliver_due() == 0

    assert bot.calls == []
    for seen in (empty, nothing_ready):
        assert seen.commits == 0
        assert seen.like("BEGIN IMMEDIATE", "UPDATE", "INSERT", "DELETE") == []
        assert not [s for s in seen.sql if "FOR UPDATE" in s]
        assert len(seen.like("SELECT")) == 1


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the worker never got there")


async def test_the_worker_passes_again_at_once_only_while_a_chat_has_more(
    storage: Storage, delivery: Delivery, bot: FakeBot
) -> None:
    await queue(storage, 5, "một")
    await queue(storage, 5, "hai")
    await queue(storage, 6, "ba")
    with statements(storage) as seen:
        worker = asyncio.create_task(delivery.run())
        await until(lambda: len(bot.calls) == 3 and delivery._idle.is_set())
        delivery.finish()
        await worker
    assert [text for _, _, text, _ in bot.calls] == ["một", "ba", "hai"]
    assert len(seen.like("SELECT")) == 2  # the pass that sent "hai" knew nothing was left: no empty pass


async def test_an_edit_goes_to_its_targets_message_without_a_read_of_its_own(
    storage: Storage, delivery: Delivery, bot: FakeBot
) -> None:
    card = await queue(storage, 5, "Việc #1: 20%")
    assert await delivery.deliver_due() == 1
    async with storage.transaction() as session:
        edit = await enqueue_edit(session, 5, Message("Việc #1: 40%"), now=NOW, target_id=card.id)
    with statements(storage) as seen:
        assert await delivery.deliver_due() == 1

    assert bot.calls == [("send", 5, "Việc #1: 20%", 7001), ("edit", 5, "Việc #1: 40%", 7001)]
    assert len(seen.like("SELECT")) == 1  # the query that found the edit
    assert seen.commits == 2  # taking it, recording it
    sent = await row_of(storage, edit.id)
    assert (sent.status, sent.message_id, sent.target_message_id) == (Status.SENT, 7001, None)


async def test_an_edit_telegram_finds_unchanged_is_recorded_as_sent(
    storage: Storage, delivery: Delivery, bot: FakeBot
) -> None:
    card = await queue(storage, 5, "Việc #1")
    await delivery.deliver_due()
    async with storage.transaction() as session:
        edit = await enqueue_edit(session, 5, Message("Việc #1"), now=NOW, target_id=card.id)
    bot.refuse_edits = "Bad Request: message is not modified: specified new message content and reply markup " \
                       "are exactly the same as a current content and reply markup of the message"
    assert await delivery.deliver_due() == 1
    sent = await row_of(storage, edit.id)
    assert (sent.status, sent.message_id) == (Status.SENT, 7001)


async def test_an_edit_whose_target_never_arrived_fails_without_a_call(
    storage: Storage, delivery: Delivery, bot: FakeBot
) -> None:
    card = await queue(storage, 5, "Việc #1")
    async with storage.transaction() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == card.id)
                              .values(status=Status.FAILED, error="refused"))
        edit = await enqueue_edit(session, 5, Message("Việc #1: 40%"), now=NOW, target_id=card.id)
    assert await delivery.deliver_due() == 1
    assert bot.calls == []
    failed = await row_of(storage, edit.id)
    assert failed.status == Status.FAILED and "message to edit not found" in (failed.error or "")


async def test_an_unreachable_chat_gets_nothing_and_the_others_keep_their_order(
    storage: Storage, delivery: Delivery, bot: FakeBot
) -> None:
    async with storage.transaction() as session:
        session.add(UnreachableChat(chat_id=6, reason="Forbidden: bot was blocked by the user", since=NOW))
    blocked = [await queue(storage, 6, "một"), await queue(storage, 6, "hai")]
    await queue(storage, 7, "thứ nhất")
    await queue(storage, 7, "thứ hai")

    assert await delivery.deliver_due() == 1  # a chat's next message waits behind the one just sent
    assert await delivery.deliver_due() == 1
    assert await delivery.deliver_due() == 0
    assert [(chat, text) for _, chat, text, _ in bot.calls] == [(7, "thứ nhất"), (7, "thứ hai")]
    for row in blocked:
        given_up = await row_of(storage, row.id)
        assert (given_up.status, given_up.error) == (Status.FAILED, UNREACHABLE)


async def test_what_changed_between_finding_and_taking_is_not_taken(
    storage: Storage, delivery: Delivery, bot: FakeBot
) -> None:
    free, blocked, leased = await queue(storage, 1, "free"), await queue(storage, 2, "blocked"), \
        await queue(storage, 3, "leased")
    find_due = delivery._find_due

    async def find_then_others_act(now: datetime) -> list[tuple[OutboxMessage, bool]]:
        found = await find_due(now)
        async with storage.transaction() as session:  # after the read, before the take
            session.add(UnreachableChat(chat_id=2, reason="Forbidden: bot was blocked by the user", since=NOW))
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == leased.id).values(
                next_attempt_at=NOW + timedelta(seconds=60), attempts=1, error=IN_FLIGHT))  # another process
        return found

    delivery._find_due = find_then_others_act  # type: ignore[method-assign]
    assert await delivery.deliver_due() == 1
    delivery._find_due = find_due  # type: ignore[method-assign]
    assert await delivery.deliver_due() == 0

    assert [chat for _, chat, _, _ in bot.calls] == [1]
    assert (await row_of(storage, free.id)).status == Status.SENT
    assert (await row_of(storage, blocked.id)).status == Status.FAILED  # given up at the next pass
    other = await row_of(storage, leased.id)
    assert (other.status, other.attempts) == (Status.PENDING, 1)  # still the other process's


async def test_a_claim_counts_the_attempt_once(storage: Storage, delivery: Delivery) -> None:
    row = await queue(storage, 5, "một")
    await delivery.deliver_due()
    async with storage.read() as session:
        assert await session.scalar(select(OutboxMessage.attempts).where(OutboxMessage.id == row.id)) == 1
