"""An update that loses a race with another transaction is handled again, not parked."""

from datetime import UTC, datetime
from typing import Any

from aiogram.types import Chat, Message, Update, User
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.audit import AuditEntry, record
from bot.clock import ManualClock
from bot.inbox import InboxStatus, InboxUpdate
from bot.sender import Sender
from bot.storage import Storage
from bot.telegram.middleware import RACE_ATTEMPTS, InboxMiddleware

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def an_update(update_id: int) -> Update:
    message = Message(message_id=1, date=NOW, chat=Chat(id=5, type="private"),
                      from_user=User(id=5, is_bot=False, first_name="A"), text="xong")
    return Update(update_id=update_id, message=message)


async def handle(storage: Storage, update: Update, fail_times: int) -> tuple[str, int]:
    calls = 0

    async def handler(event: Any, data: dict[str, Any]) -> str:
        nonlocal calls
        calls += 1
        async with storage.transaction() as session:
            record(session, at=NOW, action="x", subject="y", actor=1, team_id=None)
        if calls <= fail_times:
            raise IntegrityError("INSERT INTO people", {}, Exception("duplicate key"))
        return "handled"

    clock = ManualClock(NOW)
    middleware = InboxMiddleware(storage, clock, Sender(storage, clock))
    await middleware(handler, update, {"bot": None, "event_chat": update.message.chat if update.message else None})
    async with storage.read() as session:
        status = await session.scalar(select(InboxUpdate.status).where(InboxUpdate.update_id == update.update_id))
    return str(status), calls


async def audit_rows(storage: Storage) -> int:
    async with storage.read() as session:
        return await session.scalar(select(func.count()).select_from(AuditEntry)) or 0


async def test_a_lost_race_is_rolled_back_and_handled_again(storage: Storage) -> None:
    status, calls = await handle(storage, an_update(1), fail_times=1)
    assert (status, calls) == (InboxStatus.DONE, 2)
    assert await audit_rows(storage) == 1  # the first attempt left nothing behind


async def test_an_update_that_keeps_losing_is_parked(storage: Storage) -> None:
    status, calls = await handle(storage, an_update(2), fail_times=RACE_ATTEMPTS)
    assert (status, calls) == (InboxStatus.PARKED, RACE_ATTEMPTS)
    assert await audit_rows(storage) == 0
