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
EXIT_HANGUP = 129  # SIGHUP (128 + 1): the session ended (a dropped SSH session); as SIGTERM
EXIT_INTERRUPTED = 130  # Ctrl+C, as shells report SIGINT
EXIT_TERMINATED = 143  # SIGTERM, as shells report it (128 + 15); handled exactly as Ctrl+C
EXIT_BREAK = 149  # Windows: Ctrl+Break (SIGBREAK, 128 + 21), a closed console, logoff, shutdown

# What each code tells an install script, in the words of the generated reference page
# (docs/exit-codes.md): beside the codes, so a new code cannot ship undocumented.
EXIT_MEANINGS: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "every table (and every other resource of the run) is fine"),
    (EXIT_AWS, "an AWS-side failure for some table (credentials, network, access denied, "
               "timeout); or stdout could not be written"),
    (EXIT_INPUT, "bad usage or bad input: options, a missing or unsafe configuration file, "
                 "no Amazon adapter found, an invalid derived name. Nothing was called or "
                 "changed"),
    (EXIT_DRIFT, "drift; a missing or not-active table in `verify`; a `denied` or `missing` "
                 "table in `preflight`"),
    (EXIT_HANGUP, "stopped by SIGHUP (the session ended: a dropped SSH or remote session, "
                  "a closed terminal), handled exactly like Ctrl+C; rerun the same command "
                  "to finish"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl+C); rerun the same command to finish"),
    (EXIT_TERMINATED, "stopped by SIGTERM (what `timeout`, schedulers and service managers "
                      "send), handled exactly like Ctrl+C: the same message, the same JSON "
                      "object; rerun the same command to finish"),
    (EXIT_BREAK, "Windows: stopped by Ctrl+Break (SIGBREAK), or by the end of its console (the "
                 "console window closed, the user logging off, Windows shutting down), handled "
                 "exactly like Ctrl+C; rerun the same command to finish"),
)


class LeaseTablesError(Exception):
    """A failure with a one-paragraph message for the operator."""

    exit_code = EXIT_AWS


class InputError(LeaseTablesError):
    """Bad usage or bad input: options, configuration, names."""

    exit_code = EXIT_INPUT


class AwsError(LeaseTablesError):
    """Something on the AWS side said no before any table was tried (exit code EXIT_AWS,
    as every LeaseTablesError)."""
