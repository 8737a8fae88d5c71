"""The sandbox speaks the Bot API as Telegram does: driven by plain HTTP, by aiogram's Bot,
and by a real aiogram polling dispatcher."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from aiohttp import web

from bot.sandbox import SandboxServer
from bot.sandbox.bot_methods import METHODS
from bot.sandbox.client import SandboxClient

TOKEN = "123456789:AAH-sandbox-test-token"
SPEC = Path(__file__).parents[1] / "data" / "bot_api" / "methods.json"
ALICE, BOB, GROUP = 1001, 1002, -2001


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(bot_token=TOKEN, bot_username="dieuphoi_bot")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(sandbox: SandboxServer) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as control:
        yield control


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def make_bot(sandbox: SandboxServer, token: str = TOKEN, timeout: float = 10) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url), timeout=timeout)
    return Bot(token, session=session)


@pytest.fixture
async def bot(sandbox: SandboxServer) -> AsyncIterator[Bot]:
    telegram_bot = make_bot(sandbox)
    yield telegram_bot
    await telegram_bot.session.close()


async def call(http: aiohttp.ClientSession, sandbox: SandboxServer, method: str, token: str = TOKEN,
               **params: Any) -> tuple[int, dict[str, Any]]:
    form = {k: json.dumps(v) if isinstance(v, (dict, list)) else str(v) for k, v in params.items()}
    async with http.post(f"{sandbox.url}/bot{token}/{method}", data=form) as response:
        return response.status, await response.json()


async def polls_started(sandbox: SandboxServer, count: int) -> None:
    """Wait (bounded) until `count` getUpdates calls reached the server."""
    for _ in range(500):
        if sum(r.method == "getUpdates" for r in sandbox.state.calls.records) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("getUpdates never arrived")


async def started(client: SandboxClient, user_id: int = ALICE, name: str = "Alice") -> None:
    await client.register_user(user_id, name)
    await client.say(user_id, "/start")


# --- the spec -----------------------------------------------------------------------------


def test_every_accepted_parameter_is_in_the_spec_subset() -> None:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))["methods"]
    for method in METHODS.values():
        assert method.name in spec, method.name
        fields = {field["name"]: field["required"] for field in spec[method.name]["fields"]}
        for name, required in method.params.items():
            assert name in fields, f"{method.name}.{name}"
            assert fields[name] == required, f"{method.name}.{name} required={fields[name]}"
        assert not method.legacy & set(fields), f"{method.name}: legacy params are the removed ones"


# --- plain HTTP ---------------------------------------------------------------------------


async def test_get_me_by_get_form_and_json_with_any_method_case(sandbox: SandboxServer, http) -> None:
    async with http.get(f"{sandbox.url}/bot{TOKEN}/getme") as response:
        assert (await response.json())["result"]["username"] == "dieuphoi_bot"
    async with http.post(f"{sandbox.url}/bot{TOKEN}/GETME", json={}) as response:
        assert (await response.json())["result"]["is_bot"] is True


async def test_wrong_token_and_unknown_method(sandbox: SandboxServer, http, client) -> None:
    status, body = await call(http, sandbox, "getMe", token="123456789:wrong")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    status, body = await call(http, sandbox, "sendTelepathy")
    assert (status, body["description"]) == (404, "Not Found")
    assert "wrong" not in json.dumps(await client.calls()) and TOKEN not in json.dumps(await client.calls())


async def test_chat_exists_only_after_the_person_wrote(sandbox, http, client) -> None:
    await client.register_user(ALICE, "Alice")
    status, body = await call(http, sandbox, "sendMessage", chat_id=ALICE, text="hi")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    await client.say(ALICE, "xin chào")
    status, body = await call(http, sandbox, "sendMessage", chat_id=ALICE, text="<b>Chào</b> Alice",
                              parse_mode="HTML")
    assert status == 200
    assert body["result"]["text"] == "Chào Alice"
    assert body["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    [message] = await client.bot_messages(ALICE)
    assert message["html"] == "<b>Chào</b> Alice"


async def test_validation_errors_use_telegrams_texts(sandbox, http, client) -> None:
    await started(client)

    async def error(method: str, **params: Any) -> str:
        status, body = await call(http, sandbox, method, **params)
        assert status == body["error_code"] == 400
        return body["description"]

    assert await error("sendMessage", chat_id=ALICE, text="  ") == "Bad Request: message text is empty"
    assert await error("sendMessage", chat_id=ALICE, text="a" * 4097) == "Bad Request: message is too long"
    assert await error("sendMessage", chat_id=ALICE, text="<b>x", parse_mode="HTML") == (
        'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"')
    too_long_data = {"inline_keyboard": [[{"text": "x", "callback_data": "đ" * 33}]]}
    assert await error("sendMessage", chat_id=ALICE, text="x", reply_markup=too_long_data) == (
        "Bad Request: BUTTON_DATA_INVALID")
    assert await error("sendMessage", chat_id=ALICE, text="x", reply_to_message_id=99) == (
        "Bad Request: message to be replied not found")
    assert await error("editMessageText", chat_id=ALICE, message_id=99, text="x") == (
        "Bad Request: message to edit not found")
    assert await error("editMessageText", chat_id=ALICE, message_id=1, text="x") == (
        "Bad Request: message can't be edited")
    assert await error("deleteMessage", chat_id=ALICE, message_id=99) == "Bad Request: message to delete not found"
    assert await error("getFile", file_id="nope") == "Bad Request: wrong file identifier/HTTP URL specified"
    assert await error("sendMessage", chat_id=ALICE, text="x", reply_markup="{") == (
        "Bad Request: can't parse reply keyboard markup JSON object")
    assert await error("answerCallbackQuery", callback_query_id="1") == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid")
    status, body = await call(http, sandbox, "sendMessage", chat_id=ALICE, text="x",
                              reply_to_message_id=99, allow_sending_without_reply="true")
    assert status == 200 and "reply_to_message" not in body["result"]


async def test_get_updates_confirms_by_offset_and_long_polls(sandbox, http, client) -> None:
    await started(client)
    _, body = await call(http, sandbox, "getUpdates")
    [update] = body["result"]
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    _, body = await call(http, sandbox, "getUpdates", offset=update["update_id"] + 1)
    assert body["result"] == []

    poll = asyncio.create_task(call(http, sandbox, "getUpdates", offset=update["update_id"] + 1, timeout=5))
    await polls_started(sandbox, 3)
    sent = await client.say(ALICE, "việc mới")
    _, body = await poll
    assert [u["update_id"] for u in body["result"]] == [sent.update_id]


async def test_second_get_updates_terminates_the_first(sandbox, http) -> None:
    first = asyncio.create_task(call(http, sandbox, "getUpdates", timeout=5))
    await polls_started(sandbox, 1)
    second = asyncio.create_task(call(http, sandbox, "getUpdates", timeout=1))
    status, body = await first
    assert status == 409
    assert body["description"] == (
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
    status, body = await second
    assert (status, body["result"]) == (200, [])


async def test_webhook_delivers_in_order_with_secret_and_retries(sandbox, http, client) -> None:
    received: list[dict[str, Any]] = []
    failures = {"left": 1}
    got_two = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        if failures["left"]:
            failures["left"] -= 1
            return web.Response(status=500)
        assert request.headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret"
        received.append(await request.json())
        if len(received) == 2:
            got_two.set()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        status, _ = await call(http, sandbox, "setWebhook", url=f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        assert status == 200
        status, body = await call(http, sandbox, "getUpdates")
        assert status == 409 and "webhook is active" in body["description"]
        await started(client)
        await client.say(ALICE, "thứ hai")
        await asyncio.wait_for(got_two.wait(), 5)
        assert [u["message"]["text"] for u in received] == ["/start", "thứ hai"]
        _, info = await call(http, sandbox, "getWebhookInfo")
        assert info["result"]["last_error_message"].startswith("Wrong response from the webhook: 500")
        assert (await call(http, sandbox, "deleteWebhook"))[0] == 200
    finally:
        await runner.cleanup()


# --- aiogram's Bot against the sandbox ---------------------------------------------------------


async def test_bot_sends_edits_and_deletes(bot: Bot, client) -> None:
    await started(client)
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Đã nhận", callback_data="ack:7")]])
    sent = await bot.send_message(ALICE, "<b>Việc</b> #7", parse_mode="HTML", reply_markup=keyboard,
                                  reply_parameters=ReplyParameters(message_id=1))
    assert sent.reply_to_message is not None and sent.reply_to_message.text == "/start"
    edited = await bot.edit_message_text("Việc #7: xong", chat_id=ALICE, message_id=sent.message_id,
                                         reply_markup=keyboard)
    assert isinstance(edited, Message) and edited.text == "Việc #7: xong"
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("Việc #7: xong", chat_id=ALICE, message_id=sent.message_id,
                                    reply_markup=keyboard)
    await bot.edit_message_reply_markup(chat_id=ALICE, message_id=sent.message_id, reply_markup=None)
    view = await client.message(ALICE, sent.message_id)
    assert (view["edit_count"], view["reply_markup"]) == (2, None)
    assert await bot.delete_message(ALICE, sent.message_id) is True
    assert (await client.message(ALICE, sent.message_id))["deleted"] is True


async def test_callback_query_answer_once(bot: Bot, client) -> None:
    await started(client)
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Đã nhận", callback_data="ack:7")]])
    card = await bot.send_message(ALICE, "Việc #7", reply_markup=keyboard)
    alice = client.person(ALICE)
    press = await alice.presses({"chat_id": ALICE, "message_id": card.message_id}, "Đã nhận")
    updates = await bot.get_updates(offset=0)
    query = updates[-1].callback_query
    assert query is not None and query.data == "ack:7" and query.message.message_id == card.message_id
    assert await bot.answer_callback_query(query.id, text="Đã ghi nhận", show_alert=True)
    answer = await client.callback_answer(press.callback_query_id)
    assert (answer["answered"], answer["text"], answer["show_alert"]) == (True, "Đã ghi nhận", True)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)
    crafted = await alice.presses(card_ref(card), "evil:1", crafted=True)
    assert (await client.callback_answer(crafted.callback_query_id))["data"] == "evil:1"


def card_ref(message: Message) -> dict[str, int]:
    return {"chat_id": message.chat.id, "message_id": message.message_id}


async def test_files_upload_get_file_and_download(bot: Bot, client) -> None:
    await started(client)
    data = "Báo cáo tuần\n".encode()
    sent = await bot.send_document(ALICE, BufferedInputFile(data, filename="bao-cao.txt"),
                                   caption="<i>Tuần 12</i>", parse_mode="HTML")
    assert sent.document is not None and sent.document.file_name == "bao-cao.txt"
    assert sent.caption == "Tuần 12"
    file = await bot.get_file(sent.document.file_id)
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == data
    view = (await client.bot_messages(ALICE))[-1]
    assert view["document"]["file_size"] == len(data)
    assert await client.download(view["document"]["file_id"]) == data
    photo = await bot.send_photo(ALICE, BufferedInputFile(b"\x89PNG fake", filename="a.png"))
    assert photo.photo
    again = await bot.send_document(ALICE, sent.document.file_id)
    assert again.document.file_id == sent.document.file_id
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(ALICE, sent.document.file_id, caption="x" * 1025)


async def test_errors_surface_as_aiogram_exceptions(sandbox: SandboxServer, bot: Bot, client) -> None:
    await started(client)
    await started(client, BOB, "Bob")
    await client.block_bot(BOB)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(BOB, "hi")
    await client.deactivate(ALICE)
    with pytest.raises(TelegramForbiddenError, match="user is deactivated"):
        await bot.send_message(ALICE, "hi")
    await started(client, 1003, "Chi")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(1003, "<x>", parse_mode="HTML")

    await client.set_faults(next=[{"code": 502, "method": "getMe"}, {"drop": True}])
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.get_me()
    with pytest.raises(TelegramNetworkError):
        await bot.get_me()
    assert [c["fault"] for c in await client.calls()][-2:] == ["502", "drop"]

    stranger = make_bot(sandbox, token="123456789:not-the-token")
    with pytest.raises(TelegramUnauthorizedError):
        await stranger.get_me()
    await stranger.session.close()


async def test_flood_control_answers_retry_after(sandbox: SandboxServer, bot: Bot, client) -> None:
    await started(client)
    for n in range(3):
        await bot.send_message(ALICE, f"tin {n}")
    with pytest.raises(TelegramRetryAfter) as raised:
        await bot.send_message(ALICE, "tin 4")
    assert raised.value.retry_after >= 1
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(ALICE, "tin 5: too early")
    stats = await client.stats()
    assert stats["violation_count"] == 1
    assert [v["method"] for v in stats["violations"]] == ["sendMessage"]
    assert str(ALICE) in stats["retry_after_remaining"]

    await client.set_limits(False)
    await bot.send_message(ALICE, "limits off")


async def test_group_limit_is_20_per_minute(bot: Bot, client) -> None:
    await client.register_user(ALICE, "Alice")
    await client.register_group(GROUP, "Tổ IT")
    await client.add_member(GROUP, ALICE)
    await client.add_bot_to_group(GROUP, by=ALICE)
    for n in range(20):
        await bot.send_message(GROUP, f"tin {n}")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(GROUP, "21")


async def test_scripted_and_random_faults(sandbox: SandboxServer, bot: Bot, client) -> None:
    await client.set_faults(next=[{"code": 429, "retry_after": 2, "method": "sendMessage"}])
    await bot.get_me()  # the fault waits for its method
    await started(client)
    with pytest.raises(TelegramRetryAfter) as raised:
        await bot.send_message(ALICE, "x")
    assert raised.value.retry_after == 2

    await client.set_faults(fail_rate=0.5, kinds=["502"], seed=1, methods=["getMe"])
    outcomes = []
    for _ in range(10):
        try:
            await bot.get_me()
            outcomes.append("ok")
        except TelegramServerError:
            outcomes.append("502")
    assert "ok" in outcomes and "502" in outcomes
    await client.clear_faults()
    calls_with_faults = [c for c in await client.calls() if c["fault"]]
    assert len(calls_with_faults) == outcomes.count("502") + 1
    assert await client.api_errors() == []


async def test_groups_membership_and_upgrade(bot: Bot, client) -> None:
    await client.register_user(ALICE, "Alice")
    await client.register_group(GROUP, "Tổ IT")
    await client.add_member(GROUP, ALICE)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(GROUP, "hi")
    await client.add_bot_to_group(GROUP, by=ALICE)
    updates = await bot.get_updates()
    assert any(u.my_chat_member and u.my_chat_member.new_chat_member.status == "member" for u in updates)
    await client.say(ALICE, "/giao@dieuphoi_bot hung", chat_id=GROUP)
    new_id = await client.upgrade_group(GROUP)
    assert new_id == -1002001
    with pytest.raises(TelegramMigrateToChat) as raised:
        await bot.send_message(GROUP, "hi")
    assert raised.value.migrate_to_chat_id == new_id
    updates = await bot.get_updates(offset=updates[-1].update_id + 1)
    texts = [(u.message.chat.id, u.message.text, u.message.migrate_to_chat_id, u.message.migrate_from_chat_id)
             for u in updates if u.message]
    assert texts == [(GROUP, "/giao@dieuphoi_bot hung", None, None), (GROUP, None, new_id, None),
                     (new_id, None, None, GROUP)]
    assert (await bot.send_message(new_id, "chào siêu nhóm")).chat.type == "supergroup"


async def test_commands_by_scope_and_language(bot: Bot, client) -> None:
    commands = [BotCommand(command="giao", description="Giao việc"), BotCommand(command="xong", description="Báo xong")]
    await bot.set_my_commands(commands, language_code="vi")
    await bot.set_my_commands(commands[:1], scope=BotCommandScopeAllGroupChats())
    assert [c.command for c in await bot.get_my_commands(language_code="vi")] == ["giao", "xong"]
    assert await client.commands("all_group_chats") == [{"command": "giao", "description": "Giao việc"}]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Giao Việc", description="x")])
    await bot.delete_my_commands(language_code="vi")
    assert await bot.get_my_commands(language_code="vi") == []


async def test_chat_and_member_info(bot: Bot, client) -> None:
    await started(client)
    chat = await bot.get_chat(ALICE)
    assert (chat.type, chat.first_name) == ("private", "Alice")
    member = await bot.get_chat_member(ALICE, ALICE)
    assert member.status == "member"
    assert await bot.send_chat_action(ALICE, "typing")
    assert (await client.wait(kinds=["chat_action"], timeout=1))[0]["action"] == "typing"


# --- a real polling dispatcher -----------------------------------------------------------------


async def test_polling_dispatcher_round_trips(sandbox: SandboxServer, client: SandboxClient) -> None:
    router = Router()
    api_errors: list[TelegramAPIError] = []
    error_seen = asyncio.Event()

    @router.message(F.text == "/nut")
    async def with_button(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Đã nhận", callback_data="ok")]])
        await message.answer("Bấm nút", reply_markup=keyboard)

    @router.message(F.text)
    async def echo(message: Message) -> None:
        try:
            await message.answer(f"Bạn nói: {message.text}")
        except TelegramAPIError as error:
            api_errors.append(error)
            error_seen.set()

    @router.callback_query(F.data == "ok")
    async def pressed(query: CallbackQuery) -> None:
        await query.answer("Đã ghi nhận")
        await query.message.edit_text("Đã nhận ✔")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = make_bot(sandbox)
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        alice = await client.register_user(ALICE, "Alice")
        said = await alice.says("xin chào")
        reply = await alice.next_message(after=said)
        assert reply["text"] == "Bạn nói: xin chào"

        said = await alice.says("/nut")
        card = await alice.next_message(after=said)
        press = await alice.presses(card, "Đã nhận")
        edited = await client.next_bot_message(ALICE, after=press.seq, kinds=("edit",))
        assert edited["text"] == "Đã nhận ✔" and edited["reply_markup"] is None
        answer = await client.wait_callback_answer(press.callback_query_id, after=press.seq)
        assert answer["text"] == "Đã ghi nhận"

        await client.set_faults(next=[{"code": 429, "retry_after": 3, "method": "sendMessage"}])
        await alice.says("lần 1")
        await asyncio.wait_for(error_seen.wait(), 5)
        error_seen.clear()
        await client.set_faults(next=[{"code": 502, "method": "sendMessage"}])
        await alice.says("lần 2")
        await asyncio.wait_for(error_seen.wait(), 5)
        assert isinstance(api_errors[0], TelegramRetryAfter) and api_errors[0].retry_after == 3
        assert isinstance(api_errors[1], TelegramServerError)
        assert await client.api_errors() == []
    finally:
        await dispatcher.stop_polling()
        await polling


async def test_two_pollers_conflict(sandbox: SandboxServer) -> None:
    first, second = make_bot(sandbox), make_bot(sandbox)
    try:
        poll = asyncio.create_task(first.get_updates(timeout=5))
        await polls_started(sandbox, 1)
        second_poll = asyncio.create_task(second.get_updates(timeout=1))
        with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
            await poll
        assert await second_poll == []
    finally:
        await first.session.close()
        await second.session.close()


async def test_token_never_reaches_logs(sandbox: SandboxServer, bot: Bot, client, caplog) -> None:
    caplog.set_level("DEBUG")
    await started(client)
    await client.set_faults(next=[{"drop": True}, {"code": 502}])
    for _ in range(2):
        with pytest.raises((TelegramNetworkError, TelegramServerError)):
            await bot.get_me()
    await bot.send_message(ALICE, "ok")
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in json.dumps(await client.calls())


async def test_person_edits_forwards_and_reset(bot: Bot, client) -> None:
    alice = await client.register_user(ALICE, "Alice", username="alice_t")
    await client.register_user(BOB, "Bob")
    sent = await alice.says("bao cao xong")
    await alice.edits(sent, "báo cáo xong")
    await alice.forwards("tin của Bob", original_sender=BOB)
    updates = await bot.get_updates()
    assert updates[1].edited_message is not None and updates[1].edited_message.text == "báo cáo xong"
    assert updates[2].message.forward_origin.sender_user.id == BOB
    events = await client.wait(after=0, chat_id=ALICE, timeout=1)
    assert [e["kind"] for e in events] == ["message", "edit", "message"]
    await client.reset()
    assert await client.call("GET", "/chats") == []
    assert await client.calls() == []


async def test_timeout_fault_leaves_the_request_unanswered(sandbox: SandboxServer, client) -> None:
    impatient = make_bot(sandbox, timeout=0.3)
    try:
        await client.set_faults(next=[{"timeout": True, "hold_seconds": 5}])
        with pytest.raises(TelegramNetworkError, match="timeout"):
            await impatient.get_me()
        assert (await impatient.get_me()).username == "dieuphoi_bot"
    finally:
        await impatient.session.close()


async def test_reset_keeps_a_running_poll_working(sandbox: SandboxServer, http, client) -> None:
    await started(client)
    await client.reset()
    poll = asyncio.create_task(call(http, sandbox, "getUpdates", timeout=5))
    await polls_started(sandbox, 1)
    sent = await client.register_user(BOB, "Bob")
    said = await sent.says("sau khi reset")
    _, body = await poll
    assert [u["update_id"] for u in body["result"]] == [said.update_id]
