"""Names `vulture --min-confidence 80 src` cannot see used, each with why it must stay.

Passed to vulture beside `src` by `dev.py test` (tools/test.py). Only names an
interface requires, or that vulture cannot follow, belong here; anything else vulture
reports is dead code to remove.
"""
# ruff: noqa: B018, F821 -- a vulture whitelist only names the names

frame  # cli/signals.py `_raise`: signal.signal calls every handler with (signum, frame)
public_id  # config/ris.py `_RefuseEverything.resolve`: lxml's Resolver.resolve signature
LongRun  # cli/app.py: named in a quoted annotation, imported for type checking only
prompt  # aws/credential_helpers.py `refuse_prompt`: botocore calls its MFA prompter with it
