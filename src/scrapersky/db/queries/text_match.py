"""Text matching helpers shared by the filtered listings: LIKE escaping and URL globs.

contains_pattern("50%_off")   # "%50\\%\\_off%"  (use with escape="\\")
glob_to_like("*/contact*")    # "%/contact%"
"""

from __future__ import annotations

LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """``text`` with the LIKE wildcards and the escape character made literal."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching any value that contains ``text`` literally."""
    return "%" + escape_like(text.strip()) + "%"


def glob_to_like(glob: str) -> str:
    """A shell-style glob (``*`` any run, ``?`` one character) as an anchored LIKE pattern."""
    out: list[str] = []
    for char in glob.strip():
        if char == "*":
            out.append("%")
        elif char == "?":
            out.append("_")
        else:
            out.append(escape_like(char))
    return "".join(out)
