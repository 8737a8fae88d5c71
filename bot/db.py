"""Storage plumbing: the declarative base, UTC timestamps, engine and sessions.

SQLite (aiosqlite) is the embedded default; PostgreSQL (asyncpg) runs in
production. Both store instants in UTC; SQLite has no time zone type, so the
UTCDateTime decorator strips and restores tzinfo at the boundary.

On SQLite this module, not Python's sqlite3, begins transactions (see
_tune_sqlite), so that a transaction starts at its first statement, whatever
it is, and a savepoint always belongs to it: BEGIN IMMEDIATE unless the
connection says otherwise through the SQLITE_BEGIN execution option
(`reading(engine)` gives one that does).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, DateTime, MetaData, Table, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SQLiteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Row ids are INTEGER (32-bit on PostgreSQL); an id read from callback data is user input.
ROW_ID_MAX = 2**31 - 1


def is_row_id(value: int) -> bool:
    return 0 < value <= ROW_ID_MAX


# Telegram chat and user ids are 64-bit.
TelegramId = BigInteger


class JSONData(TypeDecorator[object]):
    """JSON: JSONB on PostgreSQL, JSON text elsewhere."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[object]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in Python, whatever the backend keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC instant")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if getattr(dialect, "name", "") == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# Execution option naming how a transaction begins on SQLite (ignored elsewhere):
# "IMMEDIATE" (the default) takes the write lock at BEGIN, waiting busy_timeout for it;
# "DEFERRED" takes no lock until a write, so it suits transactions that only read.
# A deferred transaction that reads and then writes while another connection writes
# fails at once with "database is locked" (SQLite will not wait there, to avoid a
# deadlock), so anything that may write begins IMMEDIATE.
SQLITE_BEGIN = "sqlite_begin"
_BEGIN_MODES = {"IMMEDIATE", "DEFERRED", "EXCLUSIVE"}


def create_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if url.startswith("sqlite"):
        _tune_sqlite(engine)
    return engine


def reading(engine: AsyncEngine) -> AsyncEngine:
    """The same engine (pool, listeners) for work that only reads: on SQLite it never takes the write lock."""
    return engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"})


def _tune_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, a busy timeout, and transactions begun by us.

    Python's sqlite3 (under aiosqlite) would BEGIN only before an INSERT, UPDATE
    or DELETE: reads, DDL and SAVEPOINT ran outside any transaction, so a
    savepoint opened before the first write was committed by its RELEASE. As
    SQLAlchemy documents for pysqlite/aiosqlite, sqlite3's own BEGIN is turned
    off (isolation_level = None) and the engine's "begin" event emits one.
    """
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        mode = options.get(SQLITE_BEGIN, "IMMEDIATE")
        if mode not in _BEGIN_MODES:
            raise ValueError(f"{SQLITE_BEGIN} must be one of {sorted(_BEGIN_MODES)}, not {mode!r}")
        connection.exec_driver_sql(f"BEGIN {mode}")


def upsert(session: AsyncSession, table: type["Base"] | Table) -> PostgresInsert | SQLiteInsert:
    """An INSERT of the session's dialect, which knows ON CONFLICT (DO NOTHING / DO UPDATE)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(table)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error (on SQLite it begins IMMEDIATE)."""
    async with sessions() as session, session.begin():
        yield session
