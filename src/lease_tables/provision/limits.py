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

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from lease_tables.aws import failures
from lease_tables.core.engine import Engine, jittered
from lease_tables.provision.plan import LimitQueue, after_limit

T = TypeVar("T")


def behind_limit(engine: Engine[Any], call: Callable[[], T], clears: Collection[str],
                 on_wait: Callable[[], object] = lambda: None) -> T:
    """`call()`, sent again while its refusal is a limit that waiting clears.

    `clears` are the error codes of refusals that always clear by waiting (a busy table,
    Kinesis's five consumers CREATING); any other LimitExceededException is judged by
    its words (`after_limit`: the account's table quota never clears), and every other
    refusal is raised at once. `on_wait()` runs before each pause (the row says
    `queued`). No pause goes past the engine's run deadline (--timeout).
    """
    queue = LimitQueue(engine.deadline)
    while True:
        try:
            return call()
        except Exception as exc:
            code = failures.error_code(exc)
            if code not in clears and code != failures.LIMIT_CODE:
                raise
            words = None if code in clears else failures.error_message(exc)
            decided = after_limit(words, queue, engine.clock(), engine.stopping)
            if decided is None:
                raise
            pause, queue = decided
            on_wait()
            engine.sleep(jittered(pause))
