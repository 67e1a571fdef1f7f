"""A child's text output read line by line, each line awaited with a deadline: a daemon thread feeds a queue, so a
child that hangs fails the test after the deadline instead of a bare ``readline()`` waiting out pytest's timeout."""

from __future__ import annotations

import queue
import threading
from typing import IO

import pytest


class LineReader:
    """The lines of ``stream`` (without their newline), then ``None`` at its end, in :attr:`queue`."""

    def __init__(self, stream: IO[str] | None) -> None:
        assert stream is not None
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self.thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.queue.put(line.rstrip("\n"))
        self.queue.put(None)

    def line(self, deadline: float) -> str | None:
        """The next line, or ``None`` once the stream ended; fails the test when none comes within ``deadline`` s."""
        try:
            return self.queue.get(timeout=deadline)
        except queue.Empty:
            pytest.fail(f"no output line within {deadline} s")
