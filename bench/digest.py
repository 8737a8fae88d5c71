"""The Director's digest over a year of a 12-member team: time and peak memory for text, chart, spreadsheet.

A year is generated (bench/dataset.py: about 50,000 tasks, 500,000 status
updates, 52 weekly report periods with every member's submission), then a
fresh process (`python -m bench.digest measure <database url> <now>`) builds,
in turn:
- the weekly digest the Director receives (the last 7 days, the chart over
  the last periods), first in the process (matplotlib and openpyxl load
  then), then once more (a bot that has built one before);
- the whole year (`dieuphoi export` over 365 days), the heaviest request,
each as bot.digest does: gather (build_digest), text, chart PNG, workbook.

Time: wall-clock seconds and the process's CPU seconds of each part (the
machine is shared: the wall time grows with other people's load, CPU time
much less). tracemalloc is off while timing: it slows every allocation
several times.

Memory, in that process: its peak resident size (VmHWM, which includes the
interpreter and libraries, shown with what it was before the work began; not
ru_maxrss, which Linux carries over from the parent process across exec),
read after each timed build; then each build again under tracemalloc for the
peak of Python allocations. The measuring process imports only what building
a digest needs (not aiogram, which a running bot has loaded too: see the
footprint benchmark).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import tracemalloc
from datetime import datetime, timedelta
from typing import Any

from bench.common import ROOT, Options, Result, memory_mb, ms, scratch_database

PARTS = ("gather", "text", "chart", "spreadsheet")
# (label, days, kind, timed under tracemalloc as well)
BUILDS = (("weekly digest", 7, "weekly", True), ("weekly digest, again", 7, "weekly", False),
          ("whole year", 365, "export", True))


class Clocks:
    """`with Clocks() as clocks: ...` then `clocks.wall` and `clocks.cpu` (this process, all threads), seconds."""

    def __enter__(self) -> Clocks:
        self.started, self.cpu_started = time.perf_counter(), time.process_time()
        self.wall = self.cpu = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.started
        self.cpu = time.process_time() - self.cpu_started


async def measure(database_url: str, now: datetime) -> dict[str, Any]:
    """In the child process: build each digest and time each part, then measure Python's peak allocations."""
    from bot.config import Settings
    from bot.digest.build import build_digest
    from bot.digest.chart import digest_chart
    from bot.digest.spreadsheet import digest_workbook
    from bot.digest.text import digest_text
    from bot.i18n import use_locale
    from bot.storage import Storage

    zone = Settings(_env_file=None).zone
    storage = Storage.from_url(database_url)

    async def build(days: int, kind: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        with Clocks() as total, use_locale("vi"):
            async with storage.read() as session:
                with Clocks() as clocks:
                    digest = await build_digest(session, 1, since=now - timedelta(days=days), until=now, kind=kind)
                out["gather"] = clocks
                with Clocks() as clocks:
                    text = digest_text(digest, zone)
                out["text"] = clocks
                with Clocks() as clocks:
                    chart = digest_chart(digest.series, zone)
                out["chart"] = clocks
                with Clocks() as clocks:
                    workbook = digest_workbook(digest, zone)
                out["spreadsheet"] = clocks
        tasks = digest.tasks
        rows = len(tasks.new) + len(tasks.done) + len(tasks.overdue) + len(tasks.blocked) if tasks else 0
        return {**{part: out[part].wall for part in PARTS}, **{f"{part}_cpu": out[part].cpu for part in PARTS},
                "total": total.wall, "total_cpu": total.cpu, "text_chars": len(text), "chart_bytes": len(chart or b""),
                "xlsx_bytes": len(workbook), "values": len(digest.values), "task_rows": rows}

    out: dict[str, Any] = {"rss_before_mb": memory_mb()["rss_mb"]}
    try:
        for label, days, kind, _traced in BUILDS:
            out[label] = {**await build(days, kind), "rss_peak_mb": memory_mb()["peak_rss_mb"]}
        for label, days, kind, traced in BUILDS:
            if traced:
                tracemalloc.start()
                await build(days, kind)
                out[label]["python_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
    finally:
        await storage.close()
    return out


async def run(options: Options) -> Result:
    from bench.dataset import build_year, table_sizes
    from bench.sweep import NOW
    from bot.storage import Storage

    result = Result("digest", options)
    tasks, updates = options.pick((50_000, 500_000), (50_000, 500_000), (1_000, 10_000))
    async with scratch_database(options.db, "digest") as url:
        storage = Storage.from_url(url)
        try:
            year = await build_year(storage, now=NOW, tasks=tasks, updates=updates)
            sizes = await table_sizes(storage)
        finally:
            await storage.close()
        started = time.perf_counter()
        child = subprocess.run([sys.executable, "-m", "bench.digest", "measure", url, NOW.isoformat()], cwd=ROOT,
                               capture_output=True, text=True, timeout=900)
        if child.returncode != 0:
            raise RuntimeError(f"the digest process failed:\n{child.stderr[-3000:]}")
        measured = json.loads(child.stdout.strip().splitlines()[-1])
        wall = time.perf_counter() - started
    rows = []
    for label, *_rest in BUILDS:
        m = measured[label]
        rows.append([label, *(ms(m[part]) for part in PARTS), ms(m["total"]), ms(m["total_cpu"]),
                     round(m["python_peak_mb"], 1) if "python_peak_mb" in m else "-", round(m["rss_peak_mb"], 1),
                     m["task_rows"], m["values"]])
    result.table(
        f"{sizes['tasks']:,} tasks, {sizes['task_updates']:,} updates, {sizes['report_periods']} periods, "
        f"{sizes['report_submissions']:,} submissions ({options.db})",
        ["digest", "gather ms", "text ms", "chart ms", "xlsx ms", "total ms", "CPU ms", "python peak MB",
         "process peak MB", "task rows", "values"], rows,
    )
    weekly = measured["weekly digest"]
    result.target("weekly digest, text + chart + spreadsheet", round(weekly["total"], 3), 2, "s")
    result.target("weekly digest, peak memory of the process", round(weekly["rss_peak_mb"], 1), 300, "MB")
    result.notes.append(f"the measuring process had {measured['rss_before_mb']:.0f} MB resident before the work "
                        f"(interpreter, SQLAlchemy, the bot's modules); it ran {wall:.1f}s in all")
    result.notes.append("ms columns are wall-clock time; CPU ms is the process's own CPU time for the whole "
                        "build (the difference is waiting: for the database, and for the cores other people use)")
    result.notes.append(f"year generated in {year.seconds:.0f}s")
    result.data = {"sizes": sizes, "measured": measured}
    return result


if __name__ == "__main__" and sys.argv[1:2] == ["measure"]:
    print(json.dumps(asyncio.run(measure(sys.argv[2], datetime.fromisoformat(sys.argv[3])))))
