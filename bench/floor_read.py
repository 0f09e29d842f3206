"""The P4 floor: a bare lxml script that reads every adapter of a configuration file.

    python bench/floor_read.py path/to/IntegrationService.xml

What any reader of IntegrationService.xml must do, and nothing more: parse the file
with the hardened parser options `lease_tables.config.ris` uses (no DTD, no entities,
no network; comments, processing instructions and indentation dropped), refuse a DTD,
and read each Integration element's attributes (type, id, adapterid, name, enabled,
its line) and its `set` settings (key, value), the elements and attributes the tool
reads; then print one line per adapter. No names derived, no checks, no tolerance for
other spellings: a hand-written script that knows the file's shape.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree

ATTRIBUTES = ("type", "id", "adapterid", "name", "enabled")


def adapters(data: bytes) -> list[str]:
    """One line per Integration element: its attributes, then its settings."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True,
                             remove_pis=True, remove_blank_text=True)
    root = etree.fromstring(data, parser)
    if root.getroottree().docinfo.doctype:
        raise SystemExit("a DTD: refused")
    lines = []
    for integration in root.iter("Integration"):
        fields = [integration.get(name) or "" for name in ATTRIBUTES]
        fields.append(str(integration.sourceline))
        fields += [f"{s.get('key')}={s.get('value') or s.text or ''}"
                   for s in integration.iter("set")]
        lines.append("\t".join(fields) + "\n")
    return lines


def main(path: str) -> None:
    sys.stdout.write("".join(adapters(Path(path).read_bytes())))


if __name__ == "__main__":
    main(sys.argv[1])
