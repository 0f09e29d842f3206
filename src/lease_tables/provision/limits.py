"""The one queue behind AWS's limits on operations in flight, for tables and consumers.

botocore's standard retry mode owns throttling and its retries: it already sends a
LimitExceededException again, up to the client's attempts (the table quota excepted,
`clients.quota_is_final`). What this adds is only for limits that clear as other
operations finish (DynamoDB's table and index operations in flight, a table busy
adding an index, Kinesis's five consumers CREATING at once): the same call again
after jittered, doubling pauses for about a minute, never past --timeout, never
while the run is stopping. `plan.after_limit` decides each pause (pure, tested with
plain numbers); here it is acted on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from lease_tables.core.engine import Engine, jittered
from lease_tables.provision.plan import LimitQueue, after_limit

T = TypeVar("T")


def behind_limit(engine: Engine[Any], call: Callable[[], T],
                 refusal: Callable[[Exception], str | None],
                 on_wait: Callable[[], object] = lambda: None) -> T:
    """`call()`, sent again while its refusal is a limit that waiting clears.

    `refusal(exc)` re-raises what is no such limit, else gives the words `after_limit`
    judges (a LimitExceededException's message, or None for a refusal that always
    clears by waiting). `on_wait()` runs before each pause (the row says `queued`). No
    pause goes past the engine's run deadline (--timeout).
    """
    queue = LimitQueue(engine.deadline)
    while True:
        try:
            return call()
        except Exception as exc:
            decided = after_limit(refusal(exc), queue, engine.clock(), engine.stopping)
            if decided is None:
                raise
            pause, queue = decided
            on_wait()
            engine.sleep(jittered(pause))
