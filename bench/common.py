"""What every benchmark shares: options, scratch databases, percentiles, tables, JSON results.

A benchmark module has `async def run(options: Options) -> Result`; `bench/__main__.py`
prints the result's tables and writes it to `bench/results/<name>.json`.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.migrate import upgrade_async

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(os.environ.get("DIEUPHOI_BENCH_RESULTS", ROOT / "bench" / "results"))
POSTGRES_URL = os.environ.get("DIEUPHOI_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1/postgres")

Database = Literal["sqlite", "postgres"]


@dataclass(frozen=True)
class Options:
    """How big and where: `quick` trims long runs, `smoke` is the smallest run that proves the script works."""

    db: Database = "sqlite"
    quick: bool = False
    smoke: bool = False

    @property
    def size(self) -> Literal["full", "quick", "smoke"]:
        return "smoke" if self.smoke else "quick" if self.quick else "full"

    def pick(self, full: Any, quick: Any, smoke: Any) -> Any:
        return {"full": full, "quick": quick, "smoke": smoke}[self.size]


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]]


@dataclass
class Target:
    """One of the issue's targets and whether this run met it."""

    name: str
    value: float
    limit: float
    unit: str
    higher_is_better: bool = False

    @property
    def met(self) -> bool:
        return self.value >= self.limit if self.higher_is_better else self.value <= self.limit

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met}


@dataclass
class Result:
    name: str
    options: Options
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def table(self, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        self.tables.append(Table(title, list(headers), [list(row) for row in rows]))

    def target(self, name: str, value: float, limit: float, unit: str, *, higher_is_better: bool = False) -> None:
        self.targets.append(Target(name, value, limit, unit, higher_is_better))

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "options": asdict(self.options),
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "targets": [t.as_dict() for t in self.targets],
            "tables": [asdict(t) for t in self.tables],
            "data": self.data,
            "notes": self.notes,
        }


# --- numbers -------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), linear between closest ranks; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


class Stopwatch:
    """`with Stopwatch() as watch: ...` then `watch.seconds`."""

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started


# --- the machine and processes -----------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the numbers were measured on (this is shared and noisy: compare ratios)."""
    cpu = next((line.split(":", 1)[1].strip() for line in _read_lines("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor() or "?")
    memory_kb = next((int(line.split()[1]) for line in _read_lines("/proc/meminfo") if line.startswith("MemTotal")), 0)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid or os.getpid()}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[int, int]:
    """(all jiffies, idle jiffies) of the whole machine so far (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values), values[3] + values[4]


def machine_busy_since(start: tuple[int, int]) -> float:
    """Share of all cores busy since `start` (0-1), whoever used them."""
    total, idle = machine_cpu()
    spent = total - start[0]
    return 1 - (idle - start[1]) / spent if spent else 0.0


def memory_mb(pid: int | None = None) -> dict[str, float]:
    """Resident memory now (VmRSS) and at its peak (VmHWM), in MB."""
    values = {}
    for line in _read_lines(f"/proc/{pid or os.getpid()}/status"):
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return {"rss_mb": round(values.get("VmRSS", 0.0), 1), "peak_rss_mb": round(values.get("VmHWM", 0.0), 1)}


# --- databases -----------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _postgres_admin(*statements: str) -> None:
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


@asynccontextmanager
async def scratch_database(db: Database, label: str) -> AsyncIterator[str]:
    """A new, migrated database (SQLite file or PostgreSQL database), removed afterwards; yields its URL."""
    if db == "postgres":
        name = f"dieuphoi_bench_{label}_{uuid.uuid4().hex[:8]}"
        await _postgres_admin(f'CREATE DATABASE "{name}"')
        url = _with_database(POSTGRES_URL, name)
        try:
            await upgrade_async(url)
            yield url
        finally:
            await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        folder = Path(tempfile.mkdtemp(prefix=f"dieuphoi-bench-{label}-"))
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        try:
            await upgrade_async(url)
            yield url
        finally:
            shutil.rmtree(folder, ignore_errors=True)


# --- output --------------------------------------------------------------------------------


def format_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_table(table: Table) -> str:
    cells = [[format_cell(v) for v in row] for row in table.rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) if cells else len(h) for i, h in enumerate(table.headers)]
    line = "  ".join("-" * w for w in widths)
    out = [table.title, "  ".join(h.ljust(w) for h, w in zip(table.headers, widths)), line]
    out += ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))) for row in cells]
    return "\n".join(out)


def render(result: Result) -> str:
    parts = [f"== {result.name} ({result.options.db}, {result.options.size})"]
    parts += [render_table(t) for t in result.tables]
    if result.targets:
        parts.append(render_table(Table(
            "targets", ["target", "measured", "limit", "met"],
            [[t.name, f"{format_cell(t.value)} {t.unit}", f"{'≥' if t.higher_is_better else '≤'} "
              f"{format_cell(t.limit)} {t.unit}", t.met] for t in result.targets],
        )))
    parts += [f"note: {note}" for note in result.notes]
    return "\n\n".join(parts)


def write_result(result: Result, folder: Path = RESULTS) -> Path:
    """bench/results/<name>.json, or <name>-postgres.json for a PostgreSQL run."""
    folder.mkdir(parents=True, exist_ok=True)
    suffix = "" if result.options.db == "sqlite" else f"-{result.options.db}"
    path = folder / f"{result.name}{suffix}.json"
    path.write_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path
