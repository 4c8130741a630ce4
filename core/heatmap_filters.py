"""The heatmap page's filters: one frozen value, ``HeatmapFilters``, that keys caches and encodes
to and from URL query-string values so that a view can be shared; and the labels of programme weeks.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from core.authz import Role, Scope
from core.heatmap import AuditKind, Colour, View
from core.periods import week_dates


# ---------------------------------------------------------------- weeks
def week_label(start: date, week: int, programme_weeks: int | None) -> str:
    """'W3' inside the programme, else the week-commencing date."""
    if programme_weeks and 1 <= week <= programme_weeks:
        return f"W{week}"
    return f"w/c {week_dates(start, week)[0]:%d %b %y}"


# ---------------------------------------------------------------- filters
@dataclass(frozen=True)
class HeatmapFilters:
    """Everything that decides what a heatmap shows; hashable, so it keys caches.

    Period: ``weeks`` (programme weeks, inclusive) or ``dates`` (inclusive), or
    neither for every date. Empty ``team_ids`` / ``theme_codes`` mean all the user
    may see.
    """

    view: View = View.TEAM_THEME
    colour: Colour = Colour.SHARE
    weeks: tuple[int, int] | None = None
    dates: tuple[date, date] | None = None
    team_ids: tuple[int, ...] = ()
    theme_codes: tuple[str, ...] = ()
    kind: AuditKind = AuditKind.ALL
    moderated_only: bool = False
    service_area: str = ""

    def __post_init__(self) -> None:
        # Normalise so that equal views have equal keys (and equal URLs).
        object.__setattr__(self, "team_ids", tuple(sorted(set(int(t) for t in self.team_ids))))
        object.__setattr__(self, "theme_codes", tuple(sorted(set(self.theme_codes))))
        if self.weeks is not None:
            a, b = int(self.weeks[0]), int(self.weeks[1])
            object.__setattr__(self, "weeks", (min(a, b), max(a, b)))
        if self.dates is not None:
            a, b = self.dates
            object.__setattr__(self, "dates", (min(a, b), max(a, b)))
        if self.weeks is not None and self.dates is not None:
            raise ValueError("Choose programme weeks or dates, not both.")

    def with_changes(self, **changes) -> "HeatmapFilters":
        return replace(self, **changes)

    def period(self, programme_start: date | None) -> tuple[date | None, date | None]:
        """The inclusive date range to keep (None ends are open)."""
        if self.dates is not None:
            return self.dates
        if self.weeks is not None and programme_start is not None:
            first, last = self.weeks
            return week_dates(programme_start, first)[0], week_dates(programme_start, last)[1]
        return None, None

    def asks_for_teams(self, scope: Scope) -> bool:
        """The practitioner map waits for a choice of teams (or a service area) from someone who sees every team:
        every practitioner of every team is too many to compare. A manager's "All your teams" is their own teams,
        so their practitioners are shown with none chosen."""
        return (self.view is View.PRACTITIONER_DOMAIN and scope.team_ids is None and not self.team_ids
                and not self.service_area)

    def for_scope(self, scope: Scope) -> "HeatmapFilters":
        """These filters as ``scope`` may use them: a sponsor never gets the practitioner view."""
        if scope.aggregates_only and not self.view.team_level:
            return replace(self, view=View.TEAM_THEME)
        return self

    def to_query(self) -> dict[str, str]:
        """Query-string values for a shareable link; defaults are left out."""
        query: dict[str, str] = {}
        if self.view is not View.TEAM_THEME:
            query["view"] = self.view.value
        if self.colour is not Colour.SHARE:
            query["colour"] = self.colour.value
        if self.weeks is not None:
            query["weeks"] = f"{self.weeks[0]}-{self.weeks[1]}"
        if self.dates is not None:
            query["from"] = self.dates[0].isoformat()
            query["to"] = self.dates[1].isoformat()
        if self.team_ids:
            query["teams"] = ",".join(str(t) for t in self.team_ids)
        if self.theme_codes:
            query["themes"] = ",".join(self.theme_codes)
        if self.kind is not AuditKind.ALL:
            query["kind"] = self.kind.value
        if self.moderated_only:
            query["moderated"] = "1"
        if self.service_area:
            query["area"] = self.service_area
        return query

    @classmethod
    def from_query(cls, query: Mapping[str, str | list[str]]) -> "HeatmapFilters":
        """Filters from query-string values. Anything malformed is ignored (a link typed or
        cut short by hand still opens the page), never an error."""

        def get(name: str) -> str:
            value = query.get(name, "")
            if isinstance(value, (list, tuple)):
                value = value[-1] if value else ""
            return str(value).strip()

        values: dict = {}
        for name, enum, key in (("view", View, "view"), ("colour", Colour, "colour"), ("kind", AuditKind, "kind")):
            try:
                if get(name):
                    values[key] = enum(get(name))
            except ValueError:
                pass
        weeks = get("weeks")
        if weeks:
            try:
                first, _, last = weeks.partition("-")
                a, b = int(first), int(last or first)
                if 1 <= a <= 520 and 1 <= b <= 520:
                    values["weeks"] = (a, b)
            except ValueError:
                pass
        if "weeks" not in values and get("from") and get("to"):
            try:
                values["dates"] = (date.fromisoformat(get("from")), date.fromisoformat(get("to")))
            except ValueError:
                pass
        values["team_ids"] = tuple(int(t) for t in get("teams").split(",") if t.strip().isdigit())
        values["theme_codes"] = tuple(
            t.strip() for t in get("themes").split(",") if t.strip() and t.strip().replace("_", "").isalnum()
        )
        values["moderated_only"] = get("moderated").lower() in ("1", "true", "yes")
        values["service_area"] = get("area")[:120]
        return cls(**values)


def default_filters(scope: Scope) -> HeatmapFilters:
    """Where the page opens: a manager on the teams they manage, everyone else on all teams."""
    if Role.MANAGER in scope.roles and scope.managed_team_ids:
        return HeatmapFilters(team_ids=tuple(scope.managed_team_ids))
    return HeatmapFilters()


def scope_from_cache_key(key: tuple) -> Scope:
    """A Scope that sees exactly what ``Scope.cache_key()`` describes, for cached queries
    keyed by the scope rather than by the person."""
    roles, team_ids = key
    return Scope(user_id=0, username="", roles=frozenset(Role(r) for r in roles),
                 managed_team_ids=frozenset(team_ids or ()))
