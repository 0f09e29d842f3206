"""From the selection options to the list of lease tables: conf + naming together.

Shared by every command that takes --conf-dir / --table / --host-name, so
`create`, `verify`, `policy` and `template` always see the same tables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lease_tables.config import naming, ris, sdk_settings
from lease_tables.core.errors import InputError


@dataclass(frozen=True)
class Selection:
    conf_dirs: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    host_name: str | None = None
    region: str | None = None
    profile: str | None = None


def select(selection: Selection, env: Mapping[str, str] | None = None,
           local_host: str | None = None) -> naming.Derivation:
    """Read every configuration named and derive the tables; input errors exit 2."""
    env = os.environ if env is None else env
    naming.check_region_option(selection.region)  # before anything else: no file read, no AWS
    conf_dirs = list(selection.conf_dirs)
    origin = None
    if not conf_dirs and not selection.tables:
        conf_dirs = ris.default_conf_dirs(env)
        origin = ris.default_conf_origin(env)
        if not conf_dirs:
            raise InputError(
                f"No configuration to read: pass --conf-dir (the RIS folder that holds "
                f"IntegrationService.xml, usually %{ris.SOFTWARE_DIR_VARIABLE}%\\Conf), or "
                f"--table NAME, or run on a RIS server where {ris.SOFTWARE_DIR_VARIABLE} is set."
            )
    if selection.host_name is not None and not selection.host_name.strip():
        raise InputError("--host-name is empty. Give the RIS server's host name, e.g. verintris.")
    confs = ris.read_confs(conf_dirs, env, origin=origin)
    naming.require_adapters(confs, selection.tables)
    derivation = naming.derive_tables(
        confs,
        table_names=selection.tables,
        host_option=selection.host_name,
        region_option=selection.region,
        # Asked only when a table needs it and there is no --region: the AWS config
        # file may be unreadable.
        default_region=lambda: sdk_settings.default_region(selection.profile, env),
        local_host=local_host,
        # Windows sets it (upper case); compared with the host name for a case warning.
        computer_name=env.get("COMPUTERNAME"),
    )
    if not selection.region and any(not t.region for t in derivation.tables):
        problem = sdk_settings.missing_profile(selection.profile, env)
        if problem:
            raise InputError(problem)
    return derivation
