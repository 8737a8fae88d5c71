"""The unit of work every service uses: one transaction, then after-commit hooks.

Services add outbox rows inside their transaction; once it commits, the
delivery worker is woken so the message goes out at once rather than at the
next poll.

While an update is handled, `unit_of_work()` holds one transaction for
everything the handler does: every `transaction()` inside it is a savepoint of
that one, and `read()` sees its uncommitted rows. The update's inbox row is
marked done in the same transaction, so a crash either keeps the whole
handling or none of it: an update is never applied twice.

On SQLite, `transaction()` and `unit_of_work()` take the write lock at their
first statement (BEGIN IMMEDIATE, waiting for a writer to finish); `read()`
outside a unit never takes it (see bot.db).
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import create_engine, reading, session_factory

OUTBOX_DIRTY = "outbox_dirty"


@dataclass
class _Unit:
    storage: "Storage"
    session: AsyncSession
    active: bool = True


_current_unit: ContextVar[_Unit | None] = ContextVar("dieuphoi_unit_of_work", default=None)


class Storage:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # Sessions for work that writes (BEGIN IMMEDIATE on SQLite), and for reads (a deferred BEGIN).
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
        self._reading: async_sessionmaker[AsyncSession] = session_factory(reading(engine))
        self._on_outbox: list[Callable[[], None]] = []
        # SQLite has one writer at a time. Writers of this process queue here, in order, rather
        # than in SQLite's busy handler, which polls with growing sleeps (1, 2, 5, 10… ms).
        self._writer = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    @classmethod
    def from_url(cls, url: str) -> "Storage":
        return cls(create_engine(url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def on_outbox_commit(self, callback: Callable[[], None]) -> None:
        self._on_outbox.append(callback)

    def _unit(self) -> _Unit | None:
        unit = _current_unit.get()
        return unit if unit is not None and unit.active and unit.storage is self else None

    def _one_writer(self) -> AbstractAsyncContextManager[object]:
        return self._writer if self._writer is not None else nullcontext()

    @asynccontextmanager
    async def transaction(self, *, savepoint: bool = True) -> AsyncIterator[AsyncSession]:
        """A transaction of its own, or, inside a unit of work, a savepoint of the unit's.

        `savepoint=False` joins the unit's transaction as is, for work of one statement
        (nothing half-done to roll back alone): a savepoint costs two more round trips.
        """
        if (unit := self._unit()) is not None:
            if not savepoint:
                yield unit.session
                return
            async with unit.session.begin_nested():
                yield unit.session
            return
        async with self._one_writer(), self.sessions() as session:
            async with session.begin():
                yield session
            self._after_commit(session)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        if (unit := self._unit()) is not None:
            yield unit.session
            return
        async with self._reading() as session:
            yield session

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One transaction for all the work done inside, through any transaction() or read()."""
        async with self._one_writer(), self.sessions() as session:
            unit = _Unit(self, session)
            token = _current_unit.set(unit)
            try:
                async with session.begin():
                    yield session
            finally:
                unit.active = False
                _current_unit.reset(token)
            self._after_commit(session)

    def _after_commit(self, session: AsyncSession) -> None:
        if session.info.pop(OUTBOX_DIRTY, False):
            for callback in self._on_outbox:
                callback()

    async def close(self) -> None:
        await self.engine.dispose()


def storage_unavailable(error: BaseException) -> bool:
    """The database could not be reached or is busy (as opposed to refusing a statement)."""
    if isinstance(error, (OperationalError, InterfaceError, ConnectionError)):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


# PostgreSQL's "try again" errors: serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = {"40001", "40P01"}


def lost_a_race(error: BaseException) -> bool:
    """Another transaction got there first (a unique key taken meanwhile, a deadlock, a
    serialization failure): the same work, done again from the start, may well succeed."""
    if isinstance(error, IntegrityError):
        return True
    original = getattr(error, "orig", None)
    return getattr(original, "sqlstate", None) in RETRYABLE_SQLSTATES or \
        getattr(original, "pgcode", None) in RETRYABLE_SQLSTATES
