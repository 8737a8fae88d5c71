"""End-to-end throughput: dieuphoi against a bare aiogram echo bot, on the same sandbox, in the same run.

The sandbox runs in this process; each bot runs in a process of its own and
polls it over HTTP (`bench/bots.py`). People keep a closed loop: each writes,
waits for the bot's answer in their chat, and writes again. A scenario runs
for a warm-up, then a measured window: answers per second over the window,
and p50/p99 of the time from a person's message to the bot's first answer.
The same people then send the same texts to three bots that answer each
with its text, to show where dieuphoi's time goes (`bench/bots.py`):
dieuphoi's update path with an echo for handlers ("plumbing"), an echo bot
that keeps each update and answer in the database ("durable"), and a bare
aiogram echo bot, the target's baseline.

Scenarios (what the bot answers today; a scenario whose feature is missing
is reported as such):
- status: members reply to their task card with progress ("tiến độ 40%").
- citizen: citizens ask the help desk questions from the labelled set.
- help: members send /trogiup.

The load generator must not be the bottleneck: people act through the
sandbox's functions (no HTTP), and the CPU share of this process and of the
bot's is reported for every window (a process at 100% is the one that
limits). dieuphoi's pacing and the sandbox's flood limits are off here (see
`bench/bots.py`): this measures handling, the pacing benchmark the limits.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import Options, Result, cpu_seconds, machine_busy_since, machine_cpu, ms, percentile, scratch_database
from bench.live import BotProcess, Sandbox, bot_env, wait_until_answering
from bench.matching import load_labelled
from bot.roster.file import load_roster

FIRST_CITIZEN = 700_000_001
LEADER = 1001
ANSWER_TIMEOUT = 15.0
newcomer = itertools.count(FIRST_CITIZEN)
STATUS_TEXTS = ["tiến độ 20%", "dang lam duoc 40% roi", "tien do 60", "xong 70% rồi", "da lam duoc 80%",
                "tiến độ 90%"]


@dataclass
class Scenario:
    name: str
    people: list[int]
    texts: list[str]
    reply_to: dict[int, int] = field(default_factory=dict)  # person -> message id of their card
    replies: int = 1  # messages the bot posts in the person's chat per message (measured)
    missing: str | None = None  # why the scenario cannot run against this bot
    newcomers: bool = False  # every message from a new person (citizens: one question each)


@dataclass
class Window:
    bot: str
    scenario: str
    concurrency: int
    seconds: float
    answered: int
    unanswered: int
    latencies: list[float]
    bench_cpu: float  # share of one core used by this process (sandbox + load generator)
    bot_cpu: float
    machine_busy: float  # share of all cores busy, whoever used them (the machine is shared)
    sql: dict[str, int] = field(default_factory=dict)  # statements and commits in the window (dieuphoi)

    @property
    def per_second(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    def per_answer(self, amount: float) -> float | None:
        return amount / self.answered if self.answered else None

    @property
    def cpu_ms_per_answer(self) -> float | None:
        """The bot's CPU time per answer: steadier than rates on a busy machine."""
        spent = self.per_answer(self.bot_cpu * self.seconds * 1000)
        return round(spent, 1) if spent is not None else None

    def row(self) -> list[Any]:
        statements, commits = (self.per_answer(self.sql[k]) if k in self.sql else None
                               for k in ("statements", "commits"))
        return [self.scenario, self.bot, self.concurrency, round(self.per_second, 1),
                ms(percentile(self.latencies, 50)), ms(percentile(self.latencies, 99)), self.unanswered,
                round(100 * self.bench_cpu), round(100 * self.bot_cpu), round(100 * self.machine_busy),
                self.cpu_ms_per_answer, round(statements, 1) if statements is not None else "-",
                round(commits, 1) if commits is not None else "-"]


async def closed_loop(sandbox: Sandbox, bot: BotProcess, scenario: Scenario, concurrency: int,
                      warmup: float, seconds: float) -> Window:
    """`concurrency` people of the scenario write, wait for the answer, write again."""
    people = scenario.people[:concurrency]
    measuring, stopping = False, False
    latencies: list[float] = []
    unanswered = 0

    async def person(index: int, user_id: int) -> None:
        nonlocal unanswered
        turn = index
        while not stopping:
            text = scenario.texts[turn % len(scenario.texts)]
            turn += 1
            if scenario.newcomers:
                user_id = sandbox.citizen(next(newcomer))
            try:
                first, _ = await sandbox.converse(user_id, text, replies=scenario.replies, timeout=ANSWER_TIMEOUT,
                                                  reply_to=scenario.reply_to.get(user_id))
            except TimeoutError:
                unanswered += 1
                continue
            if measuring:
                latencies.append(first)

    tasks = [asyncio.create_task(person(i, uid)) for i, uid in enumerate(people)]
    try:
        await asyncio.sleep(warmup)
        measuring = True
        started, bench_cpu, bot_cpu, machine = time.perf_counter(), cpu_seconds(), bot.cpu_seconds(), machine_cpu()
        sql_before = bot.sql_counts()
        await asyncio.sleep(seconds)
        measuring = False
        elapsed = time.perf_counter() - started
        bench_cpu, bot_cpu = cpu_seconds() - bench_cpu, bot.cpu_seconds() - bot_cpu
        sql = {key: count - sql_before[key] for key, count in bot.sql_counts().items() if key in sql_before}
        busy = machine_busy_since(machine)
        stopping = True
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=2 * ANSWER_TIMEOUT)
    finally:
        for task in tasks:
            task.cancel()
    return Window(bot.kind, scenario.name, len(people), elapsed, len(latencies), unanswered, latencies,
                  bench_cpu / elapsed, bot_cpu / elapsed, busy, sql)


def scenarios(sandbox: Sandbox) -> dict[str, Scenario]:
    roster = load_roster(sandbox.roster)
    members = [m.telegram_id for m in roster.members if m.telegram_id and m.role != "unit_manager"]
    workers = [uid for uid in members if uid not in (LEADER, 1000)]
    questions = [item.question for item in load_labelled() if item.question.strip()]
    return {
        "status": Scenario("status", workers, STATUS_TEXTS),
        "citizen": Scenario("citizen", [sandbox.citizen(next(newcomer)) for _ in range(64)], questions, newcomers=True),
        "help": Scenario("help", members, ["/trogiup"]),
    }


async def hand_out_cards(sandbox: Sandbox, scenario: Scenario) -> None:
    """The leader assigns each worker a task; the card the bot sends them is what they reply to."""
    roster = load_roster(sandbox.roster)
    usernames = {m.telegram_id: m.bare_username for m in roster.members}
    for number, uid in enumerate(scenario.people, start=1):
        before = {m.message_id for m in sandbox.state.chat_messages(uid) if m.by_bot}
        try:
            await sandbox.converse(LEADER, f"/giao @{usernames[uid]} Tổng hợp số liệu quét mã QR đợt {number} "
                                           f"hạn 17h thứ 6", timeout=10)
            for _ in range(100):
                cards = [m for m in sandbox.state.chat_messages(uid) if m.by_bot and m.message_id not in before]
                if cards:
                    break
                await asyncio.sleep(0.05)
        except TimeoutError:
            cards = []
        if not cards:
            scenario.missing = "no task card reached the member after /giao (tasks not handled by this build)"
            return
        scenario.reply_to[uid] = cards[-1].message_id


async def measure_bot(sandbox: Sandbox, bot: BotProcess, plan: dict[str, Scenario], options: Options,
                      on_ready: Callable[[], Awaitable[None]] | None = None) -> tuple[list[Window], float]:
    bot.start()
    try:
        ready = await wait_until_answering(sandbox, bot, LEADER, "/start")
        if on_ready is not None:
            await on_ready()
        windows = []
        for scenario in plan.values():
            if scenario.missing:
                continue
            if bot.kind == "dieuphoi":
                probe = scenario.people[-1]
                scenario.replies = await sandbox.answers_to(probe, scenario.texts[0], settle=1.0) if not \
                    scenario.reply_to else await replies_to_card(sandbox, scenario, probe)
            for concurrency in options.pick([1, 16], [16], [2]):
                windows.append(await closed_loop(sandbox, bot, scenario, min(concurrency, len(scenario.people)),
                                                 warmup=options.pick(3, 2, 0.5), seconds=options.pick(15, 6, 1.5)))
        return windows, ready
    finally:
        await bot.stop()
        sandbox.forget_updates()


def same_load(windows: list[Window], window: Window) -> Window:
    return next(w for w in windows if (w.scenario, w.concurrency) == (window.scenario, window.concurrency))


def ratio(window: Window, baseline: Window) -> float:
    return round(window.per_second / baseline.per_second, 3) if baseline.per_second else float("nan")


async def replies_to_card(sandbox: Sandbox, scenario: Scenario, uid: int) -> int:
    before = sandbox.bot_count(uid)
    await sandbox.converse(uid, scenario.texts[0], reply_to=scenario.reply_to[uid])
    await asyncio.sleep(1.0)
    return sandbox.bot_count(uid) - before


async def run(options: Options) -> Result:
    result = Result("throughput", options)
    async with scratch_database(options.db, "throughput") as database_url, Sandbox() as sandbox:
        plan = scenarios(sandbox)
        # dieuphoi first: the status scenario needs the task cards it hands out.
        counts = Path(tempfile.mkstemp(prefix="dieuphoi-bench-sql-", suffix=".json")[1])
        dieuphoi = BotProcess("dieuphoi", bot_env(sandbox, database_url, DIEUPHOI_BENCH_COUNTS=str(counts)))
        windows, ready = await measure_bot(sandbox, dieuphoi, plan, options,
                                           on_ready=lambda: hand_out_cards(sandbox, plan["status"]))
        for scenario in plan.values():
            scenario.replies = 1
        plumbing = BotProcess("plumbing", bot_env(sandbox, database_url, DIEUPHOI_BENCH_COUNTS=str(counts)))
        plumbing_windows, _ = await measure_bot(sandbox, plumbing, plan, options)
        durable = BotProcess("durable", bot_env(sandbox, database_url))
        durable_windows, _ = await measure_bot(sandbox, durable, plan, options)
        echo = BotProcess("echo", bot_env(sandbox))
        echo_windows, _ = await measure_bot(sandbox, echo, plan, options)
        counts.unlink(missing_ok=True)

    windows += plumbing_windows + durable_windows + echo_windows
    result.table(
        f"closed loop: each person writes, waits for the answer, writes again ({options.db})",
        ["scenario", "bot", "people", "answers/s", "p50 ms", "p99 ms", "unanswered", "bench cpu %", "bot cpu %",
         "machine %", "bot cpu ms/answer", "SQL/answer", "commits/answer"],
        sorted((w.row() for w in windows), key=lambda row: (row[0], row[2], row[1])),
    )
    ratios = []
    for window in windows:
        if window.bot != "dieuphoi":
            continue
        plumbing, durable, echo = (same_load(others, window)
                                   for others in (plumbing_windows, durable_windows, echo_windows))
        ratios.append([window.scenario, window.concurrency, ratio(window, echo), ratio(plumbing, echo),
                       ratio(durable, echo), round(echo.per_second, 1), window.cpu_ms_per_answer,
                       plumbing.cpu_ms_per_answer, durable.cpu_ms_per_answer, echo.cpu_ms_per_answer])
    result.table("answers/s against the echo bot's; bot CPU ms per answer",
                 ["scenario", "people", "dieuphoi", "plumbing", "durable echo", "echo/s",
                  "dieuphoi ms", "plumbing ms", "durable ms", "echo ms"], ratios)
    for name in ("status", "citizen"):  # the two targets, each at its scenario's highest load
        rows = [row for row in ratios if row[0] == name]
        if rows:
            result.target(f"{name} answers/s, dieuphoi / echo", max(rows, key=lambda row: row[1])[2], 0.7, "",
                          higher_is_better=True)
    for scenario in plan.values():
        if scenario.missing:
            result.notes.append(f"{scenario.name}: not measured: {scenario.missing}")
        elif scenario.replies != 1:
            result.notes.append(f"{scenario.name}: dieuphoi posts {scenario.replies} messages per message; latency "
                                "is to the first, a round ends at the last")
    result.notes.append(f"dieuphoi answered its first update {ready:.2f}s after its process started")
    result.data = {"windows": [{**w.__dict__, "latencies": None, "per_second": w.per_second,
                                "p50_ms": ms(percentile(w.latencies, 50)), "p99_ms": ms(percentile(w.latencies, 99))}
                               for w in windows]}
    return result
