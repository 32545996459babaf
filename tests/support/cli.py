"""The ``cadrebot`` command as a user runs it, in a clean environment of its own.

``cadrebot`` starts a new interpreter, as a user does. ``cadrebot_here`` runs the same ``main`` in
this process with the same environment, working directory, stdin, stdout, stderr (logging
included) and exit code: commands that start the bot or build the knowledge index (console, kb)
cost seconds of imports and index building in a fresh interpreter, paid once per session here.
Python's warnings go to pytest, not to stderr: a test about warnings runs ``cadrebot``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
import threading
import traceback
from pathlib import Path


def _environment(tmp_path: Path, env: dict[str, str]) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CADREBOT_")}
    clean.update({"CADREBOT_DB_PATH": str(tmp_path / "cli.sqlite3"), **env})
    return clean


def cadrebot(tmp_path: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_environment(tmp_path, env),
        timeout=120,
    )


def cadrebot_here(tmp_path: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    from bot.runtime.cli import main

    out, err = io.StringIO(), io.StringIO()
    code: list[int] = []

    def command() -> None:  # a thread of its own: asyncio.run needs a thread without a running loop
        try:
            code.append(main(list(args)))
        except SystemExit as exc:  # argparse's usage errors
            code.append(exc.code if isinstance(exc.code, int) else 1)
        except BaseException:
            traceback.print_exc(file=err)  # what the interpreter prints before exiting with 1
            code.append(1)

    # `cadrebot` logs to stderr (main's basicConfig is a no-op under pytest's handlers)
    log = logging.StreamHandler(err)
    log.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.setLevel(_environment(tmp_path, env).get("CADREBOT_LOG_LEVEL", "WARNING").upper())
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    try:
        os.environ.clear()
        os.environ.update(_environment(tmp_path, env))
        os.chdir(tmp_path)
        logging.getLogger().addHandler(log)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            saved_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
            try:
                thread = threading.Thread(target=command)
                thread.start()
                thread.join(timeout=120)
            finally:
                sys.stdin = saved_stdin
    finally:
        logging.getLogger().removeHandler(log)
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    assert code, f"cadrebot {' '.join(args)} did not finish within 120 s"
    return subprocess.CompletedProcess(["cadrebot", *args], code[0], out.getvalue(), err.getvalue())
