"""The two kinds of failure a user can cause, each with its exit code.

Pure modules raise these; only the CLI turns them into exit codes, so the
library stays usable from other Python code and from tests.
"""

from __future__ import annotations


class LeaseTablesError(Exception):
    """A failure with a one-paragraph message for the operator."""

    exit_code = 1


class InputError(LeaseTablesError):
    """Bad usage or bad input: options, configuration, names (SPEC exit 2)."""

    exit_code = 2


class AwsError(LeaseTablesError):
    """Something on the AWS side said no before any table was tried (SPEC exit 1)."""

    exit_code = 1
