"""A few counters for the /metrics endpoint, in Prometheus' text format.

Counters live in the process (each process behind the proxy is scraped on
its own); the outbox depth and age are read from the database at scrape time,
so they are the same whichever process answers.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.outbox.models import OutboxMessage, Status
from bot.storage import Storage

HELP = {
    "dieuphoi_updates_total": "Updates received, by outcome (done, skipped, parked).",
    "dieuphoi_handler_errors_total": "Updates whose handler failed (parked for inspection).",
    "dieuphoi_sends_total": "Bot API delivery attempts from the outbox, by result.",
    "dieuphoi_outbox_pending": "Messages waiting in the outbox.",
    "dieuphoi_outbox_oldest_age_seconds": "Age of the oldest message waiting in the outbox.",
}


@dataclass
class Metrics:
    counters: Counter[tuple[str, str]] = field(default_factory=Counter)

    def count(self, name: str, label: str = "") -> None:
        self.counters[(name, label)] += 1

    def value(self, name: str, label: str = "") -> int:
        return self.counters[(name, label)]

    async def exposition(self, storage: Storage, now: datetime) -> str:
        pending, oldest = await outbox_backlog(storage)
        age = (now - oldest).total_seconds() if oldest else 0.0
        lines: list[str] = []
        labels = {"dieuphoi_updates_total": "outcome", "dieuphoi_sends_total": "result"}
        for name in ("dieuphoi_updates_total", "dieuphoi_handler_errors_total", "dieuphoi_sends_total"):
            lines += [f"# HELP {name} {HELP[name]}", f"# TYPE {name} counter"]
            samples = sorted((label, n) for (metric, label), n in self.counters.items() if metric == name)
            if name in labels:
                lines += [f'{name}{{{labels[name]}="{label}"}} {n}' for label, n in samples]
            else:
                lines.append(f"{name} {sum(n for _, n in samples)}")
        for name, value in (("dieuphoi_outbox_pending", pending), ("dieuphoi_outbox_oldest_age_seconds", max(age, 0.0))):
            lines += [f"# HELP {name} {HELP[name]}", f"# TYPE {name} gauge", f"{name} {value:g}"]
        return "\n".join(lines) + "\n"


async def outbox_backlog(storage: Storage) -> tuple[int, datetime | None]:
    """How many messages wait in the outbox, and since when the oldest waits."""
    async with storage.read() as session:
        row = (await session.execute(
            select(func.count(), func.min(OutboxMessage.created_at)).where(OutboxMessage.status == Status.PENDING)
        )).one()
    oldest = row[1]
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(row[0] or 0), oldest
