"""The load generator of `corridor bench api`, run as a process of its own:
`python -m corridor.bench.api_load URL KEY CONCURRENCY BODIES.jsonl`.

Each of CONCURRENCY threads keeps one HTTP/1.1 connection and sends its share of the
bodies as `POST /api/payments`, one after another, timing each; prints one JSON object
(latencies in seconds, statuses, wall time) on stdout.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlsplit


def main(url: str, key: str, concurrency: int, bodies_path: str) -> None:
    """Send the bodies, print the timings."""
    with open(bodies_path, encoding="utf-8") as f:
        bodies = [line.encode("utf-8") for line in f if line.strip()]
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def worker(mine: list[tuple[int, bytes]]) -> None:
        connection = http.client.HTTPConnection(host, parts.port, timeout=60)
        local: list[float] = []
        seen: Counter[int] = Counter()
        for n, body in mine:
            headers = {
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"bench-{n}",
            }
            began = time.perf_counter()
            try:
                connection.request("POST", "/api/payments", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                seen[0] += 1  # counted as failed; a new connection for the next
                connection.close()
                connection = http.client.HTTPConnection(host, parts.port, timeout=60)
                continue
            local.append(time.perf_counter() - began)
            seen[response.status] += 1
        connection.close()
        with lock:
            latencies.extend(local)
            statuses.update(seen)

    numbered = list(enumerate(bodies))
    threads = [
        threading.Thread(target=worker, args=(numbered[i::concurrency],))
        for i in range(concurrency)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    json.dump({"latencies": latencies, "statuses": dict(statuses), "wall_s": wall}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
