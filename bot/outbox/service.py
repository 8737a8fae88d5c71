"""Putting messages in the outbox. Nothing sends to Telegram directly.

enqueue() writes in the caller's session, so a message exists exactly when
the change that causes it is committed. A dedupe key makes recording a
reminder idempotent, also between two processes racing for it.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import upsert
from bot.outbox.models import Kind, OutboxMessage, Status
from bot.outbox.split import split_html
from bot.storage import OUTBOX_DIRTY
from bot.ui import Message

FOUND_BY_MESSAGE = "outbox_found_by_message"  # session.info key of find_by_message's answers


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    caption: str | None = None


async def enqueue(
    session: AsyncSession,
    chat_id: int,
    message: Message,
    *,
    now: datetime,
    team_id: int | None = None,
    ref: str | None = None,
    reply_to_message_id: int | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Queue a message (split if long; buttons go with the last part).

    Returns the last part's row, or None when dedupe_key was already recorded.
    """
    parts = split_html(message.text)
    rows = [
        OutboxMessage(
            chat_id=chat_id,
            kind=Kind.SEND,
            text=part,
            reply_markup=message.markup() if index == len(parts) - 1 else None,
            reply_to_message_id=reply_to_message_id if index == 0 else None,
            team_id=team_id,
            ref=ref,
            dedupe_key=dedupe_key if index == len(parts) - 1 else None,
            **_fresh(now),
        )
        for index, part in enumerate(parts)
    ]
    return await _add(session, rows, dedupe_key)


async def enqueue_edit(
    session: AsyncSession,
    chat_id: int,
    message: Message,
    *,
    now: datetime,
    target_id: int | None = None,
    target_message_id: int | None = None,
    team_id: int | None = None,
    ref: str | None = None,
    supersede: bool = True,
) -> OutboxMessage:
    """Queue an edit in place of a message the bot sent (by outbox row or Telegram id).

    Earlier edits of the same message still waiting are superseded: only the
    last state matters to the reader. `supersede=False` skips that UPDATE for a
    caller that has just read, in this transaction, that none waits (`edit_waiting`).
    """
    if (target_id is None) == (target_message_id is None):
        raise ValueError("an edit names its target by outbox row or by message id")
    target = OutboxMessage.target_id == target_id if target_id else OutboxMessage.target_message_id == target_message_id
    if supersede:
        await session.execute(
            update(OutboxMessage).where(target, *_waiting_edit(chat_id)).values(status=Status.SUPERSEDED)
        )
    row = OutboxMessage(
        chat_id=chat_id, kind=Kind.EDIT, text=message.text, reply_markup=message.markup(),
        target_id=target_id, target_message_id=target_message_id, team_id=team_id, ref=ref, **_fresh(now),
    )
    added = await _add(session, [row], None)
    assert added is not None
    return added


async def enqueue_file(
    session: AsyncSession,
    chat_id: int,
    attachment: Attachment,
    *,
    now: datetime,
    photo: bool = False,
    team_id: int | None = None,
    ref: str | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    row = OutboxMessage(
        chat_id=chat_id, kind=Kind.PHOTO if photo else Kind.DOCUMENT, text=attachment.caption,
        file_name=attachment.name, file_data=attachment.data, team_id=team_id, ref=ref,
        dedupe_key=dedupe_key, **_fresh(now),
    )
    return await _add(session, [row], dedupe_key)


def _waiting_edit(chat_id: int) -> tuple[ColumnElement[bool], ...]:
    """An edit in this chat not yet attempted: `enqueue_edit` supersedes those of its target."""
    return (OutboxMessage.kind == Kind.EDIT, OutboxMessage.status == Status.PENDING,
            OutboxMessage.chat_id == chat_id, OutboxMessage.attempts == 0)


def edit_waiting(chat_id: int, target_id: int) -> Exists:
    """Whether an edit of the message sent by outbox row `target_id` waits to be attempted, as a column
    for a query that reads about that message anyway; when false, `enqueue_edit(supersede=False)`."""
    return select(OutboxMessage.id).where(OutboxMessage.target_id == target_id, *_waiting_edit(chat_id)).exists()


def _fresh(now: datetime) -> dict[str, object]:
    return {"status": Status.PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now}


async def _add(session: AsyncSession, rows: list[OutboxMessage], dedupe_key: str | None) -> OutboxMessage | None:
    """Add the rows; with a dedupe key, nothing at all if that key was recorded already.

    The keyed row (the last) is inserted with ON CONFLICT DO NOTHING: a second
    process racing for the same key waits for the first and then adds nothing,
    without the savepoint that catching a unique violation would need.
    """
    if dedupe_key is not None:
        *earlier, keyed = rows
        if earlier and await session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
            return None  # recorded already: not even the parts before the keyed one
        if earlier:
            session.add_all(earlier)
            await session.flush()  # the parts before the keyed one get the lower ids: they go out first
        last = await _insert_unless_recorded(session, keyed)
        if last is None:  # recorded already, perhaps by another process just now
            for row in earlier:
                await session.delete(row)
            await session.flush()
            return None
    else:
        session.add_all(rows)
        await session.flush()
        last = rows[-1]
    session.info[OUTBOX_DIRTY] = True
    return last


async def _insert_unless_recorded(session: AsyncSession, row: OutboxMessage) -> OutboxMessage | None:
    """Insert the row unless its dedupe key exists; the inserted row, in one statement."""
    values = {column.key: getattr(row, column.key) for column in OutboxMessage.__table__.columns
              if column.key != "id" and getattr(row, column.key) is not None}
    return await session.scalar(
        upsert(session, OutboxMessage).values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage)
    )


async def find_by_message(session: AsyncSession, chat_id: int, message_id: int) -> OutboxMessage | None:
    """The outbox row that sent a message, e.g. the card a member replied to (never one of its edits,
    which record the same message_id).

    Remembered for the session: while an update is handled, every flow's filter asks
    which message a reply answers, and the answer does not change meanwhile.
    """
    found: dict[tuple[int, int], OutboxMessage | None] = session.info.setdefault(FOUND_BY_MESSAGE, {})
    if (chat_id, message_id) not in found:
        found[chat_id, message_id] = await session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.message_id == message_id,
                   OutboxMessage.kind.in_([Kind.SEND, Kind.DOCUMENT, Kind.PHOTO]))
            .order_by(OutboxMessage.id)
            .limit(1)
        )
    return found[chat_id, message_id]
