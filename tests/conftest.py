from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from hosho.engine import Engine
from hosho.programs.catalog import Catalog, load_catalog

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
SPEC_EXAMPLES = ROOT.parent / "shared" / "spec" / "examples"

settings.register_profile("ci", max_examples=300, deadline=None)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def engine(catalog: Catalog) -> Engine:
    return Engine(catalog)
