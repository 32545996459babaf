"""``cadrebot bench-match`` and ``cadrebot bench-load``: the harnesses live in ``bench/``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.runtime.cli.common import Handler


def add_parsers(sub: Any) -> None:
    bench = sub.add_parser("bench-match", help="matching speed and memory on a synthetic knowledge base")
    bench.add_argument("--cases", type=int, default=10_000)
    bench.add_argument("--queries", type=int, default=200)
    bench.add_argument("--seed", type=int, default=7)
    bench.add_argument("--no-memory", action="store_true", help="skip the tracemalloc build (slow at 100,000 cases)")
    _add_bench_load_parser(sub)


def _add_bench_load_parser(sub: Any) -> argparse.ArgumentParser:
    # Here, not in bench/load.py: every `cadrebot` command builds the whole parser, and importing
    # the harness imports the bot, PTB and scikit-learn — seconds before `cadrebot db version`.
    parser = sub.add_parser("bench-load", help="load benchmark: simulated users drive the real bot offline")
    parser.add_argument("--users", type=int, default=1000, help="simulated users (default 1000)")
    parser.add_argument("--minutes", type=float, default=3.0, help="wall time of each run (default 3)")
    parser.add_argument(
        "--think",
        type=float,
        default=10.0,
        dest="think_s",
        help="a user's mean pause before typing, seconds (default 10)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=50,
        help="updates in flight at most (default 50); 1 is PTB's default of one update at a time",
    )
    parser.add_argument("--cases", type=int, help="replace the bundled cases by this many synthetic ones")
    parser.add_argument(
        "--flush",
        choices=("update", "interval"),
        default="update",
        help="persistence flush and notifier drain after every update, timed (default), or in the background",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-baseline", action="store_true", help="skip the run with the naive matcher")
    parser.add_argument("--workdir", type=Path, help="where the benchmark databases go (default: a temp dir)")
    return parser


async def _bench_match(settings: Settings, args: argparse.Namespace) -> int:
    from bench.match import run_bench
    from knowledge.loader import load_bundled

    result = await asyncio.to_thread(
        run_bench,
        args.cases,
        load_bundled().cases,
        seed=args.seed,
        queries=args.queries,
        measure_memory=not args.no_memory,
    )
    for key, value in result.items():
        print(f"{key}: {value}", file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))
    return 0


async def _bench_load(settings: Settings, args: argparse.Namespace) -> int:
    from bench import load as bench_load

    return await bench_load.command(settings, args)


COMMANDS: dict[str, Handler] = {"bench-match": _bench_match, "bench-load": _bench_load}
