"""A test server in its own process group, its output in a log file: started, waited for, stopped.

Jupyter (Lab, Notebook 7, Voila) and marimo servers differ in their command, environment and readiness check; how
they start, report a failed start and stop is the same, and lives here.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Self

START_TIMEOUT_S = 60.0


class ServerProcess:
    """Subclasses give :meth:`command`, :meth:`environment`, :meth:`ready`, :meth:`prepare` and ``log_path``."""

    process: subprocess.Popen | None
    log_path: Path

    @property
    def name(self) -> str:
        """What the server is called in errors."""
        return type(self).__name__

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        raise NotImplementedError

    def ready(self) -> bool:
        """Whether the server answers requests yet."""
        raise NotImplementedError

    def prepare(self) -> Path:
        """Writes what the server reads at start (config, settings); returns its working directory."""
        raise NotImplementedError

    def start(self, timeout_s: float = START_TIMEOUT_S) -> Self:
        """Starts the server and returns once :meth:`ready`; raises with the log tail if it exits or stays silent."""
        cwd = self.prepare()
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command(), cwd=cwd, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown can end it and nothing else
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            if self.ready():
                return self
            time.sleep(0.25)
        self.stop()
        raise TimeoutError(f"{self.name} did not answer within {timeout_s:.0f} s:\n{self.log_tail()}")

    def stop(self, timeout_s: float = 15.0) -> None:
        """Terminates the server's process group and waits; SIGKILL if it is still there after ``timeout_s``.

        On SIGTERM a Jupyter server shuts its kernels down before it exits (a kernel outliving a killed server
        notices its parent is gone and exits too). Jupyter's ``/api/shutdown`` is not used: with a page still
        connected it can take 15 s or more to return.
        """
        process = self.process
        if process is None or process.poll() is not None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            process.wait(timeout_s)

    def _signal_group(self, signum: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def log_tail(self, n_chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n_chars:]
        except OSError:
            return "(no log)"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
