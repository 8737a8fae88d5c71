"""Who is behind an update, read once per transaction, and a person who writes being reachable again."""

from datetime import UTC, datetime

from bot.people import load_actor, read_person, remember_contact, remember_language
from bot.reachability import UnreachableChat, heard_from, mark_unreachable
from bot.roster.file import parse_roster
from bot.roster.service import import_roster
from bot.storage import Storage
from tests.unit.statements import statements

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
ROSTER = """
team: {code: t1, name: "Tổ một"}
areas: [{code: qr, name: "QR"}]
members:
  - {telegram_id: 10, full_name: "Lê Tổ Trưởng", role: leader}
  - {telegram_id: 21, full_name: "An Một", role: member, areas: [qr]}
"""


async def roster(storage: Storage) -> None:
    async with storage.transaction() as session:
        await import_roster(session, parse_roster(ROSTER), now=NOW)
        await remember_contact(session, 21)


async def marked(storage: Storage, chat_id: int) -> bool:
    async with storage.read() as session:
        return await session.get(UnreachableChat, chat_id) is not None


async def test_a_person_who_writes_is_read_once_and_the_mark_deleted_only_when_there_is_one(storage: Storage) -> None:
    await roster(storage)
    with statements(storage) as seen:
        async with storage.unit_of_work() as session:
            await heard_from(session, 21)
            actor = await load_actor(session, 21, telegram_language=None, default_locale="vi")
    assert actor.known and actor.membership is not None and [a.code for a in actor.membership.areas] == ["qr"]
    assert sum("people.language" in s for s in seen.sql) == 1  # the actor's row came with the reachability check
    assert not any(s.startswith("DELETE") for s in seen.sql)

    async with storage.transaction() as session:
        await mark_unreachable(session, 21, "Forbidden: bot was blocked by the user", now=NOW)
    async with storage.unit_of_work() as session:
        await heard_from(session, 21)
    assert not await marked(storage, 21)


async def test_a_mark_written_by_another_process_is_cleared_when_the_person_writes(
    storage: Storage, database_url: str
) -> None:
    await roster(storage)
    other = Storage.from_url(database_url)  # another process's delivery worker
    try:
        async with storage.unit_of_work() as session:  # this process has seen the person before
            await heard_from(session, 21)
        async with other.transaction() as session:
            await mark_unreachable(session, 21, "Forbidden: user is deactivated", now=NOW)
        async with storage.unit_of_work() as session:
            await heard_from(session, 21)
        assert not await marked(other, 21)
        async with storage.unit_of_work() as session:  # a citizen with no people row
            await heard_from(session, 700)
            assert await read_person(session, 700) is None
    finally:
        await other.close()


async def test_what_is_remembered_follows_the_transaction(storage: Storage) -> None:
    await roster(storage)
    async with storage.unit_of_work() as session:
        assert await read_person(session, 10) is None
        try:
            async with storage.transaction() as savepoint:
                await remember_language(savepoint, 10, "en")  # creates the row...
                raise RuntimeError("...then the savepoint is rolled back")
        except RuntimeError:
            pass
        assert await read_person(session, 10) is None
        await remember_language(session, 21, "en")
        person = await read_person(session, 21)
        assert person is not None and person.language == "en"
    async with storage.unit_of_work() as session:
        person = await read_person(session, 21)
        assert person is not None and person.language == "en"
