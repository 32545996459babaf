"""``cadrebot bench-match`` and ``cadrebot bench-load``: the harnesses live in ``bench/``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from bot.config import Settings
from bot.runtime.cli.common import Handler


def add_parsers(sub: Any) -> None:
    from bench import load as bench_load

    bench = sub.add_parser("bench-match", help="matching speed and memory on a synthetic knowledge base")
    bench.add_argument("--cases", type=int, default=10_000)
    bench.add_argument("--queries", type=int, default=200)
    bench.add_argument("--seed", type=int, default=7)
    bench.add_argument("--no-memory", action="store_true", help="skip the tracemalloc build (slow at 100,000 cases)")
    bench_load.add_parser(sub)


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
