"""Preflight of the adapter's bucket, KMS key, video streams and Connect instance.

Each grant is proven by a call that writes nothing, read by its error code:
- S3: ListObjectsV2 with MaxKeys 1 (the listing is dropped), then GetObject of a key
  no one writes; NoSuchKey proves GetObject, but S3 answers AccessDenied for a
  missing key whenever ListBucket is refused, so GetObject is only tried once
  ListBucket is proven.
- KMS: Encrypt, Decrypt and GenerateDataKey with DryRun; DryRunOperationException
  proves each (an endpoint without DryRun that simply answers proves it too).
- Kinesis Video: GetDataEndpoint; its access denied is NotAuthorizedException. A
  prefix (Amazon Connect names its live-media streams from the instance's prefix)
  is probed with a stream name under it that does not exist: ResourceNotFound
  proves the grant. GetMedia (it reads live media) and PutMedia are never tried.
- Connect: ListInstanceAttributes and ListInstanceStorageConfigs of the instance,
  DescribeUser / DescribeContact / GetContactAttributes of a random, well-formed id
  (ResourceNotFound proves each). The recording actions are never tried.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from lease_tables.aws.clients import Clients
from lease_tables.aws.failures import NOT_FOUND_CODE
from lease_tables.model import footprint as fp
from lease_tables.model.rows import ResourceRow
from lease_tables.preflight.answers import ABSENT, attempt
from lease_tables.preflight.groups import Group

PROBE_PREFIX = "lease-tables-preflight-"
# A row's role is the footprint's resource kind.
ROLE_BUCKET, ROLE_KEY, ROLE_VIDEO, ROLE_CONNECT = (
    fp.KIND_BUCKET, fp.KIND_KMS_KEY, fp.KIND_VIDEO_STREAM, fp.KIND_CONNECT_INSTANCE)
KMS_DRY_RUN = "DryRunOperationException"
KVS_DENIED = "NotAuthorizedException"


def group_of(service: fp.Service, name: str, region: str | None, resource: str,
             sources: Sequence[str] = ()) -> Group:
    """A resource's group: its row's role is the footprint row's kind; what is never
    tried, and why, is the footprint row's. `name` and `region` are the ones the
    footprint parsed (an ARN's own region wins over the table's), `resource` what the
    probes call it by, `sources` where the footprint found it."""
    return Group(ResourceRow(table_name=name, region=region, role=service.kind,
                             resource=resource, sources=list(sources)), service.name,
                 never=dict(service.not_tried))


def dropped(call: Callable[[], Any]) -> Callable[[], None]:
    """The call, its answer's content dropped unread: only whether it was allowed counts."""
    def run() -> None:
        call()
    return run


def chain(group: Group, calls: dict[str, Callable[[], Any]],
          missing: Callable[[str], str] | None = None, allowed: tuple[str, ...] = (),
          absent: tuple[str, ...] = (NOT_FOUND_CODE,), denied: tuple[str, ...] = ()) -> bool:
    """Each call in order, its answer dropped unread; the first that shows the resource
    absent sets the row's `missing` words (which name that action) and ends the chain.
    False when it ended so."""
    for action, call in calls.items():
        outcome = attempt(dropped(call), allowed=allowed, absent=absent, denied=denied)
        if outcome.kind == ABSENT and missing is not None:
            group.missing = missing(action)
            return False
        group.record(action, outcome)
    return True


def probe_bucket(clients: Clients, group: Group) -> None:
    name, region = group.row.table_name, group.row.region or ""
    client = clients.client("s3", region)
    listed = attempt(dropped(lambda: client.list_objects_v2(Bucket=name, MaxKeys=1)),
                     absent=("NoSuchBucket",))
    if listed.kind == ABSENT:
        group.missing = (f"The bucket {name} does not exist (ListObjectsV2 said NoSuchBucket). "
                         f"Check --bucket (the adapter's recordings bucket), then rerun.")
        return
    if not group.record("ListBucket", listed):
        group.skip("GetObject", "S3 hides a missing key behind AccessDenied unless "
                                "s3:ListBucket is allowed, so GetObject proves nothing before")
        return
    key = f"{PROBE_PREFIX}{uuid.uuid4()}"
    fetched = attempt(lambda: _close(client.get_object(Bucket=name, Key=key)),
                      allowed=("NoSuchKey",), absent=("NoSuchBucket",))
    group.record("GetObject", fetched)


def _close(response: Any) -> None:
    """A GetObject that found something (it cannot, by its random key): never read it."""
    body = response.get("Body") if isinstance(response, dict) else None
    if body is not None:
        body.close()


def probe_key(clients: Clients, group: Group) -> None:
    key, key_region = group.row.resource, group.row.region or ""
    client = clients.client("kms", key_region)
    chain(group, {
        "Encrypt": lambda: client.encrypt(KeyId=key, Plaintext=b"lease-tables", DryRun=True),
        "Decrypt": lambda: client.decrypt(KeyId=key, CiphertextBlob=b"\x01" * 32,
                                          DryRun=True),
        "GenerateDataKey": lambda: client.generate_data_key(KeyId=key, KeySpec="AES_256",
                                                            DryRun=True),
    }, lambda action: (f"The KMS key {key} does not exist in {key_region} ({action} said "
                       f"NotFoundException). Check --kms-key, then rerun."),
        allowed=(KMS_DRY_RUN,), absent=("NotFoundException",))


def probe_video(clients: Clients, group: Group) -> None:
    video, prefix, video_region = (group.row.resource, group.row.table_name,
                                   group.row.region or "")
    client = clients.client("kinesisvideo", video_region)
    if video.startswith("arn:"):
        chain(group, {"GetDataEndpoint": lambda: client.get_data_endpoint(
            StreamARN=video, APIName="GET_MEDIA")},
            lambda action: (f"The video stream {video} does not exist ({action} said "
                            f"ResourceNotFound). Check --video-stream, then rerun."),
            denied=(KVS_DENIED,))
    else:  # a prefix: a stream under it that does not exist proves the grant
        name = f"{prefix}{PROBE_PREFIX}{uuid.uuid4().hex[:12]}"
        chain(group, {"GetDataEndpoint": lambda: client.get_data_endpoint(
            StreamName=name, APIName="GET_MEDIA")},
            allowed=(NOT_FOUND_CODE,), absent=(), denied=(KVS_DENIED,))


def probe_connect(clients: Clients, group: Group) -> None:
    instance_id, connect_region = group.row.table_name, group.row.region or ""
    client = clients.client("connect", connect_region)
    random_id = str(uuid.uuid4())
    found = chain(group, {
        "ListInstanceAttributes": lambda: client.list_instance_attributes(
            InstanceId=instance_id, MaxResults=1),
        "ListInstanceStorageConfigs": lambda: client.list_instance_storage_configs(
            InstanceId=instance_id, ResourceType="CALL_RECORDINGS", MaxResults=1),
    }, lambda action: (f"The Connect instance {instance_id} does not exist in "
                       f"{connect_region} ({action} said ResourceNotFound). Check "
                       f"--connect-instance, then rerun."))
    if found:
        chain(group, {
            "DescribeUser": lambda: client.describe_user(InstanceId=instance_id,
                                                         UserId=random_id),
            "DescribeContact": lambda: client.describe_contact(InstanceId=instance_id,
                                                               ContactId=random_id),
            "GetContactAttributes": lambda: client.get_contact_attributes(
                InstanceId=instance_id, InitialContactId=random_id),
        }, allowed=(NOT_FOUND_CODE,), absent=())
