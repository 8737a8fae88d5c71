"""Footprint: resident memory of a running bot with a year of data, and time from `dieuphoi run`
to the first handled update.

A year is generated (bench/dataset.py, as for the digest), a person's
message is queued in the sandbox, then `python -m bot run` (what the
`dieuphoi run` script runs) starts with DIEUPHOI_BOT_TOKEN and
DIEUPHOI_API_URL pointing at the sandbox: the time is from starting the
process to the bot's answer landing in the chat (interpreter start, imports,
migrations check, roster import, menus, first getUpdates, handling,
delivery). Then people keep it busy (members' /trogiup, citizens'
questions, a /tonghop digest for the leader) and its resident memory is read
from /proc (now and at its peak).
"""

from __future__ import annotations

import asyncio
import sys

from bench.common import Options, Result, scratch_database
from bench.dataset import build_year, table_sizes
from bench.live import BotProcess, Sandbox, bot_env, wait_until_answering
from bench.matching import load_labelled
from bench.sweep import NOW
from bot.storage import Storage

LEADER = 1001
MEMBERS = [1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011]


async def keep_busy(sandbox: Sandbox, rounds: int) -> int:
    questions = [item.question for item in load_labelled() if item.question.strip()]
    answered = 0
    for number in range(rounds):
        talks = [sandbox.converse(uid, "/trogiup", timeout=30) for uid in MEMBERS]
        talks += [sandbox.converse(sandbox.citizen(900_000_001 + number * 10 + i), questions[(number * 10 + i) % len(questions)],
                                   timeout=30) for i in range(10)]
        for outcome in await asyncio.gather(*talks, return_exceptions=True):
            answered += not isinstance(outcome, BaseException)
    await sandbox.converse(LEADER, "/tonghop", timeout=60)
    return answered + 1


async def run(options: Options) -> Result:
    result = Result("footprint", options)
    tasks, updates = options.pick((50_000, 500_000), (50_000, 500_000), (500, 5_000))
    async with scratch_database(options.db, "footprint") as url:
        storage = Storage.from_url(url)
        try:
            await build_year(storage, now=NOW, tasks=tasks, updates=updates)
            sizes = await table_sizes(storage)
        finally:
            await storage.close()
        async with Sandbox() as sandbox:
            bot = BotProcess("dieuphoi run", bot_env(sandbox, url))
            bot.start([sys.executable, "-m", "bot", "run"])
            try:
                first = await wait_until_answering(sandbox, bot, LEADER, "/start", timeout=120)
                idle = bot.memory()
                answered = await keep_busy(sandbox, options.pick(20, 10, 1))
                await asyncio.sleep(1)
                busy = bot.memory()
            finally:
                await bot.stop()
    result.table(
        f"`dieuphoi run` against the sandbox, {sizes['tasks']:,} tasks, {sizes['task_updates']:,} updates ({options.db})",
        ["first update answered s", "RSS after first MB", f"RSS after {answered} more MB", "peak RSS MB"],
        [[round(first, 2), idle["rss_mb"], busy["rss_mb"], busy["peak_rss_mb"]]],
    )
    result.target("time from start to the first handled update", round(first, 2), 3, "s")
    result.target("resident memory, busy, year of data", busy["peak_rss_mb"], 200, "MB")
    result.notes.append("RSS is the bot process's own (VmRSS, VmHWM from /proc); `import aiogram` alone is "
                        "about 170 MB resident on this machine (its pydantic models), see bench/README.md")
    result.data = {"sizes": sizes, "first_seconds": first, "idle": idle, "busy": busy, "answered": answered}
    return result
