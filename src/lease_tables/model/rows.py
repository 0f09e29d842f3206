"""Result rows for the adapter's other AWS resources, beside its lease tables.

A stream consumer, a stream, a bucket or a key gets a status row exactly like a
lease table (same statuses, same exit-code rule, same JSON fields), so a row is
a `LeaseTable` that also says which resource it is about: `role` names the kind
(`stream-consumer`, `stream`, ...) and `resource` the ARN or name. Rows keep the
lease table's name (and adapter facts) when they belong to one table, e.g. KCL's
consumer is named after its application name, which is the lease-table name.
"""

from __future__ import annotations

from dataclasses import dataclass

from lease_tables.config.naming import LeaseTable

ROLE_STREAM_CONSUMER = "stream-consumer"


@dataclass(slots=True)
class ResourceRow(LeaseTable):
    """One non-table resource (or resource and action group) in a run's results."""

    resource: str = ""  # the ARN when known, else the name as given

    @property
    def key(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.table_name, self.region or "", self.role, self.resource)

    def extra_json(self) -> dict[str, object]:
        """The row's field beyond a table's: what it is about."""
        return {"resource": self.resource}
