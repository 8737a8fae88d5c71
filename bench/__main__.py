"""python -m bench <name> [--db sqlite|postgres] [--quick]   |   python -m bench all

Each benchmark prints a small table and writes bench/results/<name>.json
(<name>-postgres.json with --db postgres). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys

from bench.common import Options, render, write_result

BENCHMARKS = ["throughput", "sweep", "digest", "matching", "pacing", "footprint"]
DATABASE_BOUND = {"throughput", "sweep", "digest", "pacing", "footprint"}


async def run_one(name: str, options: Options) -> bool:
    """Run, print, save; True when every target was met."""
    module = importlib.import_module(f"bench.{name}")
    result = await module.run(options)
    print(render(result), flush=True)
    print(f"\nwritten: {write_result(result)}\n", flush=True)
    return all(target.met for target in result.targets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=[*BENCHMARKS, "all"])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite",
                        help="database for the benchmarks that use one (all: default both)")
    parser.add_argument("--quick", action="store_true", help="smaller, shorter runs (see README per benchmark)")
    parser.add_argument("--smoke", action="store_true", help="the smallest run: proves the script works, measures nothing")
    args = parser.parse_args(argv)
    names = BENCHMARKS if args.name == "all" else [args.name]
    databases = ["sqlite", "postgres"] if args.db == "both" or (args.name == "all" and "--db" not in (argv or sys.argv)) \
        else [args.db]
    all_met = True
    for name in names:
        for db in databases if name in DATABASE_BOUND else ["sqlite"]:
            options = Options(db=db, quick=args.quick, smoke=args.smoke)
            all_met &= asyncio.run(run_one(name, options))
    print("all targets met" if all_met else "some targets missed (see the tables above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
