"""What a client generator reads in the OpenAPI: short stable operation ids, one named enum per set of words, the
free-form objects documented, the binary answers declared, and who to ask and where the service runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.utils import generate_unique_id

from hosho.api.app import create_app
from hosho.engine import Engine
from hosho.service.context import create_hosho

OPERATION_ID = re.compile(r"^[a-z]+(?:[A-Z][a-z0-9]*)+$")  # lowerCamelCase, verb first: getContract
ENUM_FIELDS = ("status", "state", "kind", "reason", "decision", "contract_status", "outcome", "channel", "source")
METHODS = ("get", "put", "post", "delete", "patch")
# Not a fixed set: the HTTP status, free text (a bank's or a day's reason), a program's own equipment kinds (data).
NOT_WORDS = {
    "Problem.status",
    "LedgerEntry.reason",
    "SkippedDay.reason",
    "EquipmentKindOut.kind",
    "EquipmentView.kind",
}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Iterator[dict[str, Any]]:
    folder: Path = tmp_path_factory.mktemp("openapi")
    hosho = create_hosho(f"sqlite:///{folder / 'unused.sqlite3'}", rules=engine)  # the document reads no table
    app = create_app(hosho)
    app.state.defaults = {generate_unique_id(route) for route in app.routes if isinstance(route, APIRoute)}
    yield {"schema": app.openapi(), "defaults": app.state.defaults}
    hosho.dispose()


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def test_every_operation_has_a_short_unique_id_of_its_own_not_fastapis(document: dict[str, Any]) -> None:
    ids = [operation.get("operationId", "") for _, _, operation in operations(document["schema"])]
    assert len(ids) >= 31
    assert sorted(set(ids)) == sorted(ids), "operation ids must be unique"
    defaults = document["defaults"]
    named_by_fastapi = [i for i in ids if i in defaults or "_" in i]
    assert named_by_fastapi == [], "give each route operation_id=, e.g. operation_id='createImport'"
    assert [i for i in ids if not OPERATION_ID.match(i) or len(i) > 30] == []


def test_the_ids_clients_are_generated_from_are_stable(document: dict[str, Any]) -> None:
    ids = {(method, path): op["operationId"] for method, path, op in operations(document["schema"])}
    assert ids[("GET", "/v1/contracts/{contract_id}")] == "getContract"
    assert ids[("POST", "/v1/contracts/{contract_id}/manufacturer-replacement")] == "createMakerReplacement"
    assert ids[("POST", "/v1/contracts")] == "createContract"
    assert ids[("GET", "/v1/health")] == "getHealth"


def _response_schemas(schema: dict[str, Any]) -> set[str]:
    """The components an answer may carry, followed through $refs."""
    components = schema["components"]["schemas"]
    seen: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                if name not in seen:
                    seen.add(name)
                    walk(components[name])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for _, _, operation in operations(schema):
        for response in operation["responses"].values():
            walk(response.get("content", {}))
    return seen


def test_every_word_field_of_an_answer_is_a_named_enum(document: dict[str, Any]) -> None:
    schema = document["schema"]
    components = schema["components"]["schemas"]
    loose = []
    for name in sorted(_response_schemas(schema)):
        for field, prop in components[name].get("properties", {}).items():
            if field not in ENUM_FIELDS or f"{name}.{field}" in NOT_WORDS:
                continue
            options = prop.get("anyOf", [prop])
            refs = [option["$ref"] for option in options if "$ref" in option]
            consts = [option for option in options if "const" in option]
            if not refs and not consts:
                loose.append(f"{name}.{field}")
                continue
            for ref in refs:
                assert "enum" in components[ref.rsplit("/", 1)[-1]], f"{name}.{field} → {ref}"
    assert loose == [], "type these fields with an enum (service/results.py one_of)"


def test_each_set_of_words_has_one_schema_shared_by_the_fields_that_hold_it(document: dict[str, Any]) -> None:
    components = document["schema"]["components"]["schemas"]
    enums = {name: tuple(schema["enum"]) for name, schema in components.items() if "enum" in schema}
    assert len(set(enums.values())) == len(enums), enums  # no two names for one set
    assert [name for name in components if re.search(r"Out[A-Z]|View[A-Z]|Decision[A-Z]", name)] == []
    assert enums["CoverageDecision"] == ("covered", "not_covered", "review")
    assert enums["ContractStatus"] == ("pending", "active", "cancelled", "ended", "expired", "transferred")
    decision = components["Decision"]["properties"]["decision"]
    assert decision == {"$ref": "#/components/schemas/CoverageDecision"}
    assert components["RepairDecision"]["properties"]["decision"] == decision
    assert components["ContractView"]["properties"]["status"] == {"$ref": "#/components/schemas/ContractStatus"}


def test_case_event_data_and_audit_states_are_documented(document: dict[str, Any]) -> None:
    components = document["schema"]["components"]["schemas"]
    data = components["CaseEventView"]["properties"]["data"]["anyOf"][0]
    assert {"decision", "repair_due", "outcome", "amount", "note"} <= set(data["properties"])
    assert "requested" in data["description"]
    for side in ("before", "after"):
        state = components["AuditEntry"]["properties"][side]["anyOf"][0]
        assert {"status", "coverage_end", "refund"} <= set(state["properties"])
        assert state["properties"]["status"] == {"$ref": "#/components/schemas/ContractStatus"}


def test_the_pdf_and_the_zengin_file_are_declared_binary(document: dict[str, Any]) -> None:
    paths = document["schema"]["paths"]
    pdf = paths["/v1/contracts/{contract_id}/certificate.pdf"]["get"]["responses"]["200"]["content"]
    assert pdf == {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
    zengin = paths["/v1/payout-batches/{batch_id}/file"]["get"]["responses"]["200"]["content"]
    assert zengin == {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}


def test_the_document_names_its_server_contact_license_and_the_one_public_route(document: dict[str, Any]) -> None:
    schema = document["schema"]
    assert schema["servers"][0]["url"] == "http://127.0.0.1:8000"
    assert set(schema["info"]["contact"]) == {"name", "url", "email"}
    assert schema["info"]["license"]["name"]
    assert schema["paths"]["/v1/health"]["get"]["security"] == []
    keyed = [path for method, path, op in operations(schema) if path != "/v1/health" and not op.get("security")]
    assert keyed == []
