"""The migrations at head produce exactly the tables the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.models import Base
from bot.storage import Storage


async def test_head_matches_models(storage: Storage) -> None:
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with storage.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []
