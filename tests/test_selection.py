"""From the selection options to the tables: plain values and the sample folder."""

from __future__ import annotations

import pytest
from inline_snapshot import snapshot

from lease_tables.config.naming import LeaseTable, require_regions
from lease_tables.config.selection import Selection, select
from lease_tables.core.errors import InputError
from tests.conftest import SAMPLE_CONF

SAMPLE = (str(SAMPLE_CONF),)


@pytest.mark.parametrize("empty", ["", "   "])
def test_an_empty_host_name_is_refused_not_replaced(empty: str) -> None:
    """Without the check, "" would silently fall back to the UNC or local host name."""
    with pytest.raises(InputError) as err:
        select(Selection(conf_dirs=SAMPLE, host_name=empty, region="us-east-1"), env={},
               local_host="thisbox")
    assert str(err.value) == snapshot(
        "--host-name is empty. Give the RIS server's host name, e.g. verintris.")


def test_the_host_name_option_names_the_agent_events_table() -> None:
    derived = select(Selection(conf_dirs=SAMPLE, host_name="verintris", region="us-east-1"),
                     env={}, local_host="thisbox")
    assert [t.table_name for t in derived.tables] == ["verintAgentEvents_verintris.2",
                                                      "verintCTREvents"]


def test_without_conf_dir_the_software_folder_variable_is_read(tmp_path) -> None:
    software = tmp_path / "Impact360"
    (software / "Conf").mkdir(parents=True)
    (software / "Conf" / "IntegrationService.xml").write_bytes(
        (SAMPLE_CONF / "IntegrationService.xml").read_bytes())
    derived = select(Selection(region="us-east-1"), env={"IMPACT360SOFTWAREDIR": str(software)},
                     local_host="thisbox")
    assert len(derived.tables) == 2
    with pytest.raises(InputError, match="No configuration to read"):
        select(Selection(region="us-east-1"), env={}, local_host="thisbox")
    # --table alone needs no folder at all.
    assert [t.table_name for t in select(Selection(tables=("byHand",)), env={}).tables] == [
        "byHand"]


def test_a_folder_without_amazon_adapters_is_refused_unless_tables_are_given(tmp_path) -> None:
    (tmp_path / "IntegrationService.xml").write_bytes(
        b"<IFService><Integrations><Integration id='1' type='AvayaCMAPIAdapter'/>"
        b"</Integrations></IFService>")
    with pytest.raises(InputError, match="No Amazon Connect"):
        select(Selection(conf_dirs=(str(tmp_path),), region="us-east-1"), env={})
    derived = select(Selection(conf_dirs=(str(tmp_path),), tables=("byHand",),
                               region="us-east-1"), env={})
    assert [t.table_name for t in derived.tables] == ["byHand"]


def test_the_region_option_fills_in_and_the_profile_is_then_not_read(tmp_path) -> None:
    env = {"AWS_CONFIG_FILE": str(tmp_path / "config"), "AWS_DEFAULT_REGION": "eu-west-2"}
    (tmp_path / "config").write_text("[default]\nregion = not a region\n")
    derived = select(Selection(tables=("byHand",), region="us-west-2"), env=env)
    assert [t.region for t in derived.tables] == ["us-west-2"]
    derived = select(Selection(tables=("byHand",)), env=env)
    assert [t.region for t in derived.tables] == ["eu-west-2"]


def test_tables_without_a_region_are_named() -> None:
    require_regions([LeaseTable("a", "us-east-1")])
    with pytest.raises(InputError, match=r"No AWS region is known for b, c\. Pass --region"):
        require_regions([LeaseTable("a", "us-east-1"), LeaseTable("b", None),
                         LeaseTable("c", "")])


def test_the_environment_is_the_processes_own_by_default(tmp_path, monkeypatch) -> None:
    software = tmp_path / "Impact360"
    (software / "Conf").mkdir(parents=True)
    (software / "Conf" / "IntegrationService.xml").write_bytes(
        (SAMPLE_CONF / "IntegrationService.xml").read_bytes())
    monkeypatch.setenv("IMPACT360SOFTWAREDIR", str(software))
    assert len(select(Selection(region="us-east-1"), local_host="thisbox").tables) == 2


def test_a_folder_named_by_a_variable_uses_the_given_environment() -> None:
    derived = select(Selection(conf_dirs=("%RISCONF%",), host_name="ris", region="us-east-1"),
                     env={"RISCONF": str(SAMPLE_CONF)})
    assert len(derived.tables) == 2


def test_a_bad_region_option_is_refused_before_anything_is_read() -> None:
    with pytest.raises(InputError, match=r'^--region "US East" is not an AWS region code'):
        select(Selection(conf_dirs=("/no/such/folder",), region="US East"), env={})


def test_the_local_host_name_names_agent_events_tables_of_a_local_folder() -> None:
    derived = select(Selection(conf_dirs=SAMPLE, region="us-east-1"), env={},
                     local_host="thisbox")
    assert "verintAgentEvents_thisbox.2" in [t.table_name for t in derived.tables]


def test_the_named_profile_gives_the_default_region(tmp_path) -> None:
    (tmp_path / "config").write_text("[default]\nregion = us-east-1\n"
                                     "[profile other]\nregion = eu-central-1\n")
    env = {"AWS_CONFIG_FILE": str(tmp_path / "config")}
    derived = select(Selection(tables=("byHand",), profile="other"), env=env)
    assert [t.region for t in derived.tables] == ["eu-central-1"]


def test_with_a_region_option_an_unreadable_aws_config_is_never_read(tmp_path) -> None:
    env = {"AWS_CONFIG_FILE": str(tmp_path)}  # a folder: reading it fails
    derived = select(Selection(tables=("byHand",), region="us-west-2"), env=env)
    assert [t.region for t in derived.tables] == ["us-west-2"]
    with pytest.raises(InputError, match="cannot be read"):
        select(Selection(tables=("byHand",)), env=env)


def test_a_missing_default_folder_names_the_variable_it_came_from(tmp_path) -> None:
    with pytest.raises(InputError) as err:
        select(Selection(region="us-east-1"), env={"IMPACT360SOFTWAREDIR": str(tmp_path)},
               local_host="thisbox")
    assert (f"(from %IMPACT360SOFTWAREDIR%\\Conf, with the environment variable "
            f'IMPACT360SOFTWAREDIR set to "{tmp_path}", as no --conf-dir was given)'
            ) in str(err.value)


def test_the_windows_computer_name_is_compared_with_the_local_host_name() -> None:
    derived = select(Selection(conf_dirs=SAMPLE, region="us-east-1"),
                     env={"COMPUTERNAME": "THISBOX"}, local_host="thisbox")
    assert "verintAgentEvents_thisbox.2" in [t.table_name for t in derived.tables]
    assert any('"THISBOX"' in w and "--host-name THISBOX" in w for w in derived.warnings)
    quiet = select(Selection(conf_dirs=SAMPLE, region="us-east-1"), env={},
                   local_host="thisbox")
    assert quiet.warnings == []


def _aws_files(tmp_path) -> dict[str, str]:
    (tmp_path / "config").write_text("[default]\nregion = us-east-1\n")
    (tmp_path / "credentials").write_text("")
    return {"AWS_CONFIG_FILE": str(tmp_path / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials")}


def test_a_profile_no_file_holds_is_named_instead_of_no_region(tmp_path) -> None:
    with pytest.raises(InputError) as err:
        select(Selection(tables=("byHand",), profile="stale"), env=_aws_files(tmp_path))
    assert str(err.value) == snapshot(
        'The AWS profile "stale" (from --profile) is in neither the AWS config file nor the '
        "credentials file, so it gives no region (and the AWS SDK would refuse it). Check its "
        "spelling with `aws configure list-profiles`, or unset --profile.")


def test_a_stale_profile_is_left_to_the_sdk_when_every_table_has_a_region(tmp_path) -> None:
    env = {**_aws_files(tmp_path), "AWS_PROFILE": "stale"}
    for selection, region in ((Selection(tables=("byHand",), region="us-west-2"), "us-west-2"),
                              (Selection(tables=("byHand",)), "eu-west-2")):
        derived = select(selection, env={**env, "AWS_DEFAULT_REGION": "eu-west-2"})
        assert [t.region for t in derived.tables] == [region]
