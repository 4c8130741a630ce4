"""Pseudonymised case references, and refusing anything that identifies a child.

A case reference is the person id of the case-management system (LCS, Mosaic,
Liquidlogic...). It must never be a child's name, date of birth or address, so
the rule is strict: letters, digits and hyphens only, at least four digits, and
nothing that reads as a date.
"""
from __future__ import annotations

import re
from datetime import datetime

from core import clock

MAX_LENGTH = 20
_ALLOWED = re.compile(r"^[A-Za-z0-9-]+$")
_DATE_LIKE = re.compile(
    r"\b\d{1,2}[./\-\s]\d{1,2}[./\-\s]\d{2,4}\b"  # 01/02/2015, 1-2-15
    r"|\b\d{4}[./\-]\d{1,2}[./\-]\d{1,2}\b"  # 2015-02-01
    r"|\b\d{1,2}\s*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b",
    re.IGNORECASE,
)
_ADDRESS_WORDS = re.compile(
    r"\b(street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|court|crescent|"
    r"terrace|place|gardens|grove|flat|house|estate)\b",
    re.IGNORECASE,
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)


class CaseReferenceError(ValueError):
    """A reference that is not a valid pseudonymised case reference; the message says why."""


def _looks_like_date(text: str) -> bool:
    if _DATE_LIKE.search(text):
        return True
    digits = re.sub(r"\D", "", text)
    # 8 bare digits that parse as ddmmyyyy or yyyymmdd within living memory.
    if len(digits) == 8 and digits == text:
        for fmt in ("%d%m%Y", "%Y%m%d"):
            try:
                parsed = datetime.strptime(digits, fmt)
            except ValueError:
                continue
            if 1990 <= parsed.year <= clock.today().year:
                return True
    return False


def problem_with(reference: str | None) -> str | None:
    """Why ``reference`` cannot be stored, or None when it is acceptable."""
    if reference is None or not str(reference).strip():
        return "Enter the case reference from the case-management system."
    text = str(reference).strip()
    if len(text) > MAX_LENGTH:
        return f"A case reference has at most {MAX_LENGTH} characters."
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return "A case reference cannot contain control characters."
    if _POSTCODE.search(text) or (_ADDRESS_WORDS.search(text) and re.search(r"\d", text)):
        return "This looks like an address. Use the pseudonymised case reference, never an address."
    if _looks_like_date(text):
        return "This looks like a date of birth. Use the pseudonymised case reference."
    if not _ALLOWED.match(text):
        if re.fullmatch(r"[A-Za-z][A-Za-z '\-.]*", text):
            return "This looks like a name. Use the pseudonymised case reference, never a child's name."
        return "A case reference may contain only letters, digits and hyphens."
    if sum(ch.isdigit() for ch in text) < 4:
        if text.isalpha():
            return "This looks like a name. Use the pseudonymised case reference, never a child's name."
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
    if _POSTCODE.search(text) or (_ADDRESS_WORDS.search(text) and re.search(r"\d", text)):
        return "looks like an address"
    return None
