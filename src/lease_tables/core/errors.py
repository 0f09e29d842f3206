"""Exit codes, and the failures a user can cause, each carrying its code.

Install scripts branch on these codes, so they are defined once, here, in the
lowest module; `outcome` maps statuses onto them and only the CLI exits.
Library code raises these errors and never exits, so it stays usable from
other Python code and from tests.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_AWS = 1  # an AWS-side failure: credentials, network, access denied, timeout
EXIT_INPUT = 2  # bad usage or bad input: options, configuration, names
EXIT_DRIFT = 3  # drift, or a missing or not-active table


class LeaseTablesError(Exception):
    """A failure with a one-paragraph message for the operator."""

    exit_code = EXIT_AWS


class InputError(LeaseTablesError):
    """Bad usage or bad input: options, configuration, names."""

    exit_code = EXIT_INPUT


class AwsError(LeaseTablesError):
    """Something on the AWS side said no before any table was tried."""

    exit_code = EXIT_AWS
