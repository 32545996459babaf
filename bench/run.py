"""``make bench``: run the benchmarks and write their figures to bench/RESULTS.md.

Never part of ``make test``: timings depend on the machine and belong in a report, not an assertion.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cadrebot(*args: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=ROOT,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main() -> None:
    sections: list[tuple[str, str, dict]] = []
    data = ROOT / "tests" / "data"
    sections.append(("Matching quality, dev set", "cadrebot eval-match tests/data/dev_cases.json tests/data/dev_queries.jsonl",
                     _cadrebot("eval-match", str(data / "dev_cases.json"), str(data / "dev_queries.jsonl"))))
    for cases in sorted((data / "heldout").glob("*_cases.json")):
        queries = cases.with_name(cases.name.replace("_cases.json", "_queries.jsonl"))
        rel = f"tests/data/heldout/{cases.name} tests/data/heldout/{queries.name}"
        sections.append((f"Matching quality, held-out set {cases.stem} (another crisis domain)",
                         f"cadrebot eval-match {rel}", _cadrebot("eval-match", str(cases), str(queries))))
    for n in (10_000, 100_000):
        sections.append((f"Matching speed, {n:,} cases", f"cadrebot bench-match --cases {n}",
                         _cadrebot("bench-match", "--cases", str(n))))
    lines = ["# Benchmark results", "", f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.", "",
             f"Machine: {_machine()}", ""]
    for title, command, figures in sections:
        lines += [f"## {title}", "", f"`{command}`", "", "| measure | value |", "| --- | --- |"]
        lines += [f"| {key} | {value} |" for key, value in figures.items()]
        lines.append("")
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
