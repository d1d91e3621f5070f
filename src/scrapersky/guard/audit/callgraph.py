"""Fixed points over the project's call graph, after every function is summarised:
context managers that end a transaction, functions that reach I/O (shortest chain, any
depth), and helpers that commit a session parameter (also through other helpers).

    propagate(index)
    index.io_chains["app.jobs.refresh"]  # ["app.jobs.refresh", "app.web.get", "httpx…get"]
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from scrapersky.guard.audit.resolve import Target

if TYPE_CHECKING:
    from scrapersky.guard.audit.index import ProjectIndex


def propagate(index: ProjectIndex) -> None:
    """Fill index.io_chains and index.commit_helpers; mark more transaction managers."""
    changed = True
    while changed:
        changed = False
        for info in index.functions.values():
            if info.ends_transaction or not info.is_generator:
                continue
            if any(
                index.is_managed_context(Target(label))
                for label in info.yield_contexts
                if label != ".begin"
            ):
                info.ends_transaction = info.yields_session = changed = True
    callers: dict[str, set[str]] = {}
    for info in index.functions.values():
        for callee in info.callees:
            callers.setdefault(callee, set()).add(info.qn)
    queue: deque[str] = deque()
    for info in index.functions.values():
        if info.direct_io:
            index.io_chains[info.qn] = [info.qn, info.direct_io]
            queue.append(info.qn)
    while queue:
        current = queue.popleft()
        for caller in callers.get(current, ()):
            if caller not in index.io_chains:
                index.io_chains[caller] = [caller, *index.io_chains[current]]
                queue.append(caller)
    for info in index.functions.values():
        if info.committed_params:
            index.commit_helpers[info.qn] = set(info.committed_params)
    changed = True
    while changed:
        changed = False
        for info in index.functions.values():
            for callee, param, position in info.param_passes:
                committed = index.commit_helpers.get(callee)
                if not committed:
                    continue
                names = index.functions[callee].params
                name = (
                    names[position]
                    if isinstance(position, int) and position < len(names)
                    else position
                )
                if name in committed and param not in index.commit_helpers.get(info.qn, ()):
                    index.commit_helpers.setdefault(info.qn, set()).add(param)
                    changed = True
