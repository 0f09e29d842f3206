"""The AWS configuration's default region and profile, by botocore's own lookup.

A table whose adapter has no Region setting, given no --region, is in the region
the AWS SDK would pick: so the SDK picks it. A botocore Session (not a copy of its
rules) reads the profile (--profile, AWS_DEFAULT_PROFILE, AWS_PROFILE), the
config and credentials files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else
under the home directory) and the profile's region, from the environment given.
AWS_REGION comes first, as for the AWS CLI and the other SDKs.

botocore costs about a third of a second to import, so it is imported only when
a region must come from the configuration: dry runs, `policy` and `template` over
adapters that carry their Region never load it, and a machine with no home
directory (a service account, a container) runs them as well as any.

What botocore refuses is named here, once, as bad input: a config file it cannot
parse (a byte-order mark from Notepad, say), one it cannot read, a profile that
neither file holds. And where there is no home directory, the messages say how
to name the files instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lease_tables.core.errors import InputError
from lease_tables.core.printable import clean, quote

# AWS_REGION first (the AWS CLI's and the other SDKs' first choice), then botocore's own.
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")


def session(profile: str | None, env: Mapping[str, str]) -> Any:  # a botocore Session
    """A botocore Session that reads `env` (not necessarily os.environ) for its settings."""
    from botocore import configprovider
    from botocore.session import Session

    core = Session(profile=profile)
    chains = configprovider.ConfigChainFactory(session=core, environ=dict(env))
    mapping = {}
    # The settings the lookup needs, as botocore names them (its logical names).
    for logical in ("profile", "config_file", "credentials_file", "region"):
        key, variables, default, conversion = (
            configprovider.BOTOCORE_DEFAUT_SESSION_VARIABLES[logical])
        mapping[logical] = chains.create_config_chain(
            instance_name=logical, config_property_names=key, default=default,
            env_var_names=list(REGION_VARIABLES) if logical == "region" else variables,
            conversion_func=conversion)
    core.register_component("config_store", configprovider.ConfigValueStore(mapping=mapping))
    return core


def default_region(profile: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The region the AWS CLI would use for this profile, or None."""
    env = os.environ if env is None else env
    for variable in REGION_VARIABLES:  # no file needed: no botocore either
        if env.get(variable):
            return env[variable]
    # Without the AWS config file botocore would read (AWS_CONFIG_FILE, else ~/.aws/config)
    # the configuration holds no region, and botocore (a third of a second to import) need
    # not be asked: nothing to look up (a container, a fresh machine).
    config_file = os.path.expanduser(env.get("AWS_CONFIG_FILE") or "~/.aws/config")
    if config_file.startswith("~") or not os.path.lexists(config_file):
        return None
    from botocore.exceptions import ConfigNotFound, ConfigParseError, ProfileNotFound

    core = session(profile, env)
    path = Path(os.path.expanduser(str(core.get_config_variable("config_file"))))
    if path.exists():  # botocore passes over a file it cannot open (a folder, say): not we
        try:
            path.open("rb").close()
        except OSError as exc:
            raise InputError(_unreadable(path, exc)) from None
    try:
        config = core.get_scoped_config()
    except ProfileNotFound:  # named only by the environment: `missing_profile` names it
        return None
    except (ConfigParseError, ConfigNotFound, UnicodeDecodeError, OSError) as exc:
        raise InputError(_unreadable(path, exc)) from None
    return str(config.get("region") or "").strip() or None


def _unreadable(path: Path, exc: BaseException) -> str:
    """The AWS config file botocore refused, named with the fix."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return (f"The AWS config file {quote(path)} cannot be read ({error.strerror or error}). "
                f"Check its permissions, or set AWS_CONFIG_FILE to a readable file.")
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return (f"The AWS config file {quote(path)} starts with a byte-order mark (Notepad's "
                f"\"UTF-8 with BOM\" or \"Unicode\"), which the AWS SDK and the AWS CLI cannot "
                f"read. Save it again as UTF-8 without BOM (in Notepad: Save As, Encoding "
                f"\"UTF-8\"), then rerun.")
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return (f"The AWS config file {quote(path)} is not valid ({clean(first)}). Fix it (`aws "
            f"configure` rewrites it), or set AWS_CONFIG_FILE to another file.")


def missing_profile(profile: str | None, env: Mapping[str, str]) -> str | None:
    """Words for a profile named (--profile, AWS_DEFAULT_PROFILE, AWS_PROFILE) that neither
    AWS file holds, or None. boto3 refuses such a profile; without this, a stale
    AWS_PROFILE would surface as "no AWS region is known"."""
    if not (profile or env.get("AWS_DEFAULT_PROFILE") or env.get("AWS_PROFILE")):
        return None  # the default profile: never "missing"
    core = session(profile, env)
    name = core.get_config_variable("profile")
    if not name or (name == "default" and not profile):
        return None
    try:
        if name in core.available_profiles:
            return None
    except Exception:  # an unreadable file: named by `default_region` where it matters
        return None
    origin = ("--profile" if profile else "AWS_DEFAULT_PROFILE"
              if env.get("AWS_DEFAULT_PROFILE") else "AWS_PROFILE")
    return (f"The AWS profile {quote(name)} (from {origin}) is in neither the AWS config "
            f"file nor the credentials file, so it gives no region (and the AWS SDK would "
            f"refuse it). Check its spelling with `aws configure list-profiles`, or unset "
            f"{origin}.{home_hint(env)}")


def home_hint(env: Mapping[str, str] | None = None) -> str:
    """A sentence for a machine with no home directory (a service account, a container),
    where the AWS files cannot be found by their usual place: how to name them. Empty
    where there is a home, or both files are named already."""
    env = os.environ if env is None else env
    if env.get("AWS_CONFIG_FILE") and env.get("AWS_SHARED_CREDENTIALS_FILE"):
        return ""
    home = os.path.expanduser("~")
    if not home.startswith("~") and os.path.isdir(home):
        return ""
    return (" This account has no home directory, so the AWS config files (~/.aws/config, "
            "~/.aws/credentials) cannot be found there: name them with AWS_CONFIG_FILE and "
            "AWS_SHARED_CREDENTIALS_FILE (or set AWS_REGION and credentials in the "
            "environment).")
