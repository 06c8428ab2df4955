"""Demo: the plan's indicators ([002] Qingdao's implementation plan, [004] the national notice), three years
of reported statistics, and a roll-up, so every official lands on a filled scoreboard."""

from __future__ import annotations


def seed(*, city) -> None:
    from reporting.catalogue import seed_catalogue, seed_statistics
    from reporting.imports import seed_demo as seed_import
    from reporting.services.rollup import rollup_city

    seed_catalogue(city)
    seed_statistics(city)
    rollup_city(city.pk)
    seed_import(city=city)
