"""Pseudonymised case references, and refusing anything that identifies a child.

A case reference is the person id of the case-management system (LCS, Mosaic,
Liquidlogic...): a short system prefix and digits, sometimes in groups separated
by hyphens or slashes (``LCS362168``, ``MOS-00412``, ``CIN/2026/0042``). It must
never be a child's name, date of birth or address, so the rule is strict:

- letters, digits, hyphens and slashes only, at least four digits;
- nothing that reads as a date: ``12/03/2015``, ``2015-03-12``, a month name next to
  digits with any separator or none (``12-Mar-2015``, ``12MAR2015B``, ``Mar 2015``),
  and a run of exactly six or eight digits that is a real date, alone or inside other
  text (``120315``, ``D0B-01032015``): ``ddmmyy``, ``ddmmyyyy`` or ``yyyymmdd``, in a
  year from 1990 to today (six digits glued to a letter prefix, ``LCS120315``, are how
  case-system ids look and are accepted);
- no word that could be a name: a run of four or more letters (``SMITH-JANE-0412``);
  system prefixes are codes of at most three letters.

The rules cost some real ids: about 1 in 70 random six-digit numbers standing alone (or
after a separator) reads as a ``ddmmyy`` date from 1990 on, and a few eight-digit ones
as dates; such an id is refused with the reason (see docs/security.md).
"""
from __future__ import annotations

import re
from datetime import date

from core import clock

MAX_LENGTH = 20
EARLIEST_YEAR = 1990  # dates of birth of children and care leavers, with room to spare
_ALLOWED = re.compile(r"^[A-Za-z0-9/-]+$")
_DATE_LIKE = re.compile(
    r"\b\d{1,2}[./\-\s]\d{1,2}[./\-\s]\d{2,4}\b"  # 01/02/2015, 1-2-15
    r"|\b\d{4}[./\-]\d{1,2}[./\-]\d{1,2}\b",  # 2015-02-01
    re.IGNORECASE,
)
# A month's name or abbreviation, not inside a longer word, with a digit beside it
# across any separator (or none): 12-Mar-2015, 12MAR2015B, March 2015, Mar.12.
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_MONTH_DATE = re.compile(
    rf"(?:\d[^A-Za-z0-9]*{_MONTH}(?![a-z]))|(?:(?<![a-z]){_MONTH}[^A-Za-z0-9]*\d)",
    re.IGNORECASE,
)
# Eight digits anywhere; six digits unless glued to a letter prefix, which is how case-system
# ids look (LCS120315 is an id; 120315, DOB-120315 and 12-03-15 read as dates).
_DIGIT_RUN = re.compile(r"(?<!\d)\d{8}(?!\d)|(?<![A-Za-z\d])\d{6}(?!\d)")
_NAME_WORD = re.compile(r"[A-Za-z]{4,}")
_DOB = re.compile(r"d[o0]b", re.IGNORECASE)  # "DOB", "D0B": a date of birth, whatever digits follow
_ADDRESS_WORDS = re.compile(
    r"\b(street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|court|crescent|"
    r"terrace|place|gardens|grove|flat|house|estate)\b",
    re.IGNORECASE,
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)


class CaseReferenceError(ValueError):
    """A reference that is not a valid pseudonymised case reference; the message says why."""


def _real_date(year: int, month: int, day: int) -> bool:
    if not EARLIEST_YEAR <= year <= clock.today().year:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _digits_read_as_date(digits: str) -> bool:
    """Six digits as ddmmyy, eight as ddmmyyyy or yyyymmdd, naming a real date."""
    if len(digits) == 6:
        day, month, yy = int(digits[:2]), int(digits[2:4]), int(digits[4:])
        century = 2000 if 2000 + yy <= clock.today().year else 1900
        return _real_date(century + yy, month, day)
    return _real_date(int(digits[4:]), int(digits[2:4]), int(digits[:2])) or _real_date(
        int(digits[:4]), int(digits[4:6]), int(digits[6:])
    )


def _looks_like_date(text: str) -> bool:
    if _DATE_LIKE.search(text) or _MONTH_DATE.search(text) or _DOB.search(text):
        return True
    return any(_digits_read_as_date(run) for run in _DIGIT_RUN.findall(text))


def _looks_like_address(text: str) -> bool:
    return bool(_POSTCODE.search(text) or (_ADDRESS_WORDS.search(text) and re.search(r"\d", text)))


NAME_MESSAGE = "This looks like a name. Use the pseudonymised case reference, never a child's name."


def problem_with(reference: str | None) -> str | None:
    """Why ``reference`` cannot be stored, or None when it is acceptable."""
    if reference is None or not str(reference).strip():
        return "Enter the case reference from the case-management system."
    text = str(reference).strip()
    if len(text) > MAX_LENGTH:
        return f"A case reference has at most {MAX_LENGTH} characters."
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return "A case reference cannot contain control characters."
    if _looks_like_address(text):
        return "This looks like an address. Use the pseudonymised case reference, never an address."
    if _looks_like_date(text):
        return "This looks like a date of birth. Use the pseudonymised case reference."
    if not _ALLOWED.match(text):
        if re.fullmatch(r"[A-Za-z][A-Za-z '\-.]*", text):
            return NAME_MESSAGE
        return "A case reference may contain only letters, digits and hyphens (or slashes)."
    if _NAME_WORD.search(text):
        return NAME_MESSAGE
    if sum(ch.isdigit() for ch in text) < 4:
        if text.isalpha():
            return NAME_MESSAGE
        return "A case reference contains at least four digits."
    return None


def normalise(reference: str) -> str:
    """The stored form of a valid reference (upper case, trimmed); raises if invalid."""
    problem = problem_with(reference)
    if problem:
        raise CaseReferenceError(problem)
    return str(reference).strip().upper()


def looks_like_personal_data(value: str | None) -> str | None:
    """For free-standing fields (practitioner column of an import, say): the reason a
    value looks like a child's date of birth or address, or None."""
    if not value:
        return None
    text = str(value).strip()
    if _looks_like_date(text):
        return "looks like a date of birth"
    if _looks_like_address(text):
        return "looks like an address"
    return None
