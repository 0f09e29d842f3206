"""The AWS configuration's default region, read without importing botocore.

`policy`, `template` and dry runs must start fast and need no AWS SDK, yet they
must pick the same default region the SDK would: AWS_REGION, then
AWS_DEFAULT_REGION, then the profile's `region` in the shared config file.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from pathlib import Path


def config_file(env: Mapping[str, str]) -> Path:
    explicit = env.get("AWS_CONFIG_FILE")
    if explicit:
        return Path(os.path.expanduser(explicit))
    return Path.home() / ".aws" / "config"


def profile_name(profile: str | None, env: Mapping[str, str]) -> str:
    return profile or env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE") or "default"


def default_region(profile: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The region the AWS CLI would use for this profile, or None."""
    env = os.environ if env is None else env
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if env.get(variable):
            return env[variable]
    path = config_file(env)
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, configparser.Error, UnicodeDecodeError):
        return None
    name = profile_name(profile, env)
    section = "default" if name == "default" else f"profile {name}"
    for candidate in (section, name):
        if parser.has_option(candidate, "region"):
            value = parser.get(candidate, "region").strip()
            return value or None
    return None
