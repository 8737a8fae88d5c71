"""Two real `dieuphoi run --webhook` processes behind a round-robin reverse proxy, sharing
PostgreSQL and Redis, as docs/deploy.md sets them up.

A guided form started on one process continues on the other (aiogram's Redis FSM storage);
each update is handled once, also when Telegram retries it at the other process; the daily
digest due at start and the reminders due later are each decided and sent once; one process
sends, at Telegram's pace (the sandbox's flood control is on), and a clean stop releases the
sender lock. Skips, saying why, only when PostgreSQL or Redis cannot be reached.
"""

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.digest.models import DigestRun
from bot.inbox import InboxStatus, InboxUpdate
from bot.outbox.models import OutboxMessage, Status
from bot.reminders.models import Reminder, ReminderStatus
from bot.sandbox import people
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import SandboxServer
from bot.storage import Storage
from bot.telegram.sender_lock import SENDS, STANDS_BY
from bot.telegram.webhook import SECRET_HEADER
from tests.e2e.harness import start_of_test_day
from tests.reliability.support import demo_team_since_yesterday
from tests.reliability.conftest import BotProcess
from tests.reliability.services import RoundRobinProxy, free_port, reachable_redis, scratch_postgres, until
from tests.reliability.support import schedule_pings, team_id

TOKEN = "777888999:webhook-processes-token-never-logged"
SECRET = "two-processes-secret-" + "y" * 20
DIRECTOR, LEADER, MAI = 1000, 1001, 1006
PEOPLE = range(720001, 720051)
PINGS = 100
LATER = timedelta(hours=2, minutes=5)  # past DIEUPHOI_ACK_WITHIN (2h): Mai is reminded to acknowledge


@pytest.fixture
async def postgres_url(migrated_template: str) -> AsyncIterator[str]:
    async with scratch_postgres(migrated_template) as url:
        yield url


def shown(message: dict[str, Any]) -> str:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return (message.get("text") or "") + " ".join(b.get("text", "") for row in rows for b in row)


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


def counted(metrics: str, outcome: str) -> int:
    found = re.search(rf'dieuphoi_updates_total{{outcome="{outcome}"}} (\d+)', metrics)
    return int(found.group(1)) if found else 0


@pytest.mark.timeout(300)  # two processes to start, on a machine shared with other work
async def test_two_webhook_processes_share_a_form_and_decide_everything_once(
    postgres_url: str, bot_processes: Callable[..., BotProcess],
) -> None:
    redis_url = await reachable_redis()
    from redis.asyncio import Redis

    sandbox = SandboxServer(bot_token=TOKEN, limits=True)  # Telegram's flood control
    await sandbox.start()
    client = SandboxClient(sandbox.url)
    storage = Storage.from_url(postgres_url)
    proxy_port, ports = free_port(), [free_port(), free_port()]
    targets = [f"http://127.0.0.1:{port}/tg/hook" for port in ports]
    proxy = RoundRobinProxy(targets)
    await proxy.start(proxy_port)
    try:
        await demo_team_since_yesterday(storage, sandbox.state)
        for person in PEOPLE:
            people.register_user(sandbox.state, person, f"Người {person}").has_started = True
        await schedule_pings(storage, team_id=await team_id(storage), due_at=start_of_test_day() + LATER,
                             chats={n: f"chat:{PEOPLE[n % len(PEOPLE)]}" for n in range(PINGS)})

        processes: list[BotProcess] = []
        for name, port in zip(("web1", "web2"), ports):
            env = {"DIEUPHOI_BOT_TOKEN": TOKEN, "DIEUPHOI_API_URL": sandbox.url, "DIEUPHOI_DATABASE_URL": postgres_url,
                   "DIEUPHOI_REDIS_URL": redis_url, "DIEUPHOI_WEBHOOK_URL": f"http://127.0.0.1:{proxy_port}/tg/hook",
                   "DIEUPHOI_WEBHOOK_SECRET": SECRET, "DIEUPHOI_WEBHOOK_PORT": str(port),
                   "DIEUPHOI_SWEEP_SECONDS": "0.2"}
            process = bot_processes("webhook", env, name=name, fast=False)  # the product's pacing
            process.set_clock(start_of_test_day())
            process.start()
            processes.append(process)

        async def serving() -> bool:
            for process in processes:
                if not process.alive():
                    raise RuntimeError(process.log()[-3000:])
            return all("serving the webhook" in process.log() for process in processes)

        await until(serving, 90, "both processes serve the webhook")

        # The digest due at start: both processes looked, one sent it.
        async def digests_sent() -> bool:
            async with storage.read() as session:
                return not await session.scalar(select(func.count()).where(OutboxMessage.status == Status.PENDING)) \
                    and bool(await session.scalar(select(func.count()).select_from(DigestRun)))

        await until(digests_sent, 60, "the digest is sent")
        for person in (DIRECTOR, LEADER):  # DIEUPHOI_DIGEST_TO: director, leader
            digests = [m for m in await client.bot_messages(person) if (m["text"] or "").startswith("📋 Tổng hợp")]
            assert len(digests) == 1, person

        # The guided form, each step through the proxy to the next process in turn.
        leader = client.person(LEADER)

        async def step_after(sent: Any, text: str) -> dict[str, Any]:
            events = await client.wait(after=sent.seq, chat_id=LEADER, kinds=["message", "edit"], by_bot=True,
                                       timeout=20, match=lambda e: text in shown(e["message"]))
            assert events, f"no answer containing {text!r}"
            return events[-1]["message"]

        sents = [await leader.says("/giao")]
        step = await step_after(sents[-1], "bước 1: giao cho ai?")
        sents.append(await leader.presses(step, "Đỗ Thị Mai"))
        step = await step_after(sents[-1], "✅ Đỗ Thị Mai")
        sents.append(await leader.presses(step, "Tiếp tục ›"))
        step = await step_after(sents[-1], "Nội dung công việc là gì?")
        sents.append(await leader.says("Đối soát dữ liệu tiêm chủng"))
        step = await step_after(sents[-1], "Thời hạn?")
        sents.append(await leader.presses(step, next(label for label in labels(step) if label.startswith("Thứ Sáu"))))
        step = await step_after(sents[-1], "Mức độ ưu tiên?")
        sents.append(await leader.presses(step, "🔴 Khẩn"))
        step = await step_after(sents[-1], "Kiểm tra lại trước khi giao:")
        sents.append(await leader.presses(step, "✅ Giao việc"))
        await step_after(sents[-1], "Đã giao việc #")

        update_ids = [sent.update_id for sent in sents]
        assert [proxy.handled_by[u] for u in update_ids] == [targets[n % 2] for n in range(len(sents))]

        # Telegram retries an update (its answer got lost) and the proxy hands it to the other process.
        retried = update_ids[3]
        other = next(t for t in targets if t != proxy.handled_by[retried])
        before = await client.last_seq()
        async with aiohttp.ClientSession() as http, http.post(
            other, data=proxy.bodies[retried], headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"}
        ) as response:
            assert response.status == 200

        # Later: the acknowledgement reminder and the test reminders fall due in both processes.
        for process in processes:
            process.set_clock(start_of_test_day() + LATER)

        async def reminded() -> bool:
            async with storage.read() as session:
                owed = await session.scalar(select(func.count()).where(
                    Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= start_of_test_day() + LATER))
                pending = await session.scalar(select(func.count()).where(OutboxMessage.status == Status.PENDING))
            return not owed and not pending

        await until(reminded, 90, "the reminders are sent")
        reminders = [m for m in await client.bot_messages(MAI) if "Bạn chưa xác nhận việc" in (m["text"] or "")]
        assert len(reminders) == 1
        pinged = [m["text"] for person in PEOPLE for m in await client.bot_messages(person)]
        assert sorted(pinged) == sorted(f"Nhắc việc số {n}" for n in range(PINGS))
        assert not [m for m in await client.bot_messages(LEADER) if m["seq"] > before and "Thời hạn?" in shown(m)]

        # Each update handled once, by the process the proxy chose; the retry was skipped.
        metrics = [(await get(f"http://127.0.0.1:{port}/metrics"))[1] for port in ports]
        assert [counted(m, "done") for m in metrics] == [4, 3]
        assert sum(counted(m, "skipped") for m in metrics) == 1
        async with storage.read() as session:
            inbox = list((await session.execute(select(InboxUpdate.update_id, InboxUpdate.status))).all())
        assert sorted(inbox) == sorted((u, InboxStatus.DONE) for u in update_ids)

        # One process sent everything at Telegram's pace; stopped cleanly, it gives the lock to the other.
        assert await client.api_errors() == [] and sandbox.state.flood.violations == 0
        logs = [process.log() for process in processes]
        assert all("Traceback" not in log for log in logs), logs
        (sender,) = (process for process in processes if SENDS in process.log())
        (standby,) = (process for process in processes if process is not sender)
        assert STANDS_BY in standby.log()
        sender.stop()
        assert "sender lock released" in sender.log()
        await until(lambda: asyncio.sleep(0, SENDS in standby.log()), 30, "the other process takes over")
        standby.stop()
        assert all(TOKEN not in process.log() and SECRET not in process.log() for process in processes)
    finally:
        await proxy.stop()
        redis = Redis.from_url(redis_url)
        keys = [key async for key in redis.scan_iter(f"fsm:{TOKEN.split(':')[0]}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
        await storage.close()
        await client.close()
        await sandbox.stop()
