"""How a Corridor process holds its memory: what a long-running process loads once is
set aside from Python's cycle collector."""

from __future__ import annotations

import gc


def settle_the_heap(*, collect: bool = True) -> None:
    """Collect once (unless told not to), then freeze what is left (`gc.freeze`): the
    modules and the tables they load (holiday calendars, currency and name tables, FX
    history: some 400,000 objects once the CLI is imported), and whatever the caller has
    loaded by then (a started server's reference data and watch lists).

    Left to the cycle collector, every full collection walks them all again and stalls
    the process: 130-165 ms each in the API bench (five in 3,000 creations, the worst of
    its p99), 9 % of the payments bench's time. Frozen, those collections walk only what
    was made since. Objects made later are collected as before. Only for a process that
    runs until it exits (the `corridor` command, a server): frozen objects are never
    reclaimed by the collector, so a test process that builds and drops apps must not.

    `collect=False` skips the first collection (130 ms over those objects): right after
    the imports nothing is garbage yet, and a command's start should stay quick.
    """
    if collect:
        gc.collect()
    gc.freeze()
