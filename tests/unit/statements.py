"""What a storage's engine sends to the database while a block runs: for tests that count statements."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event

from bot.storage import Storage


@dataclass
class Statements:
    sql: list[str] = field(default_factory=list)
    commits: int = 0

    def like(self, *starts: str) -> list[str]:
        return [s for s in self.sql if s.lstrip().upper().startswith(starts)]


@contextmanager
def statements(storage: Storage) -> Iterator[Statements]:
    """Every statement and commit the storage's engine sends meanwhile (as bench/bots.py counts them)."""
    seen = Statements()
    engine = storage.engine.sync_engine

    def statement(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        seen.sql.append(sql)

    def commit(_conn: object) -> None:
        seen.commits += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
