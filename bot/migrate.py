"""Bringing a database to the newest schema (Alembic, head).

Alembic (with Mako, and Pygments where it is installed) costs ~4-8 MB resident
and a good part of a second to import and run. A database already at head,
what almost every start finds, is recognised without it: the head revision is
read from the migration files and compared with `alembic_version`; anything
else (no table yet, another revision, a file this reading does not
understand) goes through Alembic as before.
"""

import ast
import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.db import create_engine

if TYPE_CHECKING:
    from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ROOT / "migrations" / "versions"
# `revision: str = '5d5b33ba269c'`, as migrations/script.py.mako writes them
_ASSIGNMENT = re.compile(r"^(revision|down_revision|branch_labels|depends_on)\b[^=\n]*=(.*)$", re.MULTILINE)


def alembic_config(database_url: str) -> "Config":
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")


def head_revisions(folder: Path = VERSIONS) -> set[str] | None:
    """The heads of the migration files, read without Alembic; None when a file is not plainly one
    revision after another (branch labels, dependencies, a value that is not a literal)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in folder.glob("*.py"):
        try:
            values = {name: ast.literal_eval(value.strip())
                      for name, value in _ASSIGNMENT.findall(path.read_text(encoding="utf-8"))}
        except (ValueError, SyntaxError):
            return None
        revision, parent = values.get("revision"), values.get("down_revision")
        if not isinstance(revision, str) or values.get("branch_labels") or values.get("depends_on"):
            return None
        if not (parent is None or isinstance(parent, str)
                or (isinstance(parent, tuple) and all(isinstance(p, str) for p in parent))):
            return None
        revisions.add(revision)
        parents.update([parent] if isinstance(parent, str) else parent or ())
    return (revisions - parents) or None


async def at_head(database_url: str) -> bool:
    """True when the database's `alembic_version` names exactly the heads of the migration files."""
    heads = head_revisions()
    if heads is None:
        return False
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            current = set((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars())
    except SQLAlchemyError:  # no such table yet
        return False
    finally:
        await engine.dispose()
    return current == heads


async def upgrade_async(database_url: str) -> None:
    """Alembic's env runs its own event loop, so it gets a thread of its own."""
    if await at_head(database_url):
        return
    await asyncio.to_thread(upgrade, database_url)
