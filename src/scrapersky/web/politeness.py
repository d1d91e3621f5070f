"""Per-host politeness: at most N requests in flight per host, and a minimum gap between starts.

    throttle = HostThrottle(concurrency=4, min_delay_s=1.0, max_delay_s=30.0)
    async with throttle.slot("example.com", delay_s=robots_crawl_delay): ...

The delay is the larger of the configured minimum and the site's crawl-delay (capped at
``max_delay_s``). Slots are handed out in arrival order; idle hosts are forgotten.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

SWEEP_AT = 10_000  # hosts remembered before idle ones are swept


@dataclass
class _Host:
    semaphore: asyncio.Semaphore
    users: int = 0
    next_start: float = field(default=0.0)


class HostThrottle:
    def __init__(self, concurrency: int, min_delay_s: float = 0.0, max_delay_s: float = 30.0):
        self.concurrency = concurrency
        self.min_delay_s = min_delay_s
        self.max_delay_s = max_delay_s
        self._hosts: dict[str, _Host] = {}

    def delay_for(self, crawl_delay_s: float | None) -> float:
        return max(self.min_delay_s, min(crawl_delay_s or 0.0, self.max_delay_s))

    @asynccontextmanager
    async def slot(self, host: str, delay_s: float | None = None) -> AsyncIterator[None]:
        state = self._hosts.get(host)
        if state is None:
            if len(self._hosts) >= SWEEP_AT:
                self._sweep()
            state = self._hosts[host] = _Host(asyncio.Semaphore(self.concurrency))
        state.users += 1
        try:
            async with state.semaphore:
                delay = self.delay_for(delay_s)
                if delay > 0:
                    now = time.monotonic()
                    start = max(now, state.next_start)
                    state.next_start = start + delay
                    if start > now:
                        await asyncio.sleep(start - now)
                yield
        finally:
            state.users -= 1
            if state.users == 0 and state.next_start <= time.monotonic():
                self._hosts.pop(host, None)

    def _sweep(self) -> None:
        now = time.monotonic()
        for host in [h for h, s in self._hosts.items() if s.users == 0 and s.next_start <= now]:
            del self._hosts[host]
