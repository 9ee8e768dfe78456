"""The in-process application layer: programs, postal areas and business calendars, built once and shared.

The CLI, the scenario runner and (later) the API call the domain through this, so every caller decides alike.
"""

from __future__ import annotations

from functools import cached_property

from hosho.domain.calendar import BusinessCalendar, Closures
from hosho.domain.contract import Application, DomainError, Site
from hosho.domain.enrollment import Enrollment, enroll
from hosho.geo.postal import InvalidPostalCode, PostalDirectory, UnknownPostalCode, default_directory
from hosho.programs.catalog import Catalog, extra_program_paths, load_catalog


class Engine:
    def __init__(self, catalog: Catalog | None = None, postal: PostalDirectory | None = None):
        self._catalog = catalog
        self._postal = postal
        self._calendars: dict[object, BusinessCalendar] = {}

    @property
    def rebuildable(self) -> bool:
        """Built from the program files and Japan Post's data alone, so `Engine()` in another process decides alike
        (an import's worker processes: service.import_work)."""
        return self._catalog is None and self._postal is None

    @cached_property
    def catalog(self) -> Catalog:
        return self._catalog or load_catalog(extra=extra_program_paths())

    @cached_property
    def postal(self) -> PostalDirectory:
        return self._postal or default_directory()

    def calendar(self, closures: Closures) -> BusinessCalendar:
        """One calendar per set of closures (building one precomputes every business day of 2000–2060)."""
        key = (closures.annual, tuple(sorted(closures.by_year.items())), closures.extra, closures.weekly)
        calendar = self._calendars.get(key)
        if calendar is None:
            calendar = self._calendars[key] = BusinessCalendar(closures)
        return calendar

    def warm(self) -> None:
        """Build now what the first requests would: the programs and every program version's calendar."""
        for program in self.catalog.programs.values():
            for version in program.versions:
                self.calendar(version.closures)

    def site(self, *, postal_code: str | None, country: str = "JP", remote_island: bool | None = None) -> Site:
        """Remote-island status is derived from the postal code unless the caller states it."""
        if remote_island is None:
            remote_island = False
            if postal_code is not None and country == "JP":
                try:
                    remote_island = self.postal.is_remote_island(postal_code)
                except (InvalidPostalCode, UnknownPostalCode) as exc:
                    raise DomainError("invalid_contract", str(exc), field="site.postal_code") from None
        return Site(postal_code=postal_code, country=country, remote_island=remote_island)

    def enroll(self, program_id: str, application: Application) -> Enrollment:
        program = self.catalog.programs.get(program_id)
        if program is None:
            raise DomainError("invalid_contract", f"unknown program {program_id!r}", field="program")
        return enroll(program, application)
