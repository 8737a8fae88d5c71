"""The delivery worker: the only code that sends messages to Telegram.

It takes the oldest pending row of each chat (so a chat's messages keep their
order), claims it with a lease, calls the Bot API one message at a time and
records each outcome before the next call.
Transient failures (5xx, timeouts, dropped connections) are retried with
back-off; 429 is obeyed per chat; permanent refusals stop retrying and are
reported, and nothing more is attempted in that chat until the person
writes again (bot.reachability). A process killed mid-send leaves the row
claimed until its lease ends, then another pass delivers it again (at least
once; a duplicate only if the kill fell between Telegram's answer and our
commit: at most one per kill, and it is logged "may arrive twice").

A pass finds what is due with a read (one query, which also gives the
Telegram id of the message an edit or delete changes and whether the chat is
unreachable) and opens a write transaction only to take what it found, so an
idle pass never takes SQLite's write lock. Taking is a conditional update
(plus SKIP LOCKED on PostgreSQL): a row taken or changed since the read is
skipped, so several processes share the outbox without sending a row twice;
a Bot API request times out (bot.telegram.app.REQUEST_TIMEOUT) well within
the lease.

Pacing lives in this process's memory, so with several processes on
PostgreSQL only one sends: the worker that holds the sender lock
(bot.telegram.sender_lock). The others stand by, pass their commits on to it
and take over within seconds if it dies or stops. On SQLite it always sends.
"""

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from sqlalchemy import ColumnElement, Select, Update, bindparam, exists, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from bot.clock import Clock
from bot.metrics import Metrics
from bot.outbox.models import Kind, OutboxMessage, Status
from bot.reachability import UnreachableChat
from bot.storage import Storage
from bot.telegram.pacing import Pacer
from bot.telegram.sender_lock import SenderLock

log = logging.getLogger("dieuphoi.delivery")

LEASE = timedelta(seconds=60)
# The longest a send may take (bot.telegram.app.REQUEST_TIMEOUT, with a margin): well within the lease.
SEND_TIMEOUT = timedelta(seconds=25)
IN_FLIGHT = "in flight"
MAX_BACKOFF = 300.0
BATCH = 30

UNREACHABLE = "chat unreachable"
# Called inside the transaction that records the outcome, so it happens exactly once.
ChatMigrated = Callable[[AsyncSession, int, int], Awaitable[None]]
ChatUnreachable = Callable[[AsyncSession, int, str], Awaitable[None]]


# Other rows of the outbox, named once: an alias made per pass copies each of the table's
# columns, which cost more CPU than running the pass's queries.
_target = aliased(OutboxMessage, name="target")  # the message an edit or delete changes
_later = aliased(OutboxMessage, name="later")  # a message queued behind another in its chat
_free = aliased(OutboxMessage, name="free")  # a row as it is when taken
# The table itself, for the updates of every message sent: as Core statements they skip the
# ORM's bulk-update machinery (matching the session's objects), which no caller here needs.
_outbox = OutboxMessage.__table__


def _unreachable(chat_id: ColumnElement[int]) -> ColumnElement[bool]:
    return exists().where(UnreachableChat.chat_id == chat_id)


def _due_heads() -> Select[tuple[OutboxMessage, int | None, bool, bool]]:
    """The oldest pending row of each chat, if due at :now; with the Telegram id of the message
    it edits or deletes, whether its chat is unreachable, and whether more wait behind it."""
    behind = exists().where(_later.chat_id == OutboxMessage.chat_id, _later.status == Status.PENDING,
                            _later.id > OutboxMessage.id)
    heads = (
        select(func.min(OutboxMessage.id))
        .where(OutboxMessage.status == Status.PENDING)
        .group_by(OutboxMessage.chat_id)
    )
    return (
        select(OutboxMessage, _target.message_id, _unreachable(OutboxMessage.chat_id), behind)
        .outerjoin(_target, _target.id == OutboxMessage.target_id)
        .where(OutboxMessage.id.in_(heads), OutboxMessage.next_attempt_at <= bindparam("now"))
        .order_by(OutboxMessage.id)
        .limit(BATCH)
    )


def _take_statement(*, skip_locked: bool) -> Update:
    """Lease the rows :ids until :until, each only if still as read (:as_read: id, next attempt),
    pending and its chat reachable; returns the ids taken."""
    unchanged = (
        select(_free.id)
        .where(_free.id.in_(bindparam("ids", expanding=True)),  # (so the primary key finds them)
               tuple_(_free.id, _free.next_attempt_at).in_(bindparam("as_read", expanding=True)),
               _free.status == Status.PENDING, ~_unreachable(_free.chat_id))
    )
    if skip_locked:
        unchanged = unchanged.with_for_update(skip_locked=True)
    return (
        update(_outbox)
        .where(_outbox.c.id.in_(unchanged))
        .values(next_attempt_at=bindparam("until", type_=_outbox.c.next_attempt_at.type),
                attempts=_outbox.c.attempts + 1, error=IN_FLIGHT)
        .returning(_outbox.c.id)
    )


# Built once: a pass runs them whenever the worker wakes, and building one costs more than running it.
_DUE_HEADS = _due_heads()
_TAKE = {skip_locked: _take_statement(skip_locked=skip_locked) for skip_locked in (False, True)}


class _Head(NamedTuple):
    """The oldest pending row of a chat, as a pass found it."""

    row: OutboxMessage
    unreachable: bool  # the chat refuses messages: give up on it
    more_behind: bool  # the chat has more pending after it


class Delivery:
    def __init__(
        self,
        bot: Bot,
        storage: Storage,
        clock: Clock,
        *,
        pacer: Pacer | None = None,
        on_migrated: ChatMigrated | None = None,
        on_unreachable: ChatUnreachable | None = None,
        poll_seconds: float = 1.0,
        metrics: Metrics | None = None,
        sender_lock: SenderLock | None = None,
    ) -> None:
        self.bot, self.storage, self.clock = bot, storage, clock
        self.pacer = pacer or Pacer()
        self.on_migrated, self.on_unreachable = on_migrated, on_unreachable
        self.poll_seconds = poll_seconds
        self.metrics = metrics or Metrics()
        self.backoff_base = 0.5  # seconds; doubled per attempt up to MAX_BACKOFF
        self._in_flight: set[int] = set()  # rows this process is sending now
        self._stopping = False
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._soonest_ready = poll_seconds  # seconds until a chat held back by pacing may be sent to
        self._more_due = False  # after a pass: something is due at once (a chat sent to has more waiting)
        storage.on_outbox_commit(self.wake)
        # Who sends when several processes share the database (None: this one, always).
        self.sender_lock = sender_lock or SenderLock.for_storage(storage)
        if self.sender_lock is not None:
            self.sender_lock.on_notified = self.wake

    def wake(self) -> None:
        self._wake.set()

    def finish(self) -> None:
        """Stop after the message being sent now is recorded: a clean stop never duplicates."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Deliver until finish() is called (or the task is cancelled): while this process is the
        sender, when several share a PostgreSQL database; the sender lock is released on the way out."""
        try:
            await self._run()
        finally:
            if self.sender_lock is not None:
                await self.sender_lock.release()

    async def _stand_by(self, lock: SenderLock) -> None:
        """Another process sends: tell it of our commits until it is time to try for the lock again."""
        loop = asyncio.get_running_loop()
        until = loop.time() + lock.retry
        while not self._stopping and (left := until - loop.time()) > 0:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=left)
            except TimeoutError:
                return
            if not self._stopping:
                self._wake.clear()
                await lock.nudge()

    async def _sending(self) -> bool:
        """Is this process the one that sends? (Always, unless another holds the sender lock.)"""
        return self.sender_lock is None or await self.sender_lock.keep()

    async def _run(self) -> None:
        while not self._stopping:
            # Cleared before the pass, so a commit made during the pass wakes the next wait at once.
            self._wake.clear()
            if self.sender_lock is not None and not await self.sender_lock.hold():
                await self._stand_by(self.sender_lock)
                continue
            try:
                delivered = await self.deliver_due()
            except Exception:  # the worker must outlive any single failure...
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # ...but not a cancellation that surfaced as another error
                log.exception("delivery pass failed")
                delivered = 0
            if delivered and self._more_due:
                continue  # a chat's next message waited behind the one just sent
            self._idle.set()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=min(self.poll_seconds, self._soonest_ready))
            except TimeoutError:
                pass
            self._idle.clear()

    async def deliver_due(self) -> int:
        """One pass: send what is due and ready, one message at a time; returns how many were attempted.

        One at a time, each outcome committed before the next call: a process killed at
        any moment has at most one message Telegram accepted but we did not record, so a
        kill causes at most one duplicate. Rows not reached while their lease is still
        safe are given back, as are those left when this process stops being the sender.
        Nothing is sent while another process holds the sender lock.
        """
        if not await self._sending():
            return 0
        rows = await self._claim()
        safe_until = time.monotonic() + (LEASE - 2 * SEND_TIMEOUT).total_seconds()
        attempted = 0
        for index, row in enumerate(rows):
            if time.monotonic() > safe_until or self._stopping or not await self._sending():
                await self._release(rows[index:])
                self._more_due = True
                break
            attempted += 1
            try:
                await self._deliver(row)
            except Exception as error:
                log.error("recording the outcome of outbox %s failed (%s); it will be sent again after its lease",
                          row.id, type(error).__name__, exc_info=error)
            finally:
                self._in_flight.discard(row.id)
        return attempted

    async def _release(self, rows: list[OutboxMessage]) -> None:
        """Give back claimed rows never attempted, so no one waits for their lease."""
        try:
            async with self.storage.transaction() as session:
                await session.execute(
                    update(OutboxMessage).where(OutboxMessage.id.in_([row.id for row in rows]))
                    .values(next_attempt_at=self.clock.now(), error=None, attempts=OutboxMessage.attempts - 1)
                )
        finally:
            self._in_flight.difference_update(row.id for row in rows)

    async def drain(self, timeout: float = 30.0) -> None:
        """Deliver until nothing is due now nor being sent by this process (tests and shutdown).

        On PostgreSQL it sends only while this process is the sender (its run() holds the
        sender lock); otherwise it waits for the process that is."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if not await self.deliver_due() and not self._in_flight and not await self._due_count():
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("outbox did not drain")

    async def _due_count(self) -> int:
        async with self.storage.read() as session:
            return await session.scalar(
                select(func.count()).where(
                    OutboxMessage.status == Status.PENDING, OutboxMessage.next_attempt_at <= self.clock.now()
                )
            ) or 0

    async def _claim(self) -> list[OutboxMessage]:
        """Lease what is due and ready to this process, in outbox order.

        What is due is found by a read; a write transaction is opened only when there is
        something to take or to give up on, so an idle pass never takes SQLite's write lock.
        """
        now = self.clock.now()
        self._soonest_ready = self.poll_seconds
        heads = await self._find_due(now)
        wanted: list[OutboxMessage] = []
        unreachable: set[int] = set()
        for row, cannot_reach, _ in heads:
            if cannot_reach:
                unreachable.add(row.chat_id)
            elif row.id in self._in_flight:
                continue
            elif (wait := self.pacer.chat_ready_in(row.chat_id)) > 0:
                self._soonest_ready = min(self._soonest_ready, wait)
            else:
                wanted.append(row)
        if not wanted and not unreachable:
            self._more_due = len(heads) == BATCH
            return []
        claimed: list[OutboxMessage] = []
        try:
            async with self.storage.transaction() as session:
                if unreachable:
                    await self._give_up_on_unreachable(session, unreachable)
                if wanted:
                    taken = await self._take(session, wanted, now)
                    claimed = [row for row in wanted if row.id in taken]
                    self._in_flight.update(row.id for row in claimed)  # before the commit: drain() waits for them
        except BaseException:
            self._in_flight.difference_update(row.id for row in claimed)
            raise
        for row in claimed:
            self._leased(row)
        behind = {head.row.id for head in heads if head.more_behind}
        self._more_due = len(heads) == BATCH or any(row.id in behind for row in claimed)
        return claimed

    async def _find_due(self, now: datetime) -> list[_Head]:
        """The oldest pending row of each chat, if due, in outbox order (at most BATCH).

        The same query resolves the Telegram id of the message an edit or delete changes
        (from its target row, sent before it: same chat, older), so sending needs no other read.
        """
        async with self.storage.read() as session:
            found = (await session.execute(_DUE_HEADS, {"now": now})).all()
        for row, target_message_id, _, _ in found:
            if row.target_message_id is None:
                # Known only to this in-memory row (never flushed): None is "message to edit not found".
                set_committed_value(row, "target_message_id", target_message_id)
        return [_Head(row, bool(cannot_reach), bool(more)) for row, _, cannot_reach, more in found]

    async def _take(self, session: AsyncSession, rows: list[OutboxMessage], now: datetime) -> set[int]:
        """Lease the rows to this process; returns the ids it won.

        A conditional update: a row another process took, or that changed, since it was
        read no longer matches, and one whose chat became unreachable is left alone. That
        alone makes a double claim impossible. On PostgreSQL the rows are also locked SKIP
        LOCKED: a row a handler's transaction has locked (superseding an edit) is skipped
        for this pass rather than waited for, so a long update does not stall every chat.
        """
        taken = await session.scalars(_TAKE[self.storage.dialect == "postgresql"], {
            "ids": [row.id for row in rows],
            "as_read": [(row.id, row.next_attempt_at) for row in rows],
            "until": now + LEASE,
        })
        return set(taken)

    def _leased(self, row: OutboxMessage) -> None:
        if row.error == IN_FLIGHT:
            log.warning("redelivering outbox %s after an interruption; it may arrive twice", row.id,
                        extra={"fields": {"outbox": row.id, "chat": row.chat_id}})
            self.metrics.count("dieuphoi_sends_total", "redelivered")
        set_committed_value(row, "attempts", row.attempts + 1)  # already written; no second UPDATE

    @staticmethod
    async def _give_up_on_unreachable(session: AsyncSession, chats: set[int]) -> None:
        """Messages for a chat known to refuse them fail without a call, all at once when one is due
        (and only if the chat still refuses: the person may have written meanwhile)."""
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == Status.PENDING, OutboxMessage.chat_id.in_(chats),
                   _unreachable(OutboxMessage.chat_id))
            .values(status=Status.FAILED, error=UNREACHABLE)
            .execution_options(synchronize_session=False)
        )

    async def _deliver(self, row: OutboxMessage) -> None:
        while (wait := max(self.pacer.global_ready_in(), self.pacer.chat_ready_in(row.chat_id))) > 0:
            await asyncio.sleep(wait)
        self.pacer.take(row.chat_id)
        try:
            message_id = await self._call(row)
        except TelegramRetryAfter as error:
            self.metrics.count("dieuphoi_sends_total", "retry_after")
            self.pacer.block(row.chat_id, error.retry_after)
            await self._retry_at(row, self.clock.now() + timedelta(seconds=error.retry_after), "429")
        except TelegramMigrateToChat as error:
            self.metrics.count("dieuphoi_sends_total", "migrated")
            await self._migrate(row.chat_id, error.migrate_to_chat_id)
        except TelegramForbiddenError as error:
            self.metrics.count("dieuphoi_sends_total", "unreachable")
            await self._unreachable(row, error.message)
        except TelegramBadRequest as error:
            await self._bad_request(row, error.message)
        except (TelegramServerError, TelegramNetworkError, TimeoutError, OSError) as error:
            self.metrics.count("dieuphoi_sends_total", "transient_error")
            await self._backoff(row, type(error).__name__)
        except TelegramUnauthorizedError:
            self.metrics.count("dieuphoi_sends_total", "unauthorized")
            log.error("the Bot API refused the bot token; check DIEUPHOI_BOT_TOKEN")
            await self._backoff(row, "unauthorized")
        except Exception as error:  # an unexpected answer must not lose the message
            self.metrics.count("dieuphoi_sends_total", "unexpected_error")
            log.exception("unexpected error delivering outbox %s", row.id)
            await self._backoff(row, type(error).__name__)
        else:
            self.metrics.count("dieuphoi_sends_total", "sent")
            await self._sent(row, message_id)

    async def _call(self, row: OutboxMessage) -> int | None:
        markup = InlineKeyboardMarkup.model_validate(row.reply_markup) if row.reply_markup else None
        if row.kind == Kind.SEND:
            reply = (
                ReplyParameters(message_id=row.reply_to_message_id, allow_sending_without_reply=True)
                if row.reply_to_message_id else None
            )
            sent = await self.bot.send_message(
                row.chat_id, row.text or "", parse_mode="HTML", reply_markup=markup, reply_parameters=reply,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
            return sent.message_id
        if row.kind in (Kind.DOCUMENT, Kind.PHOTO):
            upload = BufferedInputFile(row.file_data or b"", filename=row.file_name or "file")
            send = self.bot.send_photo if row.kind == Kind.PHOTO else self.bot.send_document
            field = "photo" if row.kind == Kind.PHOTO else "document"
            sent = await send(row.chat_id, **{field: upload}, caption=row.text, parse_mode="HTML")
            return sent.message_id
        target = row.target_message_id
        if target is None:
            raise TelegramBadRequest(method=None, message="Bad Request: message to edit not found")  # type: ignore[arg-type]
        if row.kind == Kind.DELETE:
            await self.bot.delete_message(row.chat_id, target)
            return target
        await self.bot.edit_message_text(
            text=row.text or "", chat_id=row.chat_id, message_id=target, parse_mode="HTML",
            reply_markup=markup, link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        return target

    async def _sent(self, row: OutboxMessage, message_id: int | None) -> None:
        async with self.storage.transaction() as session:
            await session.execute(
                update(_outbox).where(_outbox.c.id == row.id).values(
                    status=Status.SENT, message_id=message_id, sent_at=self.clock.now(), error=None
                )
            )

    async def _retry_at(self, row: OutboxMessage, when: datetime, reason: str) -> None:
        log.info("outbox %s to chat %s: %s, retry at %s", row.id, row.chat_id, reason, when.isoformat())
        async with self.storage.transaction() as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row.id).values(next_attempt_at=when, error=reason)
            )

    async def _backoff(self, row: OutboxMessage, reason: str) -> None:
        delay = min(MAX_BACKOFF, self.backoff_base * 2 ** min(row.attempts - 1, 10)) * random.uniform(0.8, 1.2)
        await self._retry_at(row, self.clock.now() + timedelta(seconds=delay), reason)

    async def _fail(self, row: OutboxMessage, reason: str) -> None:
        self.metrics.count("dieuphoi_sends_total", "refused")
        async with self.storage.transaction() as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row.id).values(status=Status.FAILED, error=reason[:255])
            )

    async def _bad_request(self, row: OutboxMessage, description: str) -> None:
        if "message is not modified" in description:
            await self._sent(row, row.target_message_id)
        elif "chat not found" in description:
            await self._unreachable(row, description)
        else:
            log.error("Telegram refused outbox %s (%s): %s", row.id, row.kind, description)
            await self._fail(row, description)

    async def _unreachable(self, row: OutboxMessage, description: str) -> None:
        """Blocked, deactivated or unknown chat: stop everything queued for it, once, and say so."""
        log.warning("chat %s cannot be reached: %s", row.chat_id, description)
        async with self.storage.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.chat_id == row.chat_id, OutboxMessage.status == Status.PENDING)
                .values(status=Status.FAILED, error=description[:255])
            )
            if self.on_unreachable:
                await self.on_unreachable(session, row.chat_id, description)

    async def _migrate(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: everything queued follows it to the new id.

        Its old messages stay behind in the old chat, so a pending edit of one
        is sent as a new message, and a pending delete has nothing left to do.
        """
        log.info("chat %s migrated to %s", old_chat_id, new_chat_id)
        self._more_due = True  # what was queued for the old id is due at once under the new one
        waiting = (OutboxMessage.chat_id == old_chat_id, OutboxMessage.status == Status.PENDING)
        async with self.storage.transaction() as session:
            await session.execute(
                update(OutboxMessage).where(*waiting, OutboxMessage.kind == Kind.DELETE)
                .values(status=Status.SUPERSEDED, error="chat migrated")
            )
            await session.execute(
                update(OutboxMessage).where(*waiting, OutboxMessage.kind == Kind.EDIT)
                .values(kind=Kind.SEND, target_id=None, target_message_id=None)
            )
            await session.execute(
                update(OutboxMessage).where(*waiting)
                .values(chat_id=new_chat_id, next_attempt_at=self.clock.now(), error=None)
            )
            if self.on_migrated:
                await self.on_migrated(session, old_chat_id, new_chat_id)
