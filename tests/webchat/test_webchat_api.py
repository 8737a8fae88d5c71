"""The web chat's HTTP side without a browser: page and assets, people, menus, the event stream,
the clock hook, and the demo story."""

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select

from bot.convening.models import Answer, Convocation
from bot.outbox.service import enqueue
from bot.reminders.models import Reminder
from bot.reminders.service import schedule
from bot.reports.models import Obligation, ReportPeriod, Submission
from bot.roster.models import Team
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from bot.sandbox.story import SCENES, Scene, Stage, play_story
from bot.sandbox.webchat import WEB_ROOT, clock_step, menu_scopes, next_local
from bot.secondment.models import SecondmentRequest
from bot.secondment.models import Status as SecondmentStatus
from bot.tasks.models import Task
from bot.telegram.runner import SandboxRun
from bot.ui import Message

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
LEADER, MEMBER, CITIZEN, ENGLISH_MEMBER, GROUP = 1001, 1004, 5_000_001, 1010, -1001234567890


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def client(sandbox_run: SandboxRun) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox_run.server.url) as control:
        yield control


async def get(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as response:
        answer = await response.json()
    assert answer["ok"], answer
    return answer["result"]


async def post(http: aiohttp.ClientSession, url: str, body: Any) -> tuple[int, dict[str, Any]]:
    async with http.post(url, json=body) as response:
        return response.status, await response.json()


async def bot_reply(client: SandboxClient, who: int, text: str, chat_id: int | None = None) -> dict:
    sent = await client.say(who, text, chat_id=chat_id)
    return await client.next_bot_message(sent.chat_id, after=sent.seq, timeout=10)


# --- the page -------------------------------------------------------------------------------


async def test_page_and_its_assets_are_served_from_the_sandbox(sandbox_run: SandboxRun, http) -> None:
    base = sandbox_run.server.url
    async with http.get(base + "/") as response:
        assert response.status == 200 and response.content_type == "text/html"
        page = await response.text()
    assert '<script src="/web/app.js">' in page and 'href="/web/style.css"' in page
    async with http.get(base + "/web/app.js") as response:
        assert response.status == 200 and response.content_type == "application/javascript"
    async with http.get(base + "/web/style.css") as response:
        assert response.status == 200 and response.content_type == "text/css"
    for missing in ("/web/index.py", "/web/..%2Fwebchat.py", "/web/%2e%2e%2fstate.py"):
        async with http.get(base + missing) as response:
            assert response.status == 404, missing


def test_the_page_needs_no_network_and_never_injects_html() -> None:
    page = (WEB_ROOT / "index.html").read_text(encoding="utf-8")
    style = (WEB_ROOT / "style.css").read_text(encoding="utf-8")
    script = (WEB_ROOT / "app.js").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page), "assets must be served by the sandbox"
    assert "@import" not in style and "url(" not in style, "no external fonts or images"
    assert not re.search(r"fetch\(\s*[\"'`]https?:", script)
    # Messages are laid out from entities with textContent; raw HTML is never inserted.
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "outerHTML" not in script


async def test_bot_api_routes_still_answer_beside_the_page(sandbox_run: SandboxRun, http) -> None:
    token = sandbox_run.app.settings.token
    async with http.get(f"{sandbox_run.server.url}/bot{token}/getMe") as response:
        assert (await response.json())["result"]["username"] == "dieuphoi_bot"


# --- who can be played ------------------------------------------------------------------------


async def test_people_cover_every_role_the_citizen_and_the_group(sandbox_run: SandboxRun, http) -> None:
    info = await get(http, sandbox_run.server.url + "/webchat/people")
    roles = [p["role"] for p in info["people"]]
    assert set(roles) == {"director", "leader", "deputy", "member", "unit_manager", "citizen"}
    assert roles == sorted(roles, key=["director", "leader", "deputy", "member", "unit_manager", "citizen"].index)
    leader = next(p for p in info["people"] if p["id"] == LEADER)
    assert leader["name"] == "Hoàng Mạnh Cường" and leader["unit"] == "Văn phòng Sở"
    assert leader["areas"] == ["An toàn thông tin"]
    assert any(p["id"] == CITIZEN and p["started"] is False for p in info["people"])
    assert info["group"]["id"] == GROUP and LEADER in info["group"]["member_ids"]
    assert info["clock"]["iso"].startswith("2026-11-25T09:0") and info["clock"]["zone"] == "Asia/Ho_Chi_Minh"
    assert info["bot"]["username"] == "dieuphoi_bot"


async def test_a_new_citizen_gets_a_fresh_id_and_the_bot_answers_them(sandbox_run: SandboxRun, http, client) -> None:
    base = sandbox_run.server.url
    status, first = await post(http, base + "/webchat/citizens", {"language": "vi"})
    _, second = await post(http, base + "/webchat/citizens", {"language": "en"})
    assert status == 200
    assert (first["result"]["name"], second["result"]["name"]) == ("Người dân mới 1", "New citizen 2")
    assert first["result"]["id"] != second["result"]["id"]
    people = await get(http, base + "/webchat/people")
    assert {first["result"]["id"], second["result"]["id"]} <= {p["id"] for p in people["people"]}
    refused, answer = await post(http, base + "/webchat/citizens", ["en"])
    assert refused == 400 and answer["ok"] is False
    home = await bot_reply(client, second["result"]["id"], "/start")
    assert "Tổ CNTT" in home["text"] or "task force" in home["text"]


# --- menus as Telegram picks them -----------------------------------------------------------------


def test_menu_scopes_follow_telegrams_order() -> None:
    assert menu_scopes(1004, 1004, is_private=True, is_admin=False) == ["chat:1004", "all_private_chats", "default"]
    assert menu_scopes(-5, 1004, is_private=False, is_admin=True) == [
        "chat_member:-5:1004", "chat_administrators:-5", "chat:-5", "all_chat_administrators", "all_group_chats",
        "default",
    ]
    assert "chat_administrators:-5" not in menu_scopes(-5, 1004, is_private=False, is_admin=False)


async def test_each_person_sees_their_own_menu(sandbox_run: SandboxRun, http, client) -> None:
    base = sandbox_run.server.url
    citizen = await get(http, f"{base}/webchat/menu?user_id={CITIZEN}")
    assert citizen["scope"] == "default"
    assert [c["command"] for c in citizen["commands"]][:3] == ["start", "trogiup", "ngonngu"]

    await bot_reply(client, LEADER, "/start")
    await sandbox_run.app.delivery.drain()
    leader = await get(http, f"{base}/webchat/menu?user_id={LEADER}&chat_id={LEADER}")
    assert leader["scope"] == f"chat:{LEADER}"
    assert "nhom" in [c["command"] for c in leader["commands"]]

    _, english = await post(http, base + "/webchat/citizens", {"language": "en"})
    menu = await get(http, f"{base}/webchat/menu?user_id={english['result']['id']}")
    assert (menu["scope"], menu["language_code"]) == ("default", "en")
    assert [c["command"] for c in menu["commands"]][:3] == ["start", "help", "language"]


# --- the event stream ---------------------------------------------------------------------------


async def read_events(response: aiohttp.ClientResponse, until: Callable[[dict], bool],
                      timeout: float = 10) -> list[dict]:
    """Parse server-sent events until one satisfies `until`."""
    events: list[dict] = []
    event_id = None

    async def collect() -> None:
        nonlocal event_id
        async for raw in response.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("id: "):
                event_id = int(line[4:])
            elif line.startswith("data: "):
                events.append({"id": event_id, **json.loads(line[6:])})
                if until(events[-1]):
                    return

    await asyncio.wait_for(collect(), timeout)
    return events


async def test_events_stream_news_and_resume_after_the_last_id(sandbox_run: SandboxRun, http, client) -> None:
    base = sandbox_run.server.url
    start = await client.last_seq()
    async with http.get(f"{base}/webchat/events?after={start}") as response:
        assert response.content_type == "text/event-stream"
        sent = await client.say(MEMBER, "/start")
        events = await read_events(response, lambda e: e["kind"] == "message" and e["by_bot"])
    said, answered = events[0], events[-1]
    assert said["kind"] == "message" and said["message"]["text"] == "/start" and said["id"] == sent.seq
    assert answered["by_bot"] and answered["chat_id"] == MEMBER
    # Reconnecting with Last-Event-ID gives what came after, and nothing twice.
    async with http.get(f"{base}/webchat/events", headers={"Last-Event-ID": str(said["id"])}) as response:
        resumed = await read_events(response, lambda e: True)
    assert resumed[0]["seq"] == said["id"] + 1


async def test_server_stops_promptly_with_a_browser_listening() -> None:
    server = SandboxServer(port=0)
    await server.start()
    session = aiohttp.ClientSession()
    response = await session.get(f"{server.url}/webchat/events")
    try:
        await asyncio.wait_for(server.stop(), timeout=5)
    finally:
        response.close()
        await session.close()


# --- the clock ----------------------------------------------------------------------------------


def test_clock_steps() -> None:
    nine = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
    assert next_local(nine, time(7, 30), ZONE) == datetime(2026, 11, 26, 0, 30, tzinfo=UTC)
    assert next_local(nine, time(17, 0), ZONE) == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert clock_step({"until": "07:30"}, nine, ZONE) == timedelta(hours=22, minutes=30)
    assert clock_step({"hours": 1}, nine, ZONE) == timedelta(hours=1)
    assert clock_step({"days": 1}, nine, ZONE) == timedelta(days=1)
    for bad in ({"hours": -1}, {}, {"days": 40}, {"until": "25:00"}, {"until": "soon"}):
        with pytest.raises(ValueError):
            clock_step(bad, nine, ZONE)


async def leader_team_id(run: SandboxRun) -> int:
    async with run.app.storage.read() as session:
        team_id = await session.scalar(select(Team.id).where(Team.code == "hoabinh"))
    assert team_id is not None
    return team_id


async def test_moving_the_clock_runs_what_fell_due_before_answering(sandbox_run: SandboxRun, http, client) -> None:
    """The clock button moves the bot's clock, then the reminder sweep runs and its messages are delivered."""

    async def remind(session, reminder: Reminder, now: datetime) -> None:
        await enqueue(session, LEADER, Message("Nhắc thử: hạn nộp báo cáo lúc 10:00"), now=now, team_id=reminder.team_id)

    sandbox_run.app.sweeper.handlers = {**sandbox_run.app.sweeper.handlers, "webchat.test": remind}
    await bot_reply(client, LEADER, "/start")
    team_id = await leader_team_id(sandbox_run)
    async with sandbox_run.app.storage.transaction() as session:
        await schedule(session, team_id=team_id, kind="webchat.test", subject_id=1, step="once",
                       due_at=sandbox_run.clock.now() + timedelta(minutes=30))
    seq = await client.last_seq()

    status, answer = await post(http, sandbox_run.server.url + "/webchat/clock", {"hours": 1})
    assert status == 200 and answer["result"]["moved_seconds"] == 3600
    assert answer["result"]["clock"]["iso"].startswith("2026-11-25T10:00")
    reminded = [m for m in await client.bot_messages(LEADER) if m["seq"] > seq]
    assert [m["text"] for m in reminded] == ["Nhắc thử: hạn nộp báo cáo lúc 10:00"]
    # Message dates follow the bot's clock, as Telegram's would follow real time.
    assert reminded[0]["date"] >= int(datetime(2026, 11, 25, 3, 0, tzinfo=UTC).timestamp())

    status, answer = await post(http, sandbox_run.server.url + "/webchat/clock", {"until": "07:30"})
    assert answer["result"]["clock"]["iso"].startswith("2026-11-26T07:30")


async def test_bad_clock_requests_change_nothing(sandbox_run: SandboxRun, http) -> None:
    before = sandbox_run.clock.now()
    for body in ({"hours": -2}, {"until": "7h30"}, ["hours", 1]):
        status, answer = await post(http, sandbox_run.server.url + "/webchat/clock", body)
        assert status == 400 and answer["ok"] is False
    assert sandbox_run.clock.now() - before < timedelta(minutes=1)


async def test_a_sandbox_without_a_bot_has_no_clock() -> None:
    async with SandboxServer(port=0) as server, aiohttp.ClientSession() as http:
        status, answer = await post(http, server.url + "/webchat/clock", {"hours": 1})
        info = await get(http, server.url + "/webchat/people")
    assert status == 409 and "no bot clock" in answer["error"]
    assert info["clock"] is None and info["people"] == []


# --- the demo story ---------------------------------------------------------------------------


async def test_the_story_leaves_the_team_at_work_and_plays_only_once(sandbox_run: SandboxRun, client) -> None:
    played = await play_story(sandbox_run.server.url, sandbox_run.app)
    assert played == [scene.name for scene in SCENES]  # every feature the story needs has landed
    for person in (1000, LEADER, 1002, MEMBER, 2001):
        assert await client.bot_messages(person), f"{person} has no home message"
    async with sandbox_run.app.storage.read() as session:
        statuses = sorted(str(task.status) for task in await session.scalars(select(Task)))
        periods = list(await session.scalars(select(ReportPeriod)))
        owing = {o.member.telegram_id for o in await session.scalars(select(Obligation))}
        submitted = {s.member.telegram_id for s in await session.scalars(select(Submission))}
        meeting = await session.scalar(select(Convocation))
        assert meeting is not None
        answers = {i.member.telegram_id: (i.answer, i.reason) for i in meeting.invitees}
        request = await session.scalar(select(SecondmentRequest))
    assert statuses == ["acknowledged", "blocked", "done", "in_progress", "new"]
    assert len(periods) == 1 and periods[0].due_at > sandbox_run.clock.now()
    assert submitted == {1004, 1005, 1006} and len(owing) == 6  # half collected
    assert meeting.starts_at > sandbox_run.clock.now()
    assert answers == {1004: (Answer.ATTEND, None), 1007: (Answer.NONE, None), 1008: (Answer.NONE, None),
                       1006: (Answer.ABSENT, "Chiều mai em trực điểm tiêm lưu động ở xã Yên Mông")}
    assert request is not None and request.status == SecondmentStatus.SUBMITTED
    papers = await client.wait(chat_id=1000, kinds=["message"], by_bot=True, timeout=10,
                               match=lambda event: bool(event["message"]["document"]))
    assert papers, "the Director has the Tờ trình to decide on"
    assert await client.api_errors() == []
    assert await play_story(sandbox_run.server.url, sandbox_run.app) == []


async def test_a_scene_needing_an_unknown_command_is_skipped_with_a_log_line(
    sandbox_run: SandboxRun, client, caplog: pytest.LogCaptureFixture
) -> None:
    async def never(stage: Stage) -> None:
        raise AssertionError("a scene without its command must not play")

    scenes = (*SCENES[:1], Scene("a feature from the future", ("khongcolenhnay",), never))
    with caplog.at_level(logging.INFO, logger="dieuphoi.sandbox.story"):
        played = await play_story(sandbox_run.server.url, sandbox_run.app, scenes)
    assert "a feature from the future" not in played
    assert "scene 'a feature from the future' skipped, the bot has no /khongcolenhnay yet" in caplog.text

