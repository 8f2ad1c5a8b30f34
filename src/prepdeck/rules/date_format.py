"""`reviewed` in bank.yaml is a day that exists.  The schema checks the form
(YYYY-MM-DD, month 01-12, day 01-31); this checks the calendar, so "2026-02-30" or
"2025-02-29" is refused instead of being printed on the title page, the deck and
the study page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from prepdeck.content import Content
from prepdeck.errors import Problem

ID = "date-format"  # the schema's rule for the form of the same field
# the schema's pattern: a value it refuses is reported once, by the schema
_FORM = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


def check(content: Content) -> Iterator[Problem]:
    if content.bank is None:
        return
    value = content.bank_data.get("reviewed")
    if not isinstance(value, str) or not _FORM.fullmatch(value):
        return  # missing, or the schema already reports its form
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        yield content.bank.problem(
            ("reviewed",), ID, f'"reviewed" is {value!r}, a day that does not exist'
        )
