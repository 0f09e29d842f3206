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
from collections.abc import Callable
from typing import Any

from lease_tables.aws.clients import Clients
from lease_tables.aws.failures import NOT_FOUND_CODE
from lease_tables.model.footprint import (
    KIND_BUCKET,
    KIND_CONNECT_INSTANCE,
    KIND_KMS_KEY,
    KIND_VIDEO_STREAM,
    SERVICE_BUCKETS,
    SERVICE_CONNECT,
    SERVICE_KMS_KEYS,
    SERVICE_VIDEO_STREAMS,
    Service,
    partition,
)
from lease_tables.model.rows import ResourceRow
from lease_tables.preflight.answers import ABSENT, attempt
from lease_tables.preflight.groups import Group

PROBE_PREFIX = "lease-tables-preflight-"
# A row's role is the footprint's resource kind.
ROLE_BUCKET, ROLE_KEY, ROLE_VIDEO, ROLE_CONNECT = (
    KIND_BUCKET, KIND_KMS_KEY, KIND_VIDEO_STREAM, KIND_CONNECT_INSTANCE)
S3_ACTIONS = ("ListBucket", "GetObject")
KMS_ACTIONS = ("Encrypt", "Decrypt", "GenerateDataKey")
KVS_ACTIONS = ("GetDataEndpoint",)
CONNECT_ACTIONS = ("ListInstanceAttributes", "ListInstanceStorageConfigs", "DescribeUser",
                   "DescribeContact", "GetContactAttributes")
KMS_DRY_RUN = "DryRunOperationException"
KVS_DENIED = "NotAuthorizedException"


def last_part(value: str, sep: str = "/") -> str:
    return value.rsplit(sep, 1)[-1] if value.startswith("arn:") else value


def _group(name: str, region: str, role: str, resource: str, row: Service) -> Group:
    """A resource's group; what is never tried, and why, is the footprint row's."""
    return Group(ResourceRow(table_name=name, region=region, role=role, resource=resource),
                 row.name, never=dict(row.not_tried))


def bucket_name(bucket: str) -> str:
    return bucket.split(":::", 1)[1].split("/", 1)[0] if bucket.startswith("arn:") else bucket


def bucket_group(bucket: str, region: str) -> Group:
    name = bucket_name(bucket)
    return _group(name, region, ROLE_BUCKET, f"arn:{partition(region)}:s3:::{name}",
                  SERVICE_BUCKETS)


def probe_bucket(clients: Clients, group: Group) -> Group:
    name, region = group.row.table_name, group.row.region or ""
    client = clients.client("s3", region)
    listed = attempt(dropped(lambda: client.list_objects_v2(Bucket=name, MaxKeys=1)),
                     absent=("NoSuchBucket",))
    if listed.kind == ABSENT:
        group.missing = (f"The bucket {name} does not exist (ListObjectsV2 said NoSuchBucket). "
                         f"Check --bucket (the adapter's recordings bucket), then rerun.")
        return group
    if not group.record("ListBucket", listed):
        group.skip("GetObject", "S3 hides a missing key behind AccessDenied unless "
                                "s3:ListBucket is allowed, so GetObject proves nothing before")
        return group
    key = f"{PROBE_PREFIX}{uuid.uuid4()}"
    fetched = attempt(lambda: _close(client.get_object(Bucket=name, Key=key)),
                      allowed=("NoSuchKey",), absent=("NoSuchBucket",))
    group.record("GetObject", fetched)
    return group


def dropped(call: Callable[[], Any]) -> Callable[[], None]:
    """The call, its answer's content dropped unread: only whether it was allowed counts."""
    def run() -> None:
        call()
    return run


def _close(response: Any) -> None:
    """A GetObject that found something (it cannot, by its random key): never read it."""
    body = response.get("Body") if isinstance(response, dict) else None
    if body is not None:
        body.close()


def key_group(key: str, region: str) -> Group:
    key_region = key.split(":")[3] if key.startswith("arn:") else region
    return _group(last_part(key), key_region, ROLE_KEY, key, SERVICE_KMS_KEYS)


def probe_key(clients: Clients, group: Group) -> Group:
    key, key_region = group.row.resource, group.row.region or ""
    client = clients.client("kms", key_region)
    calls: dict[str, Callable[[], Any]] = {
        "Encrypt": lambda: client.encrypt(KeyId=key, Plaintext=b"lease-tables", DryRun=True),
        "Decrypt": lambda: client.decrypt(KeyId=key, CiphertextBlob=b"\x01" * 32,
                                          DryRun=True),
        "GenerateDataKey": lambda: client.generate_data_key(KeyId=key, KeySpec="AES_256",
                                                            DryRun=True),
    }
    for action, call in calls.items():
        outcome = attempt(dropped(call), allowed=(KMS_DRY_RUN,),
                          absent=("NotFoundException",))
        if outcome.kind == ABSENT:
            group.missing = (f"The KMS key {key} does not exist in {key_region} ({action} said "
                             f"NotFoundException). Check --kms-key, then rerun.")
            return group
        group.record(action, outcome)
    return group


def video_group(video: str, region: str) -> Group:
    given_arn = video.startswith("arn:")
    video_region = video.split(":")[3] if given_arn else region
    prefix = video.split(":stream/", 1)[1].split("/", 1)[0] if given_arn else video
    return _group(prefix, video_region, ROLE_VIDEO, video, SERVICE_VIDEO_STREAMS)


def probe_video(clients: Clients, group: Group) -> Group:
    video, prefix, video_region = (group.row.resource, group.row.table_name,
                                   group.row.region or "")
    given_arn = video.startswith("arn:")
    client = clients.client("kinesisvideo", video_region)
    if given_arn:
        outcome = attempt(lambda: client.get_data_endpoint(StreamARN=video,
                                                           APIName="GET_MEDIA"),
                          denied=(KVS_DENIED,))
        if outcome.kind == ABSENT:
            group.missing = (f"The video stream {video} does not exist (GetDataEndpoint said "
                             f"ResourceNotFound). Check --video-stream, then rerun.")
            return group
    else:
        name = f"{prefix}{PROBE_PREFIX}{uuid.uuid4().hex[:12]}"
        outcome = attempt(lambda: client.get_data_endpoint(StreamName=name,
                                                           APIName="GET_MEDIA"),
                          allowed=(NOT_FOUND_CODE,), absent=(), denied=(KVS_DENIED,))
    group.record("GetDataEndpoint", outcome)
    return group


def connect_instance_id(instance: str) -> str:
    return instance.split(":instance/", 1)[1].split("/", 1)[0] if instance.startswith(
        "arn:") else instance


def connect_group(instance: str, region: str) -> Group:
    connect_region = instance.split(":")[3] if instance.startswith("arn:") else region
    return _group(connect_instance_id(instance), connect_region, ROLE_CONNECT, instance,
                  SERVICE_CONNECT)


def probe_connect(clients: Clients, group: Group) -> Group:
    instance_id, connect_region = group.row.table_name, group.row.region or ""
    client = clients.client("connect", connect_region)
    random_id = str(uuid.uuid4())
    lookups: dict[str, Callable[[], Any]] = {
        "ListInstanceAttributes": lambda: client.list_instance_attributes(
            InstanceId=instance_id, MaxResults=1),
        "ListInstanceStorageConfigs": lambda: client.list_instance_storage_configs(
            InstanceId=instance_id, ResourceType="CALL_RECORDINGS", MaxResults=1),
    }
    for action, call in lookups.items():
        outcome = attempt(dropped(call))
        if outcome.kind == ABSENT:
            group.missing = (f"The Connect instance {instance_id} does not exist in "
                             f"{connect_region} ({action} said ResourceNotFound). Check "
                             f"--connect-instance, then rerun.")
            return group
        group.record(action, outcome)
    randoms: dict[str, Callable[[], Any]] = {
        "DescribeUser": lambda: client.describe_user(InstanceId=instance_id,
                                                     UserId=random_id),
        "DescribeContact": lambda: client.describe_contact(InstanceId=instance_id,
                                                           ContactId=random_id),
        "GetContactAttributes": lambda: client.get_contact_attributes(
            InstanceId=instance_id, InitialContactId=random_id),
    }
    for action, call in randoms.items():
        outcome = attempt(dropped(call), allowed=(NOT_FOUND_CODE,),
                          absent=())
        group.record(action, outcome)
    return group
