"""The unit of work every service uses: one transaction, then after-commit hooks.

Services add outbox rows inside their transaction; once it commits, the
delivery worker is woken so the message goes out at once rather than at the
next poll.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import create_engine, session_factory

OUTBOX_DIRTY = "outbox_dirty"


class Storage:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
        self._on_outbox: list[Callable[[], None]] = []

    @classmethod
    def from_url(cls, url: str) -> "Storage":
        return cls(create_engine(url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def on_outbox_commit(self, callback: Callable[[], None]) -> None:
        self._on_outbox.append(callback)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            async with session.begin():
                yield session
            if session.info.pop(OUTBOX_DIRTY, False):
                for callback in self._on_outbox:
                    callback()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    async def close(self) -> None:
        await self.engine.dispose()
