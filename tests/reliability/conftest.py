"""Fixtures for the reliability tests: harnesses on fresh databases, and the bot as a process."""

import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from tests.conftest import PG_URL, _admin, _with_database
from tests.e2e.harness import DEMO_ROSTER, Harness, start_of_test_day

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def fresh_database(migrated_template: str, tmp_path: Path) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """More migrated databases for one test (a reference run beside the one under test)."""
    created: list[str] = []

    async def make() -> str:
        if PG_URL:
            name = f"dieuphoi_t_{uuid.uuid4().hex[:12]}"
            await _admin(PG_URL, f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
            created.append(name)
            return _with_database(PG_URL, name)
        path = tmp_path / f"extra-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(migrated_template, path)
        return f"sqlite+aiosqlite:///{path}"

    yield make
    for name in created:
        await _admin(PG_URL or "", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[Harness]:
    """The demo team, the bot polling the sandbox, the clock at Wed 25/11/2026 09:00."""
    h = Harness(database_url, ManualClock(start_of_test_day()))
    await h.open(DEMO_ROSTER.read_text(encoding="utf-8"))
    try:
        yield h
    finally:
        await h.close()


@pytest.fixture
async def harnesses() -> AsyncIterator[Callable[..., Awaitable[Harness]]]:
    """Open demo-team harnesses (clock at Wed 25/11/2026 09:00) on given databases; all closed at the end."""
    opened: list[Harness] = []

    async def open_one(database_url: str, **options: Any) -> Harness:
        harness = Harness(database_url, ManualClock(start_of_test_day()))
        await harness.open(DEMO_ROSTER.read_text(encoding="utf-8"), **options)
        opened.append(harness)
        return harness

    yield open_one
    for harness in opened:
        await harness.close()


class BotProcess:
    """`python -m tests.reliability.bot_process MODE` with its own clock file and log file."""

    def __init__(self, mode: str, env: dict[str, str], folder: Path, name: str = "bot", fast: bool = True) -> None:
        self.mode, self.env, self.folder, self.name, self.fast = mode, env, folder, name, fast
        self.clock_file = folder / f"{name}.clock"
        self.log_file = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def set_clock(self, instant: datetime) -> None:
        """Make the process's clock read `instant` now (it keeps running from there)."""
        offset = (instant - datetime.now(instant.tzinfo)).total_seconds()
        temporary = self.clock_file.with_suffix(".tmp")
        temporary.write_text(repr(offset))
        temporary.replace(self.clock_file)

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None
        log = self.log_file.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.bot_process", self.mode, "--clock-file", str(self.clock_file),
             *(["--fast"] if self.fast else [])],
            cwd=ROOT, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace") if self.log_file.exists() else ""


@pytest.fixture
def bot_processes(tmp_path: Path) -> Iterator[Callable[..., BotProcess]]:
    started: list[BotProcess] = []

    def make(mode: str, env: dict[str, str], name: str = "bot", fast: bool = True) -> BotProcess:
        """`fast`: the tests' quick pacing; False paces like production (Telegram's limits)."""
        process = BotProcess(mode, env, tmp_path, name, fast)
        started.append(process)
        return process

    yield make
    for process in started:
        process.stop()
