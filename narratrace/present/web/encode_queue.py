"""The web app's queue for encoding search queries and uploads' batches: a few at a time, the cheapest first.

Encoding is what a search costs (a 2,000-character query about ten times a short one), and it uses
every core the encoder is given. So at most ``slots`` queries are encoded at once, and the ones waiting
go shortest first: a short search waits for at most the encodings already running, never behind a
queue of long ones. A query that cannot start within its ``timeout`` is refused (the caller answers 503
with Retry-After), so a flood of long queries costs their senders time, not the server its other users.
An upload's batch (its cost: its passages' characters) waits without a timeout: searches go before it.
"""
from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class QueueTimeout(Exception):
    """No slot freed up within the timeout."""


class EncodeQueue:
    """At most ``slots`` holders at once; waiters are served by lowest cost, then arrival."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("slots must be at least 1")
        self._cond = threading.Condition()
        self._free = slots
        self._waiting: list[tuple[int, int]] = []  # heap of (cost, arrival)
        self._arrivals = itertools.count()

    @contextmanager
    def slot(self, cost: int, timeout: float | None) -> Iterator[None]:
        """Hold one slot for the ``with`` block; ``QueueTimeout`` when none came within ``timeout`` s (None:
        wait for one however long it takes, as an upload's batch does)."""
        ticket = (cost, next(self._arrivals))
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            heapq.heappush(self._waiting, ticket)
            while self._free == 0 or self._waiting[0] != ticket:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    self._waiting.remove(ticket)
                    heapq.heapify(self._waiting)
                    self._cond.notify_all()  # the next in line may be able to go now
                    raise QueueTimeout
                self._cond.wait(remaining)
            heapq.heappop(self._waiting)
            self._free -= 1
        try:
            yield
        finally:
            with self._cond:
                self._free += 1
                self._cond.notify_all()

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)
