"""The demo's sign-in accounts: one per role, with the passwords the sign-in page shows in demo mode.

They exist only in demo mode (``db.bootstrap`` seeds them, ``ui.auth`` lists them); everyone else in
the demo story cannot sign in.
"""
from __future__ import annotations

from core.authz import Role

# Demo accounts exist only in demo mode; the sign-in page shows these passwords then.
DEMO_PASSWORDS = {
    "auditor": "auditor-demo-2026",
    "manager": "manager-demo-2026",
    "sponsor": "sponsor-demo-2026",
    "support": "support-demo-2026",
    "admin": "admin-demo-2026",
}
DEMO_ACCOUNTS = {
    "auditor": ("Alex Morgan", {Role.AUDITOR}),
    "manager": ("Sam Patel", {Role.MANAGER}),
    "sponsor": ("Jo Whitfield", {Role.SPONSOR}),
    "support": ("Chris Lee", {Role.SUPPORT}),
    "admin": ("Pat Quinn", {Role.ADMIN}),
}
