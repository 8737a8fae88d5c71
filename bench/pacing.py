"""Delivery pacing: 1,000 messages to 1,000 private chats and 100 to one group, Telegram's limits on.

The real outbox and delivery worker (bot/telegram/delivery.py, with the
product's default pacing) send through the sandbox with its flood control
on (`SandboxServer(limits=True)`: about 30 messages a second overall, one a
second per private chat, 20 a minute per group, each a token bucket; a
message over the limit gets 429 with retry_after). All 1,100 are queued in
one transaction, as a broadcast would be, then the worker starts.

Measured from the sandbox's call log: messages delivered per second to the
private chats (from the worker's start to the last one delivered) against
30/s, the group's messages per minute against 20/min, and every 429.

The group's 100 messages take about five minutes at 20 a minute by design;
--quick sends 25 (about 72 s), --smoke 3.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bench.common import Options, Result, scratch_database
from bench.live import TOKEN, Sandbox
from bot.clock import SystemClock
from bot.outbox.service import enqueue
from bot.sandbox import people
from bot.storage import Storage
from bot.telegram.delivery import Delivery
from bot.telegram.pacing import Limits, Pacer
from bot.ui import Message

FIRST_PRIVATE = 800_000_001
GROUP = -1001234567890  # the demo roster's team group; the bot is a member
PRIVATE_LIMIT = 30.0  # messages a second, overall
GROUP_LIMIT = 20.0  # messages a minute, one group


def started_people(sandbox: Sandbox, count: int) -> list[int]:
    """People who opened the bot, so it may write to them first."""
    ids = list(range(FIRST_PRIVATE, FIRST_PRIVATE + count))
    for user_id in ids:
        user = people.register_user(sandbox.state, user_id, f"Người {user_id}", language_code="vi")
        user.has_started = True
        sandbox.state.ensure_private_chat(user)
    return ids


async def queue_broadcast(storage: Storage, private: list[int], group_messages: int) -> None:
    now = SystemClock().now()
    async with storage.transaction() as session:
        for number, chat_id in enumerate(private, start=1):
            await enqueue(session, chat_id, Message(f"Thông báo số <b>{number}</b>: lịch trực tuần này đã cập nhật."),
                          now=now, ref=f"bench:{number}")
        for number in range(1, group_messages + 1):
            await enqueue(session, GROUP, Message(f"Tin nhóm số <b>{number}</b>"), now=now, ref=f"bench:g{number}")


def deliveries(sandbox: Sandbox) -> tuple[list[float], list[float], list[dict[str, Any]]]:
    """Instants of successful sends to private chats and to the group, and every refused send."""
    private, group, refused = [], [], []
    for record in sandbox.state.calls.records:
        if record.method != "sendMessage":
            continue
        if record.ok:
            (group if int(record.params.get("chat_id", 0)) < 0 else private).append(record.time)
        elif record.error_code is not None:
            refused.append({"chat_id": record.params.get("chat_id"), "code": record.error_code,
                            "description": record.description})
    return private, group, refused


async def run(options: Options) -> Result:
    result = Result("pacing", options)
    private_count = options.pick(1000, 1000, 60)
    group_count = options.pick(100, 25, 3)
    async with scratch_database(options.db, "pacing") as database_url, Sandbox(limits=True) as sandbox:
        private = started_people(sandbox, private_count)
        storage = Storage.from_url(database_url)
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox.server.url)))
        delivery = Delivery(bot, storage, SystemClock(), pacer=Pacer(Limits()))
        try:
            await queue_broadcast(storage, private, group_count)
            started = time.time()
            worker = asyncio.create_task(delivery.run())
            private_done = group_done = None
            deadline = time.monotonic() + group_count * 3 + private_count / 10 + 120
            while time.monotonic() < deadline and (private_done is None or group_done is None):
                await asyncio.sleep(0.2)
                sent_private, sent_group, _ = deliveries(sandbox)
                if private_done is None and len(sent_private) >= private_count:
                    private_done = max(sent_private)
                if group_done is None and len(sent_group) >= group_count:
                    group_done = max(sent_group)
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
        finally:
            await bot.session.close()
            await storage.close()
        sent_private, sent_group, refused = deliveries(sandbox)
        violations = sandbox.state.flood.violations

    too_many = sum(1 for r in refused if r["code"] == 429)
    rows, shares = [], {}
    for label, sent, count, per, limit in (("private", sent_private, private_count, 1, PRIVATE_LIMIT),
                                           ("one group", sent_group, group_count, 60, GROUP_LIMIT)):
        first, last = (min(sent), max(sent)) if sent else (started, started)
        steady = per * (len(sent) - 1) / (last - first) if len(sent) > 1 and last > first else float("nan")
        overall = per * len(sent) / (last - started) if sent and last > started else float("nan")
        unit = "/s" if per == 1 else "/min"
        shares[label] = 100 * steady / limit
        rows.append([label, count, len(sent), round(last - started, 1), f"{steady:.1f}{unit}",
                     f"{overall:.1f}{unit}", f"{limit:.0f}{unit}", round(shares[label], 1)])
    result.table(
        f"{private_count} private chats and {group_count} messages to one group, queued at once, limits on",
        ["chats", "messages", "delivered", "seconds", "rate", "with start-up", "limit", "% of limit"], rows,
    )
    result.table("refusals met", ["429 Too Many Requests", "other errors", "sent while told to wait"],
                 [[too_many, len(refused) - too_many, violations]])
    result.target("private messages per second, share of 30/s", round(shares["private"], 1), 90, "%",
                  higher_is_better=True)
    result.target("group messages per minute, share of 20/min", round(shares["one group"], 1), 90, "%",
                  higher_is_better=True)
    result.target("429s met", too_many, 0, "")
    if private_done is None or group_done is None:
        result.notes.append("not everything was delivered before the deadline")
    result.notes.append("rate: (messages - 1) / (last send - first send); with start-up: messages / (last send - "
                        "the worker's start)")
    result.data = {"rows": rows, "refused": refused[:20]}
    return result
