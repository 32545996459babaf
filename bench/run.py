"""``make bench``: run the benchmarks and write their figures to bench/RESULTS.md.

Never part of ``make test``: timings depend on the machine and belong in a report, not an assertion.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cadrebot(*args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", *args], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


LOAD_USERS = 1000
LOAD_MINUTES = 2.0


def _bench_load(users: int, minutes: float) -> dict:
    """``cadrebot bench-load`` pinned to one core where ``taskset`` exists; it exits 1 when it saw errors,
    which are in its figures, so the exit code does not stop the other sections."""
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    options = ["--users", str(users), "--minutes", str(minutes)]
    result = subprocess.run(
        [*pin, sys.executable, "-m", "bot.runtime.cli", "bench-load", *options],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if result.returncode == 2 and "invalid choice" in result.stderr:  # the subcommand is not wired into the CLI yet
        result = subprocess.run(
            [*pin, sys.executable, "-m", "bench.load", *options],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
    lines = result.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"bench-load printed no figures:\n{result.stderr[-3000:]}")
    return json.loads(lines[-1])


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"
    )


def main() -> None:
    sections: list[tuple[str, str, dict]] = []
    data = ROOT / "tests" / "data"
    sections.append(
        (
            "Matching quality, dev set",
            "cadrebot eval-match tests/data/dev_cases.json tests/data/dev_queries.jsonl",
            _cadrebot("eval-match", str(data / "dev_cases.json"), str(data / "dev_queries.jsonl")),
        )
    )
    for cases in sorted((data / "heldout").glob("*_cases.json")):
        queries = cases.with_name(cases.name.replace("_cases.json", "_queries.jsonl"))
        rel = f"tests/data/heldout/{cases.name} tests/data/heldout/{queries.name}"
        sections.append(
            (
                f"Matching quality, held-out set {cases.stem} (another crisis domain)",
                f"cadrebot eval-match {rel}",
                _cadrebot("eval-match", str(cases), str(queries)),
            )
        )
    sections.append(
        (
            "Matching speed, 10,000 cases",
            "cadrebot bench-match --cases 10000",
            _cadrebot("bench-match", "--cases", "10000"),
        )
    )
    # At 100,000 cases the extra build under tracemalloc takes minutes; speed only.
    sections.append(
        (
            "Matching speed, 100,000 cases",
            "cadrebot bench-match --cases 100000 --no-memory",
            _cadrebot("bench-match", "--cases", "100000", "--no-memory"),
        )
    )
    pinned = " (taskset -c 0: one core)" if shutil.which("taskset") else ""
    sections.append(
        (
            f"Load, {LOAD_USERS:,} simulated users{pinned}, then the same mix with the naive matcher",
            f"cadrebot bench-load --users {LOAD_USERS} --minutes {LOAD_MINUTES:g}",
            _bench_load(LOAD_USERS, LOAD_MINUTES),
        )
    )
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"Machine: {_machine()}",
        "",
    ]
    for title, command, figures in sections:
        lines += [f"## {title}", "", f"`{command}`", "", "| measure | value |", "| --- | --- |"]
        lines += [f"| {key} | {value} |" for key, value in figures.items()]
        lines.append("")
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
