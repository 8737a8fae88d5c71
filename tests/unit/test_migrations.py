"""The migrations at head produce exactly the tables the models describe; a database at head is recognised without Alembic."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.migrate import alembic_config, at_head, head_revisions, upgrade_async
from bot.models import Base
from bot.storage import Storage


async def test_head_matches_models(storage: Storage) -> None:
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with storage.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


def test_heads_read_without_alembic_are_alembics() -> None:
    assert head_revisions() == set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def test_heads_follow_the_chain_and_give_up_on_what_they_do_not_read(tmp_path: Path) -> None:
    def revision(name: str, down: str | None, extra: str = "") -> None:
        (tmp_path / f"{name}.py").write_text(
            f'"""{name}\n\nRevision ID: {name}\n"""\nrevision: str = {name!r}\ndown_revision: str | None = {down!r}\n'
            f"branch_labels = None\n{extra}\ndef upgrade() -> None:\n    revision = 'not this one'\n")

    revision("a1", None)
    revision("b2", "a1")
    assert head_revisions(tmp_path) == {"b2"}
    revision("c3", "a1")
    assert head_revisions(tmp_path) == {"b2", "c3"}  # two heads: Alembic's upgrade refuses, as before
    revision("d4", None, "depends_on = 'b2'")
    assert head_revisions(tmp_path) is None


async def test_at_head_only_when_alembic_version_names_the_head(database_url: str, tmp_path: Path) -> None:
    assert await at_head(database_url)  # the fixture's database was migrated to head

    empty = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    assert not await at_head(empty)
    await upgrade_async(empty)
    assert await at_head(empty)
    storage = Storage.from_url(empty)
    try:
        async with storage.transaction() as session:
            await session.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    finally:
        await storage.close()
    assert not await at_head(empty)
