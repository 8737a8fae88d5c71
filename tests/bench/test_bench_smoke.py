"""Each benchmark in its smallest mode: proves the scripts run and fill their tables, never checks speed.

Speed is measured by `python -m bench <name>` (bench/README.md), not by tests.
"""

import json
import os
from pathlib import Path

import pytest

from bench import common
from bench.__main__ import BENCHMARKS, run_one
from bench.common import Options
from bench.matching import load_labelled, vary
from bot.helpdesk.knowledge import load_knowledge

pytestmark = pytest.mark.timeout(300)
PG_URL = os.environ.get("DIEUPHOI_TEST_DATABASE_URL")  # the suite's PostgreSQL run smoke-tests that path too


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    monkeypatch.setattr("bench.__main__.write_result", lambda result: common.write_result(result, tmp_path))
    return tmp_path


@pytest.mark.parametrize("name", BENCHMARKS)
async def test_benchmark_runs_in_its_smallest_mode(name: str, results: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = "sqlite"
    if PG_URL and name != "matching":
        monkeypatch.setattr(common, "POSTGRES_URL", PG_URL.rpartition("/")[0] + "/postgres")
        db = "postgres"

    await run_one(name, Options(db=db, smoke=True))

    written = json.loads((results / f"{name}{'' if db == 'sqlite' else '-postgres'}.json").read_text(encoding="utf-8"))
    assert written["name"] == name
    assert written["machine"]["cpus"] >= 1
    assert written["tables"] and all(table["rows"] for table in written["tables"])
    assert written["targets"], "every benchmark checks at least one of the issue's targets"
    if name == "throughput":  # dieuphoi and each of its three baselines answered in every scenario
        answered = {(w["bot"], w["scenario"]): w["answered"] for w in written["data"]["windows"]}
        assert {bot for bot, _ in answered} == {"dieuphoi", "plumbing", "durable", "echo"}
        assert all(answered.values()), answered


def test_labelled_questions_are_at_least_200_and_name_real_entries() -> None:
    knowledge = load_knowledge()
    ids = {entry.id for entry in knowledge.entries}
    labelled = load_labelled()

    assert len(labelled) >= 200
    assert {item.entry_id for item in labelled} <= ids
    assert sum(item.source == "bench" for item in labelled) >= 100


def test_the_varied_knowledge_base_has_1000_valid_entries_with_unique_ids() -> None:
    big = vary(load_knowledge())

    assert len(big.entries) == 1000
    assert len({entry.id for entry in big.entries}) == 1000
