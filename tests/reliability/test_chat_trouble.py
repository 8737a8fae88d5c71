"""Telegram's permanent answers: a group upgraded to a supergroup, a member who blocked the bot,
an account that is gone. Later messages follow the group; nothing is retried for a person who
cannot be reached, and the leader is told once."""

import asyncio

from sqlalchemy import select

from bot.outbox.models import OutboxMessage, Status
from bot.reachability import UnreachableChat, mark_unreachable
from bot.roster.models import Team
from bot.storage import Storage
from bot.ui import Message
from tests.e2e.harness import Harness
from tests.reliability.support import register_ping, schedule_pings, team_id

GROUP_TEAM = """
team: {code: second, name: "Tổ thứ hai", group_chat_id: -5001}
areas: [{code: qr, name: "QR"}]
members:
  - {telegram_id: 4001, full_name: "Đào Văn Tổ Trưởng", role: leader}
  - {telegram_id: 4002, full_name: "Hà Thị Thành Viên", role: member}
"""
LEADER = 1001


def sends_to(calls: list[dict], chat_id: int) -> list[dict]:
    return [c for c in calls if c["method"] == "sendMessage" and str(c["params"].get("chat_id")) == str(chat_id)]


async def until_unreachable(harness: Harness, chat_id: int) -> None:
    for _ in range(200):
        async with harness.app.storage.read() as session:
            if await session.get(UnreachableChat, chat_id) is not None:
                return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"chat {chat_id} never marked unreachable")


async def ping_now(harness: Harness, team: int, chats: dict[int, str]) -> None:
    await schedule_pings(harness.app.storage, team_id=team, due_at=harness.clock.now(), chats=chats)
    await harness.sweep()


async def test_messages_follow_a_group_upgraded_to_a_supergroup(harness: Harness) -> None:
    register_ping(harness.app.sweeper.handlers)
    await harness.add_roster(GROUP_TEAM)
    team = await team_id(harness.app.storage, "second")
    await ping_now(harness, team, {1: "team"})
    assert [m["text"] for m in await harness.client.bot_messages(-5001)] == ["Nhắc việc số 1"]

    new_id = await harness.client.upgrade_group(-5001)
    # Queued for the old id before the bot has heard of the upgrade: Telegram answers 400 with
    # migrate_to_chat_id, and the message follows the group.
    await harness.app.sender.send(-5001, Message("Họp lúc 14h"), team_id=team)
    await harness.app.delivery.drain()
    await harness.sweep()
    await ping_now(harness, team, {2: "team"})

    texts = [m["text"] for m in await harness.client.bot_messages(new_id)]
    assert texts == ["Họp lúc 14h", "Nhắc việc số 2"]
    assert [m["text"] for m in await harness.client.bot_messages(-5001)] == ["Nhắc việc số 1"]
    async with harness.app.storage.read() as session:
        assert await session.scalar(select(Team.group_chat_id).where(Team.id == team)) == new_id
    errors = await harness.api_errors()
    assert all("upgraded to a supergroup" in e["description"] for e in errors), errors


async def test_a_member_who_blocks_the_bot_is_not_retried_and_the_leader_is_told_once(harness: Harness) -> None:
    register_ping(harness.app.sweeper.handlers)
    team = await team_id(harness.app.storage)
    await harness.started(1005)
    sends_before = len(sends_to(await harness.client.calls(), 1005))
    await harness.person(1005).blocks_bot()
    await until_unreachable(harness, 1005)
    await ping_now(harness, team, {1: "chat:1005", 2: "chat:1005"})
    await harness.advance(hours=1)
    await ping_now(harness, team, {3: "chat:1005"})

    # The bot heard of the block (my_chat_member): it attempts nothing more there.
    assert len(sends_to(await harness.client.calls(), 1005)) == sends_before
    told = [m for m in await harness.client.bot_messages(LEADER) if "Lê Quốc Hùng" in (m["text"] or "")]
    assert len(told) == 1 and "chặn bot" in told[0]["text"]
    async with harness.app.storage.read() as session:
        failed = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == 1005,
                                                                        OutboxMessage.status == Status.FAILED)))
    assert len(failed) == 3

    # Unblocking (or writing again) makes the chat reachable again.
    await harness.person(1005).unblocks_bot()
    await harness.reply_to(await harness.person(1005).says("/trogiup"))
    await ping_now(harness, team, {4: "chat:1005"})
    assert (await harness.person(1005).last_message())["text"] == "Nhắc việc số 4"
    assert await harness.api_errors() == []


async def test_a_person_marked_unreachable_by_another_process_is_reachable_again_once_they_write(
    harness: Harness,
) -> None:
    register_ping(harness.app.sweeper.handlers)
    team = await team_id(harness.app.storage)
    await harness.started(1005)  # this process has read the person before
    other = Storage.from_url(harness.database_url)  # the delivery worker of another process
    try:
        async with other.transaction() as session:
            await mark_unreachable(session, 1005, "Forbidden: bot was blocked by the user", now=harness.clock.now())
    finally:
        await other.close()
    await harness.reply_to(await harness.person(1005).says("/trogiup"))
    async with harness.app.storage.read() as session:
        assert await session.get(UnreachableChat, 1005) is None
    await ping_now(harness, team, {1: "chat:1005"})
    assert (await harness.person(1005).last_message())["text"] == "Nhắc việc số 1"


async def test_a_gone_account_gets_one_attempt_and_the_leader_is_told_once(harness: Harness) -> None:
    register_ping(harness.app.sweeper.handlers)
    team = await team_id(harness.app.storage)
    await harness.client.deactivate(1006)
    await ping_now(harness, team, {1: "chat:1006"})
    await harness.advance(minutes=10)
    await ping_now(harness, team, {2: "chat:1006", 3: "chat:1006"})
    await harness.advance(hours=2)

    calls = await harness.client.calls()
    assert len(sends_to(calls, 1006)) == 1  # one 403, then nothing: no retries
    told = [m for m in await harness.client.bot_messages(LEADER) if "Đỗ Thị Mai" in (m["text"] or "")]
    assert len(told) == 1
    async with harness.app.storage.read() as session:
        assert await session.get(UnreachableChat, 1006) is not None
    errors = await harness.api_errors()
    assert [e["description"] for e in errors] == ["Forbidden: user is deactivated"]


async def test_a_leader_who_cannot_be_reached_is_reported_to_the_deputies(harness: Harness) -> None:
    register_ping(harness.app.sweeper.handlers)
    team = await team_id(harness.app.storage)
    await harness.client.deactivate(LEADER)
    await ping_now(harness, team, {1: f"chat:{LEADER}"})
    for deputy in (1002, 1003):
        told = [m for m in await harness.client.bot_messages(deputy) if "Hoàng Mạnh Cường" in (m["text"] or "")]
        assert len(told) == 1


async def test_a_group_that_removed_the_bot_gets_nothing_until_it_adds_it_again(harness: Harness) -> None:
    register_ping(harness.app.sweeper.handlers)
    await harness.add_roster(GROUP_TEAM)
    team = await team_id(harness.app.storage, "second")
    await harness.client.remove_bot_from_group(-5001, by=4001)
    await until_unreachable(harness, -5001)
    await ping_now(harness, team, {1: "team"})
    assert sends_to(await harness.client.calls(), -5001) == []
    await harness.client.add_bot_to_group(-5001, by=4001)
    for _ in range(200):
        async with harness.app.storage.read() as session:
            if await session.get(UnreachableChat, -5001) is None:
                break
        await asyncio.sleep(0.05)
    await ping_now(harness, team, {2: "team"})
    assert [m["text"] for m in await harness.client.bot_messages(-5001)][-1:] == ["Nhắc việc số 2"]
    assert await harness.api_errors() == []
