"""The Director's digest over a year of a 12-member team: time and peak memory for text, chart, spreadsheet.

A year is generated (bench/dataset.py: about 50,000 tasks, 500,000 status
updates, 52 weekly report periods with every member's submission), then a
fresh process (`python -m bench.digest measure <database url>`) builds, in
turn:
- the weekly digest the Director receives (the last 7 days, the chart over
  the last periods) and
- the whole year (`dieuphoi export` over 365 days), the heaviest request,
each as bot.digest does: gather (build_digest), text, chart PNG, workbook.

Memory is measured in that process: tracemalloc's peak of Python
allocations during the work, and the process's peak resident size
(VmHWM, which includes the interpreter and libraries, shown with what it was
before the work began; not ru_maxrss, which Linux carries over from the
parent process across exec).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import tracemalloc
from datetime import timedelta
from typing import Any

from bench.common import ROOT, Options, Result, Stopwatch, memory_mb, ms, scratch_database
from bench.dataset import build_year, table_sizes
from bench.sweep import NOW
from bot.storage import Storage


async def measure(database_url: str) -> dict[str, Any]:
    """In the child process: build each digest and time each part."""
    from bot.config import Settings
    from bot.digest.build import build_digest
    from bot.digest.chart import digest_chart
    from bot.digest.spreadsheet import digest_workbook
    from bot.digest.text import digest_text
    from bot.i18n import use_locale

    zone = Settings(_env_file=None).zone
    storage = Storage.from_url(database_url)
    out: dict[str, Any] = {"rss_before_mb": memory_mb()["rss_mb"]}
    try:
        for label, days, kind in (("weekly digest", 7, "weekly"), ("whole year", 365, "export")):
            tracemalloc.start()
            parts: dict[str, float] = {}
            with Stopwatch() as total, use_locale("vi"):
                async with storage.read() as session:
                    with Stopwatch() as watch:
                        digest = await build_digest(session, 1, since=NOW - timedelta(days=days), until=NOW, kind=kind)
                    parts["gather"] = watch.seconds
                    with Stopwatch() as watch:
                        text = digest_text(digest, zone)
                    parts["text"] = watch.seconds
                    with Stopwatch() as watch:
                        chart = digest_chart(digest.series, zone)
                    parts["chart"] = watch.seconds
                    with Stopwatch() as watch:
                        workbook = digest_workbook(digest, zone)
                    parts["spreadsheet"] = watch.seconds
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            out[label] = {**parts, "total": total.seconds, "python_peak_mb": peak / 2**20,
                          "rss_peak_mb": memory_mb()["peak_rss_mb"],
                          "text_chars": len(text), "chart_bytes": len(chart or b""), "xlsx_bytes": len(workbook),
                          "values": len(digest.values)}
    finally:
        await storage.close()
    return out


async def run(options: Options) -> Result:
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
        child = subprocess.run([sys.executable, "-m", "bench.digest", "measure", url], cwd=ROOT,
                               capture_output=True, text=True, timeout=600)
        if child.returncode != 0:
            raise RuntimeError(f"the digest process failed:\n{child.stderr[-3000:]}")
        measured = json.loads(child.stdout.strip().splitlines()[-1])
        wall = time.perf_counter() - started
    rows = []
    for label in ("weekly digest", "whole year"):
        m = measured[label]
        rows.append([label, ms(m["gather"]), ms(m["text"]), ms(m["chart"]), ms(m["spreadsheet"]), ms(m["total"]),
                     round(m["python_peak_mb"], 1), round(m["rss_peak_mb"], 1), m["values"]])
    result.table(
        f"{sizes['tasks']:,} tasks, {sizes['task_updates']:,} updates, {sizes['report_periods']} periods, "
        f"{sizes['report_submissions']:,} submissions ({options.db})",
        ["digest", "gather ms", "text ms", "chart ms", "xlsx ms", "total ms", "python peak MB", "process peak MB",
         "values"], rows,
    )
    weekly = measured["weekly digest"]
    result.target("weekly digest, text + chart + spreadsheet", round(weekly["total"], 3), 2, "s")
    result.target("weekly digest, peak memory of the process", round(weekly["rss_peak_mb"], 1), 300, "MB")
    result.notes.append(f"the measuring process had {measured['rss_before_mb']:.0f} MB resident before the work "
                        f"(interpreter, SQLAlchemy, matplotlib, openpyxl); it ran {wall:.1f}s in all")
    result.notes.append(f"year generated in {year.seconds:.0f}s")
    result.data = {"sizes": sizes, "measured": measured}
    return result


if __name__ == "__main__" and sys.argv[1:2] == ["measure"]:
    print(json.dumps(asyncio.run(measure(sys.argv[2]))))
