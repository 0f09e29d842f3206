"""The AWS configuration's default region, read without importing botocore.

`policy`, `template` and dry runs must start fast and need no AWS SDK, yet they
must pick the same default region the SDK would: AWS_REGION (the AWS CLI's and
the other SDKs' first choice), then AWS_DEFAULT_REGION, then the `region` of
the profile botocore picks, read from the shared config file as botocore
reads it.
"""

from __future__ import annotations

import configparser
import os
import shlex
from collections.abc import Mapping
from pathlib import Path

from lease_tables.core.errors import InputError
from lease_tables.core.printable import clean, quote


def config_file(env: Mapping[str, str]) -> Path:
    explicit = env.get("AWS_CONFIG_FILE")
    if explicit:
        return Path(os.path.expanduser(explicit))
    return Path.home() / ".aws" / "config"


def profile_name(profile: str | None, env: Mapping[str, str]) -> str:
    """The profile botocore uses: --profile, else AWS_DEFAULT_PROFILE, else AWS_PROFILE
    (botocore's order, which is the AWS CLI's), else `default`."""
    return profile or env.get("AWS_DEFAULT_PROFILE") or env.get("AWS_PROFILE") or "default"


def profiles(parser: configparser.RawConfigParser) -> dict[str, Mapping[str, str]]:
    """The config file's profiles as botocore's `build_profile_map` reads them.

    `[profile NAME]` (split as a shell would, so `[profile "my name"]` works) and
    `[default]` are profiles, and `[profile default]` is the default profile too;
    when one profile has two sections, the later one wins, whole.
    """
    found: dict[str, Mapping[str, str]] = {}
    for section in parser.sections():
        if section.startswith("profile"):
            try:
                parts = shlex.split(section)
            except ValueError:
                continue
            if len(parts) == 2:
                found[parts[1]] = parser[section]
        elif section == "default":
            found["default"] = parser[section]
    return found


def read_config(path: Path) -> configparser.RawConfigParser | None:
    """The AWS config file parsed as the AWS SDK would, or None when there is none.

    A file the SDK cannot parse is named now, with the fix: otherwise the run
    would go on with no default region and fail later with a misleading
    "no region" (or botocore's bare "Unable to parse config file").
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"The AWS config file {quote(path)} cannot be read "
                         f"({exc.strerror or exc}). Check its permissions, or set "
                         f"AWS_CONFIG_FILE to a readable file.") from None
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            f"The AWS config file {quote(path)} starts with a byte-order mark (Notepad's "
            f"\"UTF-8 with BOM\" or \"Unicode\"), which the AWS SDK and the AWS CLI cannot "
            f"read. Save it again as UTF-8 without BOM (in Notepad: Save As, Encoding "
            f"\"UTF-8\"), then rerun.")
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(data.decode("utf-8"), source=str(path))
    except (configparser.Error, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"The AWS config file {quote(path)} is not valid "
                         f"({clean(first)}). Fix it (`aws configure` rewrites it), or set "
                         f"AWS_CONFIG_FILE to another file.") from None
    return parser


def default_region(profile: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The region the AWS CLI would use for this profile, or None."""
    env = os.environ if env is None else env
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if env.get(variable):
            return env[variable]
    path = config_file(env)
    parser = read_config(path)
    if parser is None:
        return None
    value = profiles(parser).get(profile_name(profile, env), {}).get("region", "").strip()
    return value or None


def missing_profile(profile: str | None, env: Mapping[str, str]) -> str | None:
    """Words for a profile named (--profile, AWS_DEFAULT_PROFILE, AWS_PROFILE) that neither
    AWS file holds, or None. boto3 refuses such a profile; without this, a stale
    AWS_PROFILE would surface as "no AWS region is known"."""
    name = profile_name(profile, env)
    if name == "default" and not profile:
        return None
    parser = read_config(config_file(env))
    if parser is not None and name in profiles(parser):
        return None
    credentials = env.get("AWS_SHARED_CREDENTIALS_FILE")
    path = Path(os.path.expanduser(credentials)) if credentials else (
        Path.home() / ".aws" / "credentials")
    try:
        sections = configparser.RawConfigParser()
        sections.read_string(path.read_text(encoding="utf-8"), source=str(path))
        if sections.has_section(name):
            return None
    except (OSError, configparser.Error, UnicodeDecodeError):
        pass
    origin = ("--profile" if profile else "AWS_DEFAULT_PROFILE"
              if env.get("AWS_DEFAULT_PROFILE") else "AWS_PROFILE")
    return (f"The AWS profile {quote(name)} (from {origin}) is in neither the AWS config "
            f"file nor the credentials file, so it gives no region (and the AWS SDK would "
            f"refuse it). Check its spelling with `aws configure list-profiles`, or unset "
            f"{origin}.")
