"""Webhook mode against the sandbox's setWebhook: the secret is checked, a webhook retry of a
handled update is skipped, and two app instances in this test process behind a round-robin
proxy share the database (PostgreSQL or SQLite) and Redis, so a form started on one continues
on the other. test_webhook_processes.py does the same with two real OS processes."""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.clock import ManualClock
from bot.config import Settings
from bot.roster.file import parse_roster
from bot.roster.service import import_roster
from bot.sandbox.client import SandboxClient
from bot.sandbox.demo import populate
from bot.sandbox.server import SandboxServer
from bot.storage import Storage
from bot.telegram.app import App, build_app
from bot.telegram.webhook import SECRET_HEADER, WebhookServer, serve_webhook
from tests.e2e.harness import DEMO_ROSTER, FAST, start_of_test_day
from tests.reliability.services import RoundRobinProxy, free_port, reachable_redis

SECRET = "webhook-secret-" + "x" * 24
LEADER = 1001


class World:
    """The sandbox with the demo team, the database, and the bot processes serving the webhook."""

    def __init__(self, database_url: str) -> None:
        self.token = f"{300000000 + uuid.uuid4().int % 99999999}:webhook-token-never-logged"
        self.database_url = database_url
        self.sandbox = SandboxServer(bot_token=self.token, limits=False)
        self.client = SandboxClient("http://127.0.0.1")
        self.apps: list[tuple[App, WebhookServer]] = []
        self.clock = ManualClock(start_of_test_day())

    async def open(self) -> None:
        await self.sandbox.start()
        self.client = SandboxClient(self.sandbox.url)
        roster = parse_roster(DEMO_ROSTER.read_text(encoding="utf-8"))
        storage = Storage.from_url(self.database_url)
        async with storage.transaction() as session:
            await import_roster(session, roster, now=self.clock.now())
        await storage.close()
        populate(self.sandbox.state, roster)

    def settings(self, public_url: str, port: int, **extra: Any) -> Settings:
        return Settings(bot_token=SecretStr(self.token), api_url=self.sandbox.url, database_url=self.database_url,
                        webhook_url=public_url, webhook_secret=SecretStr(SECRET), webhook_port=port, **extra)

    async def serve(self, public_url: str, port: int, **extra: Any) -> App:
        app = build_app(self.settings(public_url, port, **extra), clock=self.clock, limits=FAST, webhook=True)
        self.apps.append((app, await serve_webhook(app)))
        return app

    async def close(self) -> None:
        for app, server in self.apps:
            await server.stop()
            await app.stop()
        await self.client.close()
        await self.sandbox.stop()


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    w = World(database_url)
    await w.open()
    try:
        yield w
    finally:
        await w.close()


async def post(url: str, body: dict[str, Any], secret: str | None) -> tuple[int, str]:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with aiohttp.ClientSession() as http, http.post(url, json=body, headers=headers) as response:
        return response.status, await response.text()


def update_from(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": 999, "date": 1795600000, "text": text,
        "chat": {"id": user_id, "type": "private", "first_name": "Hùng"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Hùng"},
    }}


async def test_webhook_checks_the_secret_and_skips_a_retried_update(world: World, caplog) -> None:
    caplog.set_level(logging.INFO)
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    app = await world.serve(url, port)
    hung = world.client.person(1004)

    sent = await hung.says("/trogiup")
    reply = await world.client.next_bot_message(1004, after=sent.seq, timeout=10)
    assert "Bạn có thể dùng các lệnh sau" in reply["text"]

    body = update_from(900001, 1004, "/trogiup")
    assert (await post(url, body, None))[0] == 401
    assert (await post(url, body, "wrong-" + SECRET))[0] == 403
    assert (await post(url, {"not": "an update"}, SECRET))[0] == 400
    assert "refused" in caplog.text and SECRET not in caplog.text

    # Telegram retries an update it thinks we did not get: handled once only.
    before = await world.client.last_seq()
    assert (await post(url, body, SECRET))[0] == 200
    assert (await post(url, body, SECRET))[0] == 200
    await app.delivery.drain()
    answers = [m for m in await world.client.bot_messages(1004) if m["seq"] > before]
    assert len(answers) == 1
    assert (await post(url, {**body, "update_id": sent.update_id}, SECRET))[0] == 200  # the real one, again
    await app.delivery.drain()
    assert len([m for m in await world.client.bot_messages(1004) if m["seq"] > before]) == 1

    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as response:
        metrics = await response.text()
    assert 'dieuphoi_updates_total{outcome="done"} 2' in metrics
    assert 'dieuphoi_updates_total{outcome="skipped"} 2' in metrics
    assert "dieuphoi_outbox_pending 0" in metrics and 'dieuphoi_sends_total{result="sent"}' in metrics
    assert world.token not in caplog.text
    assert await world.client.api_errors() == []


def shown(message: dict[str, Any]) -> str:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return (message.get("text") or "") + " ".join(b.get("text", "") for row in rows for b in row)


async def test_a_form_started_on_one_process_continues_on_the_other(world: World) -> None:
    from redis.asyncio import Redis

    redis_url = await reachable_redis()
    redis = Redis.from_url(redis_url)
    proxy_port, ports = free_port(), [free_port(), free_port()]
    public = f"http://127.0.0.1:{proxy_port}/tg/hook"
    proxy = RoundRobinProxy([f"http://127.0.0.1:{p}/tg/hook" for p in ports])
    await proxy.start(proxy_port)
    try:
        first = await world.serve(public, ports[0], redis_url=redis_url)
        second = await world.serve(public, ports[1], redis_url=redis_url)
        leader = world.client.person(LEADER)

        async def step_after(sent: Any, text: str | None = None) -> dict[str, Any]:
            for app in (first, second):
                await app.delivery.drain()
            await asyncio.sleep(0.2)
            events = await world.client.wait(after=sent.seq, chat_id=LEADER, kinds=["message", "edit"], by_bot=True,
                                             timeout=10, match=lambda e: text is None or text in shown(e["message"]))
            assert events, f"no answer containing {text!r}"
            return events[-1]["message"]

        asked = await leader.says("/giao")  # process 1
        step = await step_after(asked, "bước 1: giao cho ai?")
        step = await step_after(await leader.presses(step, "Đỗ Thị Mai"), "✅ Đỗ Thị Mai")  # process 2
        step = await step_after(await leader.presses(step, "Tiếp tục ›"), "Nội dung công việc là gì?")  # 1
        step = await step_after(await leader.says("Đối soát dữ liệu tiêm chủng"), "Thời hạn?")  # 2: the form's state
        handled = [app.metrics.value("dieuphoi_updates_total", "done") for app in (first, second)]
        assert handled == [2, 2]
        assert await world.client.api_errors() == []
    finally:
        await proxy.stop()
        keys = [key async for key in redis.scan_iter(f"fsm:{world.token.split(':')[0]}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
