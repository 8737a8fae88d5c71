"""Footprint: resident memory of a running bot with a year of data, and time from `dieuphoi run`
to the first handled update, beside a bare aiogram echo bot and the libraries' own floor.

Imports, each in a fresh interpreter: aiogram alone, as shipped (it builds
all its pydantic models at import) and as dieuphoi imports it (models built
when first used: bot/telegram/lazy_models.py); every third-party module
`dieuphoi run` loads, with nothing of dieuphoi, both ways (the floor no code
of ours can go under); and `dieuphoi run`'s own imports.

Starts, each on the sandbox, a citizen's `/start` queued before the process
starts (nobody else writes to that citizen, so the first message there is
the answer), timed from starting the process to the answer landing in the
chat (interpreter start, imports, migration check, roster import, menus,
first getUpdates, handling, delivery; an owed digest is caught up beside polling):
1. `python -m bench.bare_echo`, the baseline;
2. `python -m bot run` (what the `dieuphoi run` script runs) on a year of
   data (bench/dataset.py, as for the digest) with nothing owed: the
   scheduled digests of the last hours are recorded as sent, as after an
   ordinary restart. Then people keep it busy (members' /trogiup, citizens'
   questions, a /tonghop digest for the leader) and its resident memory is
   read from /proc (now and at its peak);
3. `python -m bot run` again, owing the daily digest (its cron set to half
   an hour ago, within the catch-up window): a restart after an outage.
Resident memory is also read once the owed digest has reached the leader.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bench.common import ROOT, Options, Result, scratch_database
from bench.dataset import build_year, table_sizes
from bench.live import BotProcess, Sandbox, bot_env, wait_until_answering
from bench.matching import load_labelled
from bot.clock import SystemClock
from bot.config import Settings
from bot.digest.models import DigestRun
from bot.digest.schedule import DigestSchedule
from bot.roster.models import Team
from bot.sandbox import people
from bot.storage import Storage

LEADER = 1001
MEMBERS = [1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011]
FIRST_CITIZEN = 990_000_001  # one fresh citizen per start says /start
DIEUPHOI_RUN = [sys.executable, "-m", "bot", "run"]
BARE_ECHO = [sys.executable, "-m", "bench.bare_echo"]
LIBRARIES = "the libraries `dieuphoi run` loads, no code of ours"
LAZY_AIOGRAM = "aiogram, models built when first used"
LAZY_LIBRARIES = "the same libraries, aiogram's models built when first used"
# Importing the package `bot` (a docstring and bot/telegram/lazy_models.py) installs the lazy import.
LAZY = ["bot"]
# What `dieuphoi run` imports before it starts (bot/cli.py, then bot/commands_cli.py's `run`), and the
# database driver SQLAlchemy loads when the first engine is made.
RUN_IMPORTS = ["bot.cli", "aiogram.exceptions", "bot.telegram.runner", "bot.telegram.webhook"]
DRIVERS = {"sqlite": "aiosqlite", "postgres": "asyncpg"}

# In a fresh interpreter: import the modules named in argv[1] (JSON); print RSS and the CPU and wall time spent.
MEASURE_IMPORTS = """
import importlib, json, sys, time
names = json.loads(sys.argv[1])
cpu, wall = time.process_time(), time.perf_counter()
failed = []
for name in names:
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
rss = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS:"))
print(json.dumps({"rss_mb": round(rss / 1024, 1), "cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "failed": failed}))
"""

# In a fresh interpreter: import what `dieuphoi run` does; print every third-party module then loaded.
LIST_LIBRARIES = """
import importlib, json, sys, sysconfig
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
site = sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]
print(json.dumps(sorted(name for name, module in list(sys.modules.items())
                        if (getattr(module, "__file__", None) or "").startswith(site)
                        and not name.startswith(("__editable__", "_distutils_hack")))))
"""


def _python(script: str, *args: str) -> Any:
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True,
                          check=True, timeout=300)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_imports(db: str) -> dict[str, dict[str, Any]]:
    """Resident memory and CPU time of imports, each set in a fresh interpreter."""
    ours = [*RUN_IMPORTS, DRIVERS[db]]
    libraries = _python(LIST_LIBRARIES, json.dumps(ours))
    measured = {
        "aiogram alone": _python(MEASURE_IMPORTS, json.dumps(["aiogram"])),
        LAZY_AIOGRAM: _python(MEASURE_IMPORTS, json.dumps([*LAZY, "aiogram"])),
        LIBRARIES: _python(MEASURE_IMPORTS, json.dumps(libraries)),
        LAZY_LIBRARIES: _python(MEASURE_IMPORTS, json.dumps([*LAZY, *libraries])),
        "`dieuphoi run`'s imports": _python(MEASURE_IMPORTS, json.dumps(ours)),
    }
    measured[LIBRARIES]["packages"] = sorted({name.split(".")[0] for name in libraries})
    return measured


@dataclass
class Start:
    """One process started with a /start waiting for it."""

    label: str
    first_s: float  # from starting the process to the answer landing
    cpu_s: float  # the process's CPU time, read just after the answer
    memory: dict[str, float]  # read just after the answer
    before_polling: dict[str, int]  # Bot API calls made before the first getUpdates, by method


async def start_and_answer(sandbox: Sandbox, label: str, command: list[str], env: dict[str, str],
                           citizen: int) -> tuple[BotProcess, Start]:
    sandbox.forget_updates()  # nothing left over from the previous process
    sandbox.citizen(citizen)
    calls = len(sandbox.state.calls.records)
    process = BotProcess(label, env)
    process.start(command)
    try:
        first = await wait_until_answering(sandbox, process, citizen, "/start", timeout=180)
        return process, Start(label, round(first, 2), round(process.cpu_seconds(), 2), process.memory(),
                              calls_before_polling(sandbox, calls))
    except BaseException:
        await process.stop()
        raise


def calls_before_polling(sandbox: Sandbox, since: int) -> dict[str, int]:
    """The Bot API calls a starting process made before its first getUpdates: each is a round trip
    to Telegram (tens to hundreds of ms) before the first update can be fetched."""
    methods: Counter[str] = Counter()
    for record in sandbox.state.calls.records[since:]:
        if record.method == "getUpdates":
            break
        methods[record.method] += 1
    return dict(methods)


async def keep_busy(sandbox: Sandbox, rounds: int) -> int:
    """Members' /trogiup and citizens' questions, then the leader's /tonghop until its workbook has arrived."""
    questions = [item.question for item in load_labelled() if item.question.strip()]
    answered = 0
    for number in range(rounds):
        talks = [sandbox.converse(uid, "/trogiup", timeout=30) for uid in MEMBERS]
        talks += [sandbox.converse(sandbox.citizen(900_000_001 + number * 10 + i), questions[(number * 10 + i) % len(questions)],
                                   timeout=30) for i in range(10)]
        for outcome in await asyncio.gather(*talks, return_exceptions=True):
            answered += not isinstance(outcome, BaseException)
    documents = documents_in(sandbox, LEADER)
    people.say(sandbox.state, LEADER, "/tonghop")
    if await wait_for_document(sandbox, LEADER, documents, timeout=180) is None:
        raise RuntimeError("the leader's /tonghop brought no workbook")
    return answered + 1


async def record_digests_sent(url: str) -> int:
    """Every scheduled digest of the catch-up window recorded as sent, as the previous process would have."""
    storage = Storage.from_url(url)
    now = SystemClock().now()
    schedule = DigestSchedule(storage, SystemClock(), Settings(_env_file=None))
    try:
        async with storage.transaction() as session:
            recorded = 0
            for team in await session.scalars(select(Team)):
                for kind, instant in schedule.due_instants(now, team.created_at):
                    session.add(DigestRun(team_id=team.id, kind=kind.name, instant=instant,
                                          since=instant - kind.window, sent_at=now))
                    recorded += 1
    finally:
        await storage.close()
    return recorded


def owed_daily_cron(settings: Settings) -> str:
    """A daily cron whose last instant was half an hour ago (team's zone): inside the catch-up window."""
    moment = (SystemClock().now() - timedelta(minutes=30)).astimezone(settings.zone)
    return f"{moment.minute} {moment.hour} * * *"


def documents_in(sandbox: Sandbox, chat_id: int) -> int:
    return sum(1 for message in sandbox.state.chat_messages(chat_id) if message.by_bot and message.document)


async def wait_for_document(sandbox: Sandbox, chat_id: int, before: int, timeout: float) -> float | None:
    """Seconds until the bot has sent a new document (the digest's workbook) to the chat; None if it did not."""
    started = time.perf_counter()
    while documents_in(sandbox, chat_id) <= before:
        if time.perf_counter() - started > timeout:
            return None
        await asyncio.sleep(0.1)
    return time.perf_counter() - started


async def run(options: Options) -> Result:
    result = Result("footprint", options)
    tasks, updates = options.pick((50_000, 500_000), (50_000, 500_000), (500, 5_000))
    imports = measure_imports(options.db)
    async with scratch_database(options.db, "footprint") as url:
        storage = Storage.from_url(url)
        try:
            # The year ends now, on the clock the bot runs by: no reminder of it falls due while measuring.
            await build_year(storage, now=SystemClock().now(), tasks=tasks, updates=updates)
            sizes = await table_sizes(storage)
        finally:
            await storage.close()
        async with Sandbox() as sandbox:
            echo, baseline = await start_and_answer(sandbox, "bare aiogram echo bot", BARE_ECHO, bot_env(sandbox),
                                                    FIRST_CITIZEN)
            await echo.stop()

            recorded = await record_digests_sent(url)
            bot, ordinary = await start_and_answer(sandbox, "dieuphoi, nothing owed", DIEUPHOI_RUN,
                                                   bot_env(sandbox, url), FIRST_CITIZEN + 1)
            try:
                answered = await keep_busy(sandbox, options.pick(20, 10, 1))
                await asyncio.sleep(1)
                busy = bot.memory()
            finally:
                await bot.stop()

            cron = owed_daily_cron(Settings(_env_file=None))
            documents = documents_in(sandbox, LEADER)
            bot, owing = await start_and_answer(sandbox, "dieuphoi, owing the daily digest", DIEUPHOI_RUN,
                                                bot_env(sandbox, url, DIEUPHOI_DIGEST_CRON=cron), FIRST_CITIZEN + 2)
            try:
                digest_after = await wait_for_document(sandbox, LEADER, documents, timeout=180)
                after_digest = bot.memory()
            finally:
                await bot.stop()
    if digest_after is None:
        raise RuntimeError("the owed digest never reached the leader: the start-up catch-up did not happen")

    result.table(
        "Imports, each set in a fresh interpreter",
        ["what", "RSS MB", "CPU s", "wall s"],
        [[name, m["rss_mb"], m["cpu_s"], m["wall_s"]] for name, m in imports.items()],
    )
    result.table(
        f"Start to the first answer, against the sandbox; {sizes['tasks']:,} tasks, {sizes['task_updates']:,} "
        f"updates ({options.db})",
        ["process", "first answer s", "CPU s by then", "RSS then MB", "peak RSS MB", "Bot API calls before polling"],
        [[start.label, start.first_s, start.cpu_s, start.memory["rss_mb"], start.memory["peak_rss_mb"],
          ", ".join(f"{method} {count}" for method, count in start.before_polling.items())]
         for start in (baseline, ordinary, owing)],
    )
    result.table(
        "dieuphoi's resident memory later on",
        ["when", "RSS MB", "peak RSS MB"],
        [[f"after {answered} more answers (nothing owed at start)", busy["rss_mb"], busy["peak_rss_mb"]],
         [f"owed digest at the leader ({digest_after:.1f} s after the first answer)", after_digest["rss_mb"],
          after_digest["peak_rss_mb"]]],
    )
    result.target("time from start to the first handled update, nothing owed", ordinary.first_s, 3, "s")
    result.target("time from start to the first handled update, a digest owed", owing.first_s, 3, "s")
    result.target("resident memory, busy, year of data", busy["peak_rss_mb"], 200, "MB")
    floor = imports[LIBRARIES]
    result.notes.append(
        f"RSS is the bot process's own (VmRSS, peak VmHWM, from /proc). The floor: aiogram alone is "
        f"{imports['aiogram alone']['rss_mb']} MB resident as shipped (every pydantic model built at import), "
        f"{imports[LAZY_AIOGRAM]['rss_mb']} MB with its models built when first used, as dieuphoi imports it; "
        f"the bare echo bot (aiogram as shipped) {baseline.memory['rss_mb']} MB after answering; the "
        f"{len(floor['packages'])} packages `dieuphoi run` loads, without a line of ours, {floor['rss_mb']} MB "
        f"({imports[LAZY_LIBRARIES]['rss_mb']} MB with aiogram's models built when first used).")
    result.notes.append(f"digest runs of the last hours recorded as sent before the ordinary start: {recorded}; "
                        f"owed start: DIEUPHOI_DIGEST_CRON={cron!r}")
    result.data = {"sizes": sizes, "imports": imports, "starts": [vars(s) for s in (baseline, ordinary, owing)],
                   "busy": busy, "answered": answered, "owed_digest_seconds": digest_after,
                   "after_owed_digest": after_digest, "digest_runs_recorded": recorded, "owed_cron": cron}
    return result
