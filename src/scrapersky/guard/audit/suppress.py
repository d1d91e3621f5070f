"""``# noqa`` comments: bare ``# noqa`` silences every code on the line, ``# noqa: SKY101,SKY2``
silences those codes (a prefix matches, as in flake8). Only real comments count.

    codes = noqa_lines(source_text)   # {12: {"SKY101"}, 40: None}  (None: everything)
    is_suppressed(finding, codes)
"""

from __future__ import annotations

import io
import re
import tokenize

from scrapersky.guard.audit.model import Finding

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)


def noqa_lines(text: str) -> dict[int, set[str] | None]:
    if "noqa" not in text.lower():
        return {}
    found: dict[int, set[str] | None] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type != tokenize.COMMENT:
                continue
            match = _NOQA.search(token.string)
            if match is None:
                continue
            line = token.start[0]
            codes = match.group("codes")
            if codes is None:
                found[line] = None
            elif found.get(line, set()) is not None:
                existing = found.setdefault(line, set())
                assert existing is not None
                existing.update(c.upper() for c in re.split(r"[\s,]+", codes) if c)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return found
    return found


def is_suppressed(finding: Finding, noqa: dict[int, set[str] | None]) -> bool:
    for line in {finding.line, finding.end_line}:
        if line not in noqa:
            continue
        codes = noqa[line]
        if codes is None or any(finding.code.startswith(code) for code in codes):
            return True
    return False
