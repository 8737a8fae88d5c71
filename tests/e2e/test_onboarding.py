"""Onboarding, roles, language and menus, through the real bot and the sandbox."""

from datetime import timedelta

from sqlalchemy import select

from bot.audit import AuditEntry
from bot.roster.invites import create_invite
from bot.roster.models import Member
from tests.e2e.harness import Harness

CITIZEN = 555001


async def invite_for(harness: Harness, key: str, *, ttl: timedelta = timedelta(days=7), age: timedelta = timedelta()) -> str:
    async with harness.app.storage.transaction() as session:
        member = await session.scalar(select(Member).where(Member.key == key))
        assert member is not None
        return await create_invite(session, member, now=harness.clock.now() - age, ttl=ttl)


async def test_citizen_start_shows_the_citizen_menu(harness: Harness) -> None:
    await harness.client.register_user(CITIZEN, "Lan", language_code="vi")
    reply = await harness.reply_to(await harness.person(CITIZEN).says("/start"))
    assert "trợ lý của Tổ CNTT phục vụ phòng chống dịch" in reply["text"]
    assert await harness.api_errors() == []


async def test_invite_links_the_account_once(harness: Harness) -> None:
    code = await invite_for(harness, "code:quang_lv")
    await harness.client.register_user(3001, "Quang", "Lý Văn")
    quang = harness.person(3001)
    greeting = await harness.reply_to(await quang.says(f"/start {code}"))
    assert "Xin chào Lý Văn Quang!" in greeting["text"]
    assert "vai trò: Thành viên" in greeting["text"]
    assert "/trogiup" in greeting["text"]

    help_reply = await harness.reply_to(await quang.says("/trogiup"))
    assert "/ngonngu" in help_reply["text"]

    await harness.client.register_user(3002, "Kẻ", "Mạo Danh")
    reused = await harness.reply_to(await harness.person(3002).says(f"/start {code}"))
    assert "đã được sử dụng" in reused["text"]
    async with harness.app.storage.read() as session:
        quang_row = await session.scalar(select(Member).where(Member.key == "code:quang_lv"))
    assert quang_row is not None and quang_row.telegram_id == 3001


async def test_expired_and_invalid_invites_are_refused(harness: Harness) -> None:
    expired = await invite_for(harness, "code:quang_lv", ttl=timedelta(days=7), age=timedelta(days=8))
    await harness.client.register_user(3001, "Quang")
    quang = harness.person(3001)
    assert "đã hết hạn" in (await harness.reply_to(await quang.says(f"/start {expired}")))["text"]
    assert "không hợp lệ" in (await harness.reply_to(await quang.says("/start " + "A" * 32)))["text"]
    assert "không hợp lệ" in (await harness.reply_to(await quang.says("/start hello")))["text"]
    async with harness.app.storage.read() as session:
        quang_row = await session.scalar(select(Member).where(Member.key == "code:quang_lv"))
    assert quang_row is not None and quang_row.telegram_id is None


async def test_linked_member_start_shows_their_role_home(harness: Harness) -> None:
    director = harness.person(1000)
    home = await harness.reply_to(await director.says("/start"))
    assert "Trần Văn An" in home["text"] and "Giám đốc Sở" in home["text"]


async def test_refused_command_is_polite_audited_and_changes_nothing(harness: Harness) -> None:
    await harness.client.register_user(CITIZEN, "Lan")
    reply = await harness.reply_to(await harness.person(CITIZEN).says("/nhom"))
    assert "chỉ dành cho thành viên Tổ CNTT" in reply["text"]
    async with harness.app.storage.read() as session:
        denied = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "denied")))
    assert [(d.actor, d.subject) for d in denied] == [(CITIZEN, "switch_team")]


async def test_language_switch_changes_replies_and_menu(harness: Harness) -> None:
    hung = harness.person(1004)
    question = await harness.reply_to(await hung.says("/ngonngu"))
    pressed = await hung.presses(question, "English")
    await harness.handled(pressed)
    answer = await harness.client.wait_callback_answer(pressed.callback_query_id or "")
    assert answer["text"] == "Language changed."
    edited = await harness.client.message(question["chat_id"], question["message_id"])
    assert edited["text"] == "Your language: English"

    help_reply = await harness.reply_to(await hung.says("/help"))
    assert help_reply["text"].startswith("You can use these commands:")
    assert "/language — Change language" in help_reply["text"]
    menu = await harness.client.commands(scope=f"chat:{1004}")
    assert {"command": "language", "description": "Change language"} in menu_commands(menu)


def menu_commands(menu: object) -> list[dict[str, str]]:
    if isinstance(menu, dict) and "commands" in menu:
        return list(menu["commands"])
    if isinstance(menu, list):
        return [c for entry in menu for c in (entry.get("commands", []) if isinstance(entry, dict) else [])] or menu
    raise AssertionError(f"unexpected menu shape {menu!r}")


async def test_menus_follow_roles_and_languages(harness: Harness) -> None:
    citizen_vi = menu_commands(await harness.client.commands(scope="default"))
    citizen_en = menu_commands(await harness.client.commands(scope="default", language_code="en"))
    assert [c["command"] for c in citizen_vi] == ["start", "trogiup", "ngonngu", "hoidap"]
    assert [c["command"] for c in citizen_en] == ["start", "help", "language", "faq"]
    # A member's own menu is set at their first contact (Telegram has no chat before that).
    assert menu_commands(await harness.client.commands(scope="chat:1004")) == []
    await harness.started(1004)
    await harness.started(1010)
    member = [c["command"] for c in menu_commands(await harness.client.commands(scope="chat:1004"))]
    assert member[:4] == ["start", "trogiup", "ngonngu", "nhom"]
    english_member = [c["command"] for c in menu_commands(await harness.client.commands(scope="chat:1010"))]
    assert english_member[:4] == ["start", "help", "language", "team"]
    # After a restart the menus of people who have written are set again (beside polling), nobody else's.
    await harness.client.clear_calls()
    await harness.restart()
    await next(task for task in harness.app.tasks if task.get_name() == "member-menus")
    scopes = {c["params"].get("scope") for c in await harness.client.calls() if c["method"] == "setMyCommands"}
    assert '{"type": "chat", "chat_id": 1004}' in scopes and '{"type": "chat", "chat_id": 1005}' not in scopes
    assert await harness.api_errors() == []


HOSTILE_TEAM = """
team: {code: second, name: "Tổ <i>thứ hai</i> & co"}
areas: [{code: qr, name: "QR"}]
members:
  - {telegram_id: 1000, full_name: "Trần Văn An", role: director}
  - {telegram_id: 4001, full_name: "<b>A & B</b>", short_name: "AB", role: leader}
"""


async def test_html_hostile_names_are_shown_as_typed(harness: Harness) -> None:
    await harness.add_roster(HOSTILE_TEAM)
    home = await harness.reply_to(await harness.person(4001).says("/start"))
    assert home["text"].startswith("<b>A & B</b> · Tổ trưởng\nTổ <i>thứ hai</i> & co")
    assert await harness.api_errors() == []


async def test_a_director_of_two_teams_chooses_which_to_act_for(harness: Harness) -> None:
    await harness.add_roster(HOSTILE_TEAM)
    director = harness.person(1000)
    sent = await director.says("/nhom")
    choice = await harness.reply_to(sent)
    assert "nhiều tổ" in choice["text"]
    buttons = [b for row in choice["reply_markup"]["inline_keyboard"] for b in row]
    assert len(buttons) == 2
    second = next(b for b in buttons if "thứ hai" in b["text"])
    pressed = await director.presses(choice, second["callback_data"])
    await harness.handled(pressed)
    answer = await harness.client.wait_callback_answer(pressed.callback_query_id or "")
    assert "thứ hai" in answer["text"]
    # Remembered: /start now shows the second team.
    home = await harness.reply_to(await director.says("/start"))
    assert "thứ hai" in home["text"]


async def test_crafted_team_choice_is_refused(harness: Harness) -> None:
    await harness.add_roster(HOSTILE_TEAM)
    hung = harness.person(1004)  # only on the demo team
    menu = await harness.reply_to(await hung.says("/start"))
    async with harness.app.storage.read() as session:
        from bot.roster.models import Team

        second = await session.scalar(select(Team.id).where(Team.code == "second"))
    pressed = await hung.presses(menu, f"tm1:{second}", crafted=True)
    await harness.handled(pressed)
    answer = await harness.client.wait_callback_answer(pressed.callback_query_id or "")
    assert answer["text"] == "Bạn không thuộc tổ này."
    home = await harness.reply_to(await hung.says("/start"))
    assert "Tổ CNTT phục vụ phòng chống dịch Covid-19" in home["text"]
    assert await harness.api_errors() == []
