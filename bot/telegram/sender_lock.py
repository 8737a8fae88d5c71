"""One sender among several processes: a PostgreSQL advisory lock.

The pacer (bot.telegram.pacing) keeps Telegram's budgets (30 messages a second
overall, one a second per private chat, twenty a minute per group) in memory,
so they hold only if one process sends. On PostgreSQL the delivery worker of
every process asks for a session-level advisory lock on a connection of its
own (outside the pool, so the lock can never be handed to other work); the
process holding it is the sender, the others stand by and try again every
RETRY seconds. Whoever sends, each outbox row is still claimed with a lease
(bot.telegram.delivery), so the lock is about pace, never about exactly-once.

- A process that dies (SIGKILL, crash, power loss of its machine) loses its
  connection; PostgreSQL ends the session and the lock with it (a vanished
  machine is noticed by the TCP keepalives set on the connection, within about
  25 s). A process standing by takes over at its next try.
- A sender that is stuck (alive, connection open, but its worker no longer
  runs) stops touching its connection, which it does at least every HEARTBEAT
  seconds while it works; after STALE seconds of silence a process standing by
  ends that session (pg_terminate_backend, allowed between sessions of the same
  role), which frees the lock.
- A sender that loses its connection stops sending before its next message
  and stands by; a clean stop unlocks and closes, so another takes over within
  RETRY seconds.
- A process standing by passes on its own commits of outbox rows with NOTIFY;
  the sender LISTENs on its lock connection, so a message caused by an update
  handled by any process leaves at once rather than at the sender's next poll.

SQLite has no such lock and needs none: it is one process on one machine.
The lock needs a real session: point the bot at PostgreSQL directly, or
through a pooler in session mode (never transaction pooling).
"""

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import Storage

if TYPE_CHECKING:
    import asyncpg

log = logging.getLogger("dieuphoi.delivery")

LOCK_KEY = 0x64696575  # "dieu": the same constant in every process; advisory locks are per database
CHANNEL = "dieuphoi_outbox"
RETRY = 2.0  # seconds between a standing-by process's tries for the lock
HEARTBEAT = 5.0  # the sender runs a statement on its lock connection at least this often while it works
STALE = 60.0  # a sender silent this long is stuck (longer than one send: bot.telegram.delivery.SEND_TIMEOUT)
CONNECT_TIMEOUT = 10.0
STATEMENT_TIMEOUT = 10.0
APPLICATION = "dieuphoi sender"
# Session settings of the lock connection: the server notices a vanished client within ~25 s.
KEEPALIVES = {"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3"}

SENDS = "this process now sends the outbox (it holds the sender lock)"
STANDS_BY = "another process sends the outbox; this one stands by"

Connect = Callable[[], Awaitable["asyncpg.Connection"]]

_HOLDER = text(
    "SELECT a.pid, a.application_name, EXTRACT(EPOCH FROM clock_timestamp() - a.state_change)::float8 AS quiet "
    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND l.classid = CAST(:classid AS oid) AND l.objid = CAST(:objid AS oid)"
)
_HOLDER_ASYNCPG = (
    "SELECT a.pid, a.application_name, EXTRACT(EPOCH FROM clock_timestamp() - a.state_change)::float8 AS quiet "
    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND l.classid = $1::oid AND l.objid = $2::oid"
)


def _lock_parts(key: int) -> tuple[int, int]:
    """How pg_locks shows a bigint advisory key: (classid, objid) = (high, low) 32 bits."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return unsigned >> 32, unsigned & 0xFFFFFFFF


async def current_sender(session: AsyncSession, key: int = LOCK_KEY) -> str | None:
    """The application_name of the session holding the sender lock ("dieuphoi sender HOST:PID"), if any."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    classid, objid = _lock_parts(key)
    row = (await session.execute(_HOLDER, {"classid": classid, "objid": objid})).first()
    return None if row is None else str(row.application_name)


class SenderLock:
    """The advisory lock that makes this process the sender, on a connection of its own."""

    def __init__(self, connect: Connect, *, key: int = LOCK_KEY, retry: float = RETRY,
                 heartbeat: float = HEARTBEAT, stale: float = STALE) -> None:
        self._connect = connect
        self.key, self.retry, self.heartbeat, self.stale = key, retry, heartbeat, stale
        self.on_notified: Callable[[], None] | None = None  # the sender is told of others' commits
        self.leading = False
        self._connection: "asyncpg.Connection | None" = None
        self._touched = 0.0  # monotonic time of the last statement on the connection
        self._tried = float("-inf")  # monotonic time of the last try for the lock
        self._standing_by = False
        self._busy = asyncio.Lock()  # one statement at a time on the connection

    @classmethod
    def for_storage(cls, storage: Storage, **options: Any) -> "SenderLock | None":
        """The lock for this database: on PostgreSQL, connecting as the engine does; None on SQLite."""
        if storage.dialect != "postgresql":
            return None
        engine = storage.engine
        _, params = engine.dialect.create_connect_args(engine.url)
        for sqlalchemy_only in ("async_creator_fn", "prepared_statement_cache_size", "prepared_statement_name_func"):
            params.pop(sqlalchemy_only, None)
        name = f"{APPLICATION} {socket.gethostname()[:32]}:{os.getpid()}"
        settings = {**params.pop("server_settings", {}), **KEEPALIVES, "application_name": name}

        async def connect() -> "asyncpg.Connection":
            import asyncpg

            return await asyncpg.connect(**params, timeout=CONNECT_TIMEOUT, server_settings=settings)

        return cls(connect, **options)

    async def hold(self) -> bool:
        """Is this process the sender? Keeps the lock if held; else tries for it (at most every `retry` s)."""
        async with self._busy:
            if self.leading:
                return await self._touch()
            if time.monotonic() - self._tried < self.retry:
                return False
            self._tried = time.monotonic()
            try:
                return await self._try()
            except Exception as error:  # unreachable, refused, timed out: try again later
                self._drop(error)
                return False

    async def keep(self) -> bool:
        """Still the sender? (Touches the connection every `heartbeat` s; never takes the lock.)"""
        async with self._busy:
            return self.leading and await self._touch()

    async def nudge(self) -> None:
        """Standing by and outbox rows were committed here: tell the sender, which LISTENs."""
        async with self._busy:
            if self.leading:
                return
            try:
                connection = await self._connected()
                await connection.execute(f"NOTIFY {CHANNEL}", timeout=STATEMENT_TIMEOUT)
            except Exception as error:  # the sender finds the rows at its next poll anyway
                log.debug("could not notify the sender (%s)", type(error).__name__)
                self._drop(error)

    async def release(self) -> None:
        """A clean stop: unlock and close; a process standing by takes over at its next try."""
        async with self._busy:
            connection, self._connection = self._connection, None
            leading, self.leading = self.leading, False
            if connection is None:
                return
            try:
                if leading:
                    await connection.fetchval("SELECT pg_advisory_unlock($1)", self.key, timeout=STATEMENT_TIMEOUT)
                await connection.close(timeout=STATEMENT_TIMEOUT)
            except BaseException as error:  # closing the socket ends the session and its lock all the same
                connection.terminate()
                if not isinstance(error, Exception):
                    raise
            finally:
                if leading:
                    log.info("this process no longer sends the outbox (sender lock released)")

    async def _connected(self) -> "asyncpg.Connection":
        if self._connection is None or self._connection.is_closed():
            self._connection = await self._connect()
            self._connection.add_termination_listener(self._closed)
        return self._connection

    async def _try(self) -> bool:
        connection = await self._connected()
        if await connection.fetchval("SELECT pg_try_advisory_lock($1)", self.key, timeout=STATEMENT_TIMEOUT):
            await connection.add_listener(CHANNEL, self._notified)
            self.leading, self._standing_by, self._touched = True, False, time.monotonic()
            log.info(SENDS)
            return True
        if not self._standing_by:
            self._standing_by = True
            log.info(STANDS_BY)
        await self._end_stuck_sender(connection)
        return False

    async def _touch(self) -> bool:
        connection = self._connection
        if connection is None or connection.is_closed():
            self._drop(ConnectionError("connection closed"))
            return False
        if time.monotonic() - self._touched < self.heartbeat:
            return self.leading
        try:
            await connection.execute("SELECT 1", timeout=STATEMENT_TIMEOUT)
        except Exception as error:
            self._drop(error)
            return False
        self._touched = time.monotonic()
        return self.leading

    async def _end_stuck_sender(self, connection: "asyncpg.Connection") -> None:
        """End the session of a sender silent for `stale` seconds: its lock goes with it."""
        holder = await connection.fetchrow(_HOLDER_ASYNCPG, *_lock_parts(self.key), timeout=STATEMENT_TIMEOUT)
        if holder is None or holder["quiet"] is None or holder["quiet"] < self.stale:
            return
        log.warning("the sending process (%s) has been silent for %.0f s; ending its session so that another "
                    "process sends", holder["application_name"], holder["quiet"])
        await connection.fetchval("SELECT pg_terminate_backend($1)", holder["pid"], timeout=STATEMENT_TIMEOUT)

    def _notified(self, *_: object) -> None:
        if self.on_notified is not None:
            self.on_notified()

    def _closed(self, connection: object) -> None:
        """The lock connection closed under us (server restart, terminated, network): not the sender any more."""
        if connection is self._connection and self.leading:
            self.leading = False
            log.warning("the sender lock's connection closed; this process stops sending and stands by")

    def _drop(self, error: BaseException) -> None:
        if self.leading:
            log.warning("lost the sender lock (%s); this process stops sending and stands by", type(error).__name__)
        self.leading = False
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.terminate()
