"""What text a person may submit: printable characters, tabs and line breaks.

Control characters have no place in a name, a reason or a reference. NUL cannot be stored in
Postgres at all, and the others are refused by the spreadsheet format the school prints from, so
they are turned away where the text comes in, not discovered when a sheet fails to print.
"""

from __future__ import annotations

import re

# C0 controls but tab, line feed and carriage return; DEL; the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def first_control_character(text: str) -> int | None:
    """The position of the first character no submitted text may hold, or None."""
    found = _CONTROL.search(text)
    return found.start() if found else None


def describe_control_character(text: str, position: int) -> str:
    return f"U+{ord(text[position]):04X} at position {position} is a control character"
