"""The footprint options through the installed `lease-tables`, as an operator runs it:
`policy` and `template` with the sample configuration (which carries its streams)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from parliament import analyze_policy_string

from lease_tables.render import policy as pol
from tests.conftest import clean_env, run_cli

SAMPLE_CONF = Path(__file__).parent.parent / "sample_conf"
SAMPLE = ["--conf-dir", str(SAMPLE_CONF), "--host-name", "verintris"]
ACCOUNT = "123456789012"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
INSTANCE = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
WHOLE = ["--enhanced-fan-out", "--bucket", "recordings-bucket", "--kms-key", KEY,
         "--video-stream", "connect-live", "--connect-instance", INSTANCE]


def statements(document: dict) -> dict[str, dict]:
    return {s["Sid"]: s for s in document["Statement"]}


def test_the_whole_policy_takes_the_files_streams_and_says_where_they_came_from(
        tmp_path: Path) -> None:
    run = run_cli(["policy", *SAMPLE, "--account-id", ACCOUNT, *WHOLE, "--cloudwatch-logs"],
                  clean_env(tmp_path))
    assert run.code == 0, run.stderr
    document = run.json()
    assert analyze_policy_string(run.stdout).findings == []
    by_sid = statements(document)
    assert by_sid["KinesisStreamRead"]["Resource"] == [
        "arn:aws:kinesis:us-east-1:123456789012:stream/connect-agent-events",
        "arn:aws:kinesis:us-east-1:123456789012:stream/connect-ctr-stream"]
    assert by_sid["CloudWatchLogGroup"]["Resource"] == [
        "arn:aws:logs:us-east-1:123456789012:log-group:*"]
    assert by_sid["KmsRecordingKeys"]["Resource"] == [KEY]
    assert by_sid["CloudWatchKclMetrics"]["Condition"]["StringEquals"][
        "cloudwatch:namespace"] == ["verintAgentEvents_verintris.2", "verintCTREvents"]
    assert document["Statement"][-1]["Sid"] == "DenyCreateTable"
    source = str(SAMPLE_CONF / "IntegrationService.xml")
    assert f"stream connect-ctr-stream: arn:aws:kinesis:us-east-1:123456789012:stream/" \
           f"connect-ctr-stream (from {source})" in run.stderr
    assert "(from --bucket)" in run.stderr


def test_the_files_alone_give_a_clean_policy_that_iam_holds_to_their_streams(
        tmp_path: Path) -> None:
    """No footprint option: the streams the file names, judged by moto's own IAM
    evaluator on real ARNs; polling only (no consumer), CreateTable denied."""
    from tests.faultproxy import iam_allows

    run = run_cli(["policy", *SAMPLE, "--account-id", ACCOUNT], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    assert analyze_policy_string(run.stdout).findings == []
    document = run.json()
    stream = "arn:aws:kinesis:us-east-1:123456789012:stream/connect-ctr-stream"
    for action in ("ListShards", "GetShardIterator", "GetRecords", "DescribeStreamSummary"):
        assert iam_allows(document, f"kinesis:{action}", stream), action
    assert not iam_allows(document, "kinesis:GetRecords",
                          "arn:aws:kinesis:us-east-1:123456789012:stream/someone-elses")
    assert not iam_allows(document, "kinesis:SubscribeToShard",
                          f"{stream}/consumer/verintCTREvents:1")
    assert not iam_allows(document, "dynamodb:CreateTable",
                          "arn:aws:dynamodb:us-east-1:123456789012:table/verintCTREvents")
    assert iam_allows(document, "cloudwatch:PutMetricData", "*",
                      {"cloudwatch:namespace": "verintCTREvents"})


def test_create_says_what_it_does_with_a_stream_without_enhanced_fan_out(
        tmp_path: Path) -> None:
    run = run_cli(["create", "--table", "verintCTREvents", "--region", "us-east-1",
                   "--stream", "ctr-stream", "--dry-run"], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    said = " ".join(run.stderr.split())
    assert "note: --stream only matters to `create`" in said
    assert "`create` with --enhanced-fan-out" in said
    assert "nothing to create on a stream, so" in said
    assert "so ctr-stream was not touched" in said
    assert "ctr-stream" not in run.stdout
    quiet = run_cli(["create", "--table", "verintCTREvents", "--region", "us-east-1",
                     "--dry-run"], clean_env(tmp_path))
    assert "--stream" not in quiet.stderr


def test_an_option_wins_over_the_file_and_says_so(tmp_path: Path) -> None:
    run = run_cli(["policy", *SAMPLE, "--account-id", ACCOUNT, "--stream", "other-stream",
                   "--cloudwatch-logs", "--bucket", "recordings-bucket"], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    by_sid = statements(run.json())
    assert by_sid["KinesisStreamRead"]["Resource"] == [
        "arn:aws:kinesis:us-east-1:123456789012:stream/other-stream"]
    # `--cloudwatch-logs` followed by another option: every log group, and --bucket still read.
    assert by_sid["CloudWatchLogGroup"]["Resource"] == [
        "arn:aws:logs:us-east-1:123456789012:log-group:*"]
    assert "S3ListRecordingBuckets" in by_sid
    assert "--stream wins over the file: set aside" in run.stderr
    assert "set aside connect-agent-events (from " in run.stderr
    assert "connect-ctr-stream (from " in run.stderr


def test_a_named_log_group(tmp_path: Path) -> None:
    run = run_cli(["policy", "--table", "verintCTREvents", "--region", "us-gov-west-1",
                   "--account-id", ACCOUNT, "--cloudwatch-logs", "/ris/adapters"],
                  clean_env(tmp_path))
    assert run.code == 0, run.stderr
    by_sid = statements(run.json())
    assert by_sid["CloudWatchLogStreams"]["Resource"] == [
        "arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:/ris/adapters:log-stream:*"]


def test_a_bad_value_is_one_paragraph_exit_2_and_no_policy(tmp_path: Path) -> None:
    run = run_cli(["policy", *SAMPLE, "--account-id", ACCOUNT, "--kms-key", "alias/recordings"],
                  clean_env(tmp_path))
    assert run.code == 2
    assert run.stdout == ""
    assert run.stderr.startswith('error: --kms-key "alias/recordings" is not a KMS key ARN')
    assert len(run.stderr.strip().splitlines()) == 1


def test_a_policy_too_big_is_printed_as_an_array_and_said_so(tmp_path: Path) -> None:
    streams = [arg for i in range(150) for arg in ("--stream", f"adapter-stream-{i:04d}")]
    run = run_cli(["policy", *SAMPLE, "--account-id", ACCOUNT, *streams], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    documents = json.loads(run.stdout)
    assert isinstance(documents, list) and len(documents) >= 2
    assert all(pol.policy_size(d) <= pol.MANAGED_POLICY_MAX for d in documents)
    assert f"JSON array of {len(documents)} documents" in run.stderr


def test_the_provisioner_may_register_the_consumers(tmp_path: Path) -> None:
    run = run_cli(["policy", *SAMPLE, "--account-id", ACCOUNT, "--role", "provisioner",
                   "--enhanced-fan-out"], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    by_sid = statements(run.json())
    assert "kinesis:RegisterStreamConsumer" in by_sid["RegisterStreamConsumers"]["Action"]
    assert analyze_policy_string(run.stdout).findings == []


def test_template_with_policy_needs_no_account_and_names_where_it_is_deployed(
        tmp_path: Path) -> None:
    """The file alone: its streams are in the template's policy, each ARN in the account,
    region and partition the configuration is applied in."""
    run = run_cli(["template", *SAMPLE, "--format", "terraform", "--with-policy"],
                  clean_env(tmp_path))
    assert run.code == 0, run.stderr
    config = json.loads(run.stdout)
    (block,) = config["resource"]["aws_iam_policy"].values()
    policy = block["policy"]
    stream_arn = ("arn:${data.aws_partition.current.partition}:kinesis:"
                  "${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:"
                  "stream/connect-ctr-stream")
    assert stream_arn in policy
    assert ACCOUNT not in policy and "000000000000" not in run.stdout + run.stderr
    assert set(config["data"]) == {"aws_caller_identity", "aws_partition", "aws_region"}
    assert "note: not covered" in run.stderr
    pinned = run_cli(["template", *SAMPLE, "--format", "terraform", "--with-policy",
                      "--account-id", ACCOUNT], clean_env(tmp_path))
    assert pinned.code == 0 and pinned.stdout == run.stdout
    assert "--account-id is not needed" in pinned.stderr


def _as_deployed(value: object) -> object:
    """A CloudFormation value as the stack in ACCOUNT, us-east-1 sees it."""
    if isinstance(value, dict) and list(value) == ["Fn::Sub"]:
        return (value["Fn::Sub"].replace("${AWS::Partition}", "aws")
                .replace("${AWS::Region}", "us-east-1").replace("${AWS::AccountId}", ACCOUNT))
    if isinstance(value, dict):
        return {k: _as_deployed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_deployed(v) for v in value]
    return value


def test_template_declares_a_consumer_per_adapter_and_its_stream(tmp_path: Path) -> None:
    run = run_cli(["template", *SAMPLE, "--format", "cloudformation",
                   "--enhanced-fan-out", "--with-policy", *WHOLE[1:]], clean_env(tmp_path))
    assert run.code == 0, run.stderr
    template = yaml.safe_load(run.stdout)
    consumers = {(r["Properties"]["ConsumerName"],
                  _as_deployed(r["Properties"]["StreamARN"]).rsplit("/")[-1])
                 for r in template["Resources"].values()
                 if r["Type"] == "AWS::Kinesis::StreamConsumer"}
    assert consumers == {("verintCTREvents", "connect-ctr-stream"),
                         ("verintAgentEvents_verintris.2", "connect-agent-events")}
    (policy,) = [r for r in template["Resources"].values()
                 if r["Type"] == "AWS::IAM::ManagedPolicy"]
    printed = run_cli(["policy", *SAMPLE, "--account-id", ACCOUNT, *WHOLE],
                      clean_env(tmp_path))
    assert _as_deployed(policy["Properties"]["PolicyDocument"]) == printed.json()
