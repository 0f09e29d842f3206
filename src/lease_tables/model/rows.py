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

# What a summary counts each kind of row as ("2 tables: 2 created; 2 consumers: 2 exists"):
# a lease table and its companions are tables; every other kind is counted apart, never
# as a table. In summary order; a kind not listed is named by its role.
TABLE = "table"
_NOUNS = {
    TABLE: ("table", "tables"),
    ROLE_STREAM_CONSUMER: ("consumer", "consumers"),
    "stream": ("stream", "streams"),
    "bucket": ("bucket", "buckets"),
    "kms-key": ("KMS key", "KMS keys"),
    "video-stream": ("video stream", "video streams"),
    "connect-instance": ("Connect instance", "Connect instances"),
    "log-group": ("log group", "log groups"),
    "cloudwatch-metrics": ("metrics grant", "metrics grants"),
}


def kind(table: LeaseTable) -> str:
    """`TABLE` for a lease table or a companion, else the row's role."""
    return table.role if isinstance(table, ResourceRow) else TABLE


def kind_order(kind_name: str) -> int:
    return list(_NOUNS).index(kind_name) if kind_name in _NOUNS else len(_NOUNS)


def noun(kind_name: str, count: int) -> str:
    """`table` / `tables`, `consumer` / `consumers` ...: the word a summary counts with."""
    one, many = _NOUNS.get(kind_name, (kind_name.replace("-", " "),
                                       kind_name.replace("-", " ") + " rows"))
    return one if count == 1 else many


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
