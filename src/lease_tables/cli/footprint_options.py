"""The footprint's command-line options, declared once for every command that takes them.

typer has no option groups; a shared `Annotated` type per option is the answer,
so `policy`, `template`, `create`, `verify` and `preflight` spell, document and
parse `--stream` ... `--cloudwatch-logs` identically. The commands take them as
one option group (`cli_options.with_groups`): `StreamArgs` (`create`, `verify`:
the streams and their consumers) or `FootprintArgs` (all seven), whose
`options()` gives the pure `footprint.FootprintOptions`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # imported where used: `create --dry-run` never needs the footprint
    from lease_tables.model.footprint import FootprintOptions

PANEL = "The adapter's other resources"
LOGS_OPTION = "--cloudwatch-logs"
# `--cloudwatch-logs` with no GROUP: every log group (IAM's `log-group:*`).
EVERY_LOG_GROUP = "*"

StreamOpt = Annotated[list[str] | None, typer.Option(
    "--stream", metavar="NAME|ARN", rich_help_panel=PANEL,
    help="A Kinesis data stream the adapter reads (CTR, agent events); repeatable. A "
         "name is taken in the lease tables' region and account. Wins over a "
         "StreamName setting in IntegrationService.xml.")]
EnhancedFanOutOpt = Annotated[bool, typer.Option(
    "--enhanced-fan-out", metavar="", rich_help_panel=PANEL,
    help="The adapter's KCL uses enhanced fan-out (its default retrieval): its stream "
         "consumers, named after the lease tables. Needs --stream (or the file's).")]
BucketOpt = Annotated[list[str] | None, typer.Option(
    "--bucket", metavar="NAME", rich_help_panel=PANEL,
    help="An S3 bucket of recordings the adapter reads; repeatable.")]
KmsKeyOpt = Annotated[list[str] | None, typer.Option(
    "--kms-key", metavar="ARN", rich_help_panel=PANEL,
    help="A KMS key of the recordings (its ARN, or its key ID); repeatable.")]
VideoStreamOpt = Annotated[list[str] | None, typer.Option(
    "--video-stream", metavar="PREFIX|ARN", rich_help_panel=PANEL,
    help="Kinesis Video live-media streams: the Connect instance's stream prefix "
         "(becomes stream/PREFIX*/*) or one stream's ARN; repeatable.")]
ConnectInstanceOpt = Annotated[list[str] | None, typer.Option(
    "--connect-instance", metavar="ID|ARN", rich_help_panel=PANEL,
    help="The Amazon Connect instance (its ID or ARN); repeatable. Wins over a "
         "ConnectInstanceId setting in IntegrationService.xml.")]
CloudWatchLogsOpt = Annotated[str | None, typer.Option(
    LOGS_OPTION, metavar="[GROUP]", rich_help_panel=PANEL,
    help="The adapter writes CloudWatch Logs (optional in the vendor's table): to "
         "GROUP, or, with no GROUP, to any log group of the account.")]


def options(stream: Sequence[str] | None = None, enhanced_fan_out: bool = False,
            bucket: Sequence[str] | None = None, kms_key: Sequence[str] | None = None,
            video_stream: Sequence[str] | None = None,
            connect_instance: Sequence[str] | None = None,
            cloudwatch_logs: str | None = None) -> "FootprintOptions":
    """The typed options as the pure record `footprint.resolve` takes."""
    from lease_tables.model.footprint import FootprintOptions

    # "*" (or the option with no GROUP): every log group, which FootprintOptions spells "".
    every_group = (cloudwatch_logs or "").strip() == EVERY_LOG_GROUP
    return FootprintOptions(
        streams=tuple(stream or ()), enhanced_fan_out=enhanced_fan_out,
        buckets=tuple(bucket or ()), kms_keys=tuple(kms_key or ()),
        video_streams=tuple(video_stream or ()),
        connect_instances=tuple(connect_instance or ()),
        cloudwatch_logs="" if every_group else cloudwatch_logs)


@dataclass(frozen=True)
class StreamArgs:
    """The streams and their enhanced fan-out consumers (`create`, `verify`)."""

    stream: StreamOpt = None
    enhanced_fan_out: EnhancedFanOutOpt = False

    def options(self) -> "FootprintOptions":
        """The group's fields (named as `options` names its parameters) as the pure record."""
        return options(**vars(self))


@dataclass(frozen=True)
class FootprintArgs(StreamArgs):
    """The adapter's whole footprint (`policy`, `template`, `preflight`)."""

    bucket: BucketOpt = None
    kms_key: KmsKeyOpt = None
    video_stream: VideoStreamOpt = None
    connect_instance: ConnectInstanceOpt = None
    cloudwatch_logs: CloudWatchLogsOpt = None


def optional_values(args: Sequence[str]) -> list[str]:
    """`--cloudwatch-logs` with its GROUP left out becomes `--cloudwatch-logs=*`.

    typer passes no `flag_value` to click, so an option whose value may be
    omitted is spelled out here, before parsing: the option at the end of the
    line or followed by another option means "every log group". Arguments after
    `--` are left alone.
    """
    out = list(args)
    for index, arg in enumerate(out):
        if arg == "--":
            break
        # Followed by another option, or by nothing (the "-" that ends the line).
        if arg == LOGS_OPTION and [*out[index + 1:], "-"][0].startswith("-"):
            out[index] = f"{LOGS_OPTION}={EVERY_LOG_GROUP}"
    return out
