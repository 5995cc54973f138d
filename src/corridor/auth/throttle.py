"""Login rate limiting: after MAX_FAILURES failed logins for one user name, or from one
address, within WINDOW, further attempts are refused until the window has passed.

Kept in the server's memory (one `corridor serve` process): a restart forgets it, which
is acceptable for a limiter whose job is to make guessing slow, not to lock accounts.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW = 300.0  # seconds


class LoginThrottle:
    """Counts failed logins per user name and per client address."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until a login for this name from this address may be tried (0: now)."""
        now = self.clock()
        with self._lock:
            waits = []
            for key in (f"user:{username.strip().lower()}", f"addr:{address}"):
                failures = self._recent(key, now)
                if len(failures) >= self.max_failures:
                    waits.append(failures[0] + self.window - now)
        return max(1, int(max(waits)) + 1) if waits else 0

    def failed(self, username: str, address: str) -> None:
        """Note a failed login."""
        now = self.clock()
        with self._lock:
            for key in (f"user:{username.strip().lower()}", f"addr:{address}"):
                self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        """A successful login clears the name's failures (not the address's)."""
        with self._lock:
            self._failures.pop(f"user:{username.strip().lower()}", None)
