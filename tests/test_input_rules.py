"""Input that must not be accepted: tags outside AWS's rule, values Terraform would evaluate,
a host name that is not the adapter's, one --host-name over several servers, capacity with
on-demand billing, and one adapter that sets a key twice with different values.

Each is exit 2 before any AWS call, in dry runs and templates too, and changes nothing.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lease_tables.config.naming import derive_tables
from lease_tables.config.ris import KIND_AGENT_EVENTS, Adapter, ConfFile, parse_adapters
from lease_tables.core.errors import InputError
from lease_tables.model.spec import TableOptions, make_options, parse_tags
from lease_tables.render.template import terraform
from tests.conftest import REGION, SAMPLE_CONF, aws_env, clean_env, run_cli

# --------------------------------------------------------------------------- tags

REFUSED = ["[recording-team]", "use [/] carefully", "${upper(\"x\")}", "%{if true}x%{endif}",
           "50%", "a#b", "a!b", "a*b", "<b>", 'say "hi"', "it's", "a,b", "a;b", "a&b", "a|b",
           "a\\b", "a?b", "tab\there", "line\nfeed", "bidi\u202eevil", "esc\x1b[31m", "a~b",
           "a^b", "a`b", "e\u0301"]
ACCEPTED = ["recording team", "a_b.c:d/e=f+g-h@i", "Zürich", "東京", "١٢٣", "non\u00a0breaking",
            "", "x" * 256]


@pytest.mark.parametrize("value", REFUSED)
def test_a_tag_value_outside_aws_rule_is_refused(value: str) -> None:
    with pytest.raises(InputError, match="not a valid AWS tag value"):
        parse_tags([f"owner={value}"])


@pytest.mark.parametrize("key", [v for v in REFUSED if "=" not in v])
def test_a_tag_key_outside_aws_rule_is_refused(key: str) -> None:
    with pytest.raises(InputError, match="not a valid AWS tag key"):
        parse_tags([f"{key}=x"])


@pytest.mark.parametrize("value", ACCEPTED)
def test_every_character_aws_allows_is_accepted(value: str) -> None:
    key = value.replace("=", "").strip()[:128] or "e"
    assert parse_tags([f"k={value}", f"{key}=v"]) == (("k", value), (key, "v"))


@pytest.mark.parametrize("raw", ["k=" + "x" * 257, "x" * 129 + "=v", "AWS:owner=x",
                                 "aws:x=y"])
def test_tag_lengths_and_the_reserved_prefix(raw: str) -> None:
    with pytest.raises(InputError):
        parse_tags([raw])
    assert parse_tags(["x" * 128 + "=v"])  # the longest key is fine


def test_at_most_fifty_tags() -> None:
    assert len(parse_tags([f"k{i}=v" for i in range(50)])) == 50
    with pytest.raises(InputError, match="at most 50"):
        parse_tags([f"k{i}=v" for i in range(51)])


@pytest.mark.parametrize("command", [
    ["create", "--dry-run"], ["template", "--format", "terraform"],
    ["template", "--format", "cloudformation"], ["policy", "--role", "provisioner",
                                                 "--account-id", "123456789012"]])
@pytest.mark.parametrize("tag", ["owner=[recording-team]", 'x=${upper("x")}', "a%b=1"])
def test_every_command_refuses_a_bad_tag(tmp_path, command, tag) -> None:
    run = run_cli([*command, "--table", "leasesT", "--region", REGION, "--tag", tag],
                  clean_env(tmp_path))
    assert run.code == 2, run.stdout + run.stderr
    assert "--tag" in run.stderr and run.stdout == ""


def test_create_refuses_a_bad_tag_before_any_call(moto, tmp_path) -> None:
    run = run_cli(["create", "--table", "leasesT", "--region", REGION, "--endpoint-url",
                   moto.url, "--tag", "owner=[team]"], aws_env(tmp_path))
    assert run.code == 2
    assert moto.client().list_tables()["TableNames"] == []


# --------------------------------------------------------------------------- Terraform

TRICKY = ['${upper("x")}', "%{if true}x%{endif}", "$${already}", "$$${x}", "100%", "$5",
          "a${b}c%{d}e", "${", "%{"]


def test_terraform_reads_every_escaped_string_as_written(tmp_path: Path) -> None:
    """Terraform itself is the judge: each escaped string, read by Terraform, equals the
    original (compared with a base64 copy that no template can touch)."""
    from lease_tables.render.template import tf_literal

    terraform_exe = shutil.which("terraform")
    if terraform_exe is None:
        pytest.skip("terraform is not installed")
    local = {f"v{i}": tf_literal(text) for i, text in enumerate(TRICKY)}
    for i, text in enumerate(TRICKY):
        encoded = base64.b64encode(text.encode()).decode()
        local[f"ok{i}"] = f'${{local.v{i} == base64decode("{encoded}")}}'
    (tmp_path / "main.tf.json").write_text(json.dumps({"locals": local}), encoding="utf-8")
    expression = "[" + ", ".join(f"local.ok{i}" for i in range(len(TRICKY))) + "]"
    proc = subprocess.run([terraform_exe, "console"], input=expression, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "TF_IN_AUTOMATION": "1",
                               "HOME": str(tmp_path), "CHECKPOINT_DISABLE": "1"})
    assert proc.returncode == 0, proc.stderr
    answers = [line.strip().rstrip(",") for line in proc.stdout.splitlines()
               if line.strip().rstrip(",") in ("true", "false")]
    assert answers == ["true"] * len(TRICKY), proc.stdout


def test_every_string_of_the_configuration_is_a_literal() -> None:
    """Whatever reaches the configuration (a tag that got past the CLI, a description), it
    is escaped; our own references stay references."""
    from lease_tables.config.naming import LeaseTable

    options = TableOptions(tags=(("note${x}", '${upper("x")}'), ("p", "%{if 1}y%{endif}")))
    config = terraform([LeaseTable("leasesT", REGION)], options)
    (resource,) = config["resource"]["aws_dynamodb_table"].values()
    assert resource["tags"] == {"note$${x}": '$${upper("x")}', "p": "%%{if 1}y%%{endif}"}
    (output,) = config["output"].values()
    assert output["value"].startswith("${aws_dynamodb_table.") and "$$" not in output["value"]


# --------------------------------------------------------------------------- host names


def _agent(source: str = "/c/IntegrationService.xml") -> Adapter:
    return Adapter(KIND_AGENT_EVENTS, "AmazonAgentEventStreamAdapter", "2", "verintAgentEvents",
                   None, source)


def test_a_dotted_host_name_is_cut_at_its_first_dot_with_a_warning() -> None:
    """The documented rule (docs/names.md: the adapter's host name up to its first dot), as
    for UNC servers: an FQDN gives the same table as the short name, and a warning says so."""
    conf = ConfFile("/c/IntegrationService.xml", "/c", (_agent(),))
    derivation = derive_tables([conf], host_option="verintris.corp.local",
                               default_region=REGION, local_host="other")
    assert [t.table_name for t in derivation.tables] == ["verintAgentEvents_verintris.2"]
    (warning,) = derivation.warnings
    assert "verintris.corp.local" in warning and "first dot" in warning
    assert not derive_tables([conf], host_option="verintris", default_region=REGION,
                             local_host="other").warnings


@pytest.mark.parametrize("host", ["10.1.2.3", "fe80::1", ".corp.local"])
def test_a_host_name_that_is_no_host_is_refused(host: str) -> None:
    conf = ConfFile("/c/IntegrationService.xml", "/c", (_agent(),))
    with pytest.raises(InputError, match="--host-name"):
        derive_tables([conf], host_option=host, default_region=REGION, local_host="other")


def test_the_name_command_cuts_the_same_way(tmp_path) -> None:
    run = run_cli(["name", "--kind", "agent-events", "--application-name", "verintAgentEvents",
                   "--host-name", "verintris.corp.local", "--adapter-id", "2"],
                  clean_env(tmp_path))
    assert run.code == 0
    assert run.stdout.strip() == "verintAgentEvents_verintris.2"
    assert "first dot" in run.stderr


@pytest.mark.parametrize(("folders", "refused"), [
    (["/mnt/ris1/Conf", "/mnt/ris2/Conf"], True),
    (["E:\\Impact360\\Software\\Conf", "\\\\ris2\\e$\\Conf"], True),
    (["\\\\ris1\\e$\\Conf", "\\\\ris2\\e$\\Conf"], True),
    (["\\\\ris1\\e$\\Conf", "\\\\RIS1.corp.local\\d$\\Conf"], False),
    (["/mnt/ris1/Conf"], False),
])
def test_one_host_name_over_several_servers_is_refused(folders, refused) -> None:
    """One --host-name over files of (possibly) different servers merges their adapters into
    one table: the same silent sharing as the fallback to this machine's name."""
    confs = [ConfFile(f"{folder}/IntegrationService.xml", folder,
                      (_agent(f"{folder}/IntegrationService.xml"),)) for folder in folders]
    if refused:
        with pytest.raises(InputError, match="silently share lease tables"):
            derive_tables(confs, host_option="verintris", default_region=REGION,
                          local_host="other")
    else:
        tables = derive_tables(confs, host_option="verintris", default_region=REGION,
                               local_host="other").tables
        assert [t.table_name for t in tables] == ["verintAgentEvents_verintris.2"]


def test_one_host_name_over_two_folders_is_exit_2(tmp_path) -> None:
    second = tmp_path / "ris2"
    shutil.copytree(SAMPLE_CONF, second)
    run = run_cli(["create", "--dry-run", "--conf-dir", str(SAMPLE_CONF), "--conf-dir",
                   str(second), "--host-name", "verintris", "--region", REGION],
                  clean_env(tmp_path))
    assert run.code == 2
    assert "silently share lease tables" in run.stderr


# --------------------------------------------------------------------------- capacity


@pytest.mark.parametrize("given", [dict(read_capacity=5), dict(write_capacity=10),
                                   dict(read_capacity=1, write_capacity=1)])
def test_capacity_with_on_demand_is_refused(given) -> None:
    with pytest.raises(InputError, match="on-demand"):
        make_options("on-demand", **given)
    assert make_options("provisioned", **given)
    assert make_options("on-demand").billing_mode == "on-demand"


@pytest.mark.parametrize("command", [["create", "--dry-run"], ["template", "--format",
                                                                "terraform"], ["verify"]])
def test_capacity_with_on_demand_is_exit_2(tmp_path, command) -> None:
    run = run_cli([*command, "--table", "leasesT", "--region", REGION, "--billing-mode",
                   "on-demand", "--read-capacity", "5"], aws_env(tmp_path))
    assert run.code == 2
    assert "--read-capacity 5" in run.stderr


# --------------------------------------------------------------------------- settings twice


def _xml(*sets: str, kind: str = "AmazonConnectAdapter") -> bytes:
    body = "".join(f'<set key="{k}" value="{v}"/>' for k, v in (s.split("=") for s in sets))
    return (f'<IFService><Integrations><Integration id="7" type="{kind}" name="CTR">{body}'
            f"</Integration></Integrations></IFService>").encode()


@pytest.mark.parametrize("sets", [
    ("ApplicationName=a", "Region=us-east-1", "Region=eu-west-1"),
    ("ApplicationName=a", "application_name=b"),
    ("ApplicationName=a", "Application Name=b"),
    ("ApplicationName=a", "AdapterId=1", "adapter-id=2"),
    ("ApplicationName=a", "AppName=b", "appname=c"),
])
def test_one_adapter_setting_a_key_twice_differently_is_refused(sets) -> None:
    with pytest.raises(InputError) as err:
        parse_adapters(_xml(*sets, kind="AmazonAgentEventStreamAdapter"), "/c/Conf.xml")
    message = str(err.value)
    assert '"/c/Conf.xml"' in message and "(ID 7" in message
    first, second = (s.split("=")[1] for s in sets[-2:])
    assert f'"{first}"' in message and f'"{second}"' in message


@pytest.mark.parametrize("sets", [
    ("ApplicationName=a", "Region=us-east-1", "region=us-east-1"),
    ("ApplicationName=a", "Application Name=a", "AppName=a"),
    ("ApplicationName=a", "DevicePassCode=1", "DevicePassCode=2"),
])
def test_identical_or_unread_duplicates_pass(sets) -> None:
    (adapter,) = parse_adapters(_xml(*sets), "/c/Conf.xml")
    assert adapter.application_name == "a"


def test_another_vendors_adapter_with_duplicates_is_ignored() -> None:
    assert parse_adapters(_xml("Region=a", "Region=b", kind="AvayaCMAPIAdapter"), "/c") == []


def test_a_duplicate_region_is_exit_2_in_a_dry_run(tmp_path) -> None:
    (tmp_path / "IntegrationService.xml").write_bytes(
        _xml("ApplicationName=verintCTREvents", "Region=us-east-1", "Region=eu-west-1"))
    run = run_cli(["create", "--dry-run", "--conf-dir", str(tmp_path)], clean_env(tmp_path))
    assert run.code == 2
    assert '"us-east-1"' in run.stderr and '"eu-west-1"' in run.stderr
