"""The published OpenAPI document, fuzzed: schemathesis generates requests from it for every
operation (valid ones and invalid ones) and checks each answer — no 5xx, a status code and
content type the document declares, a body that matches its schema, invalid input refused,
and input the document calls valid accepted.

It runs as a shipper holding a real shipment, so path ids sometimes name something that
exists; the examples per operation are few (the suite stays fast) but reach every route.
"""

from __future__ import annotations

import string
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance
from stdnum import iso6346, luhn

from corridor.asgi import create_app
from corridor.services import Context, shipments
from corridor.services.throttle import Throttle
from tests.conftest import ORGS
from tests.factories import draft

SHIPPER = "kz-ferroalloy"
EXAMPLES = 10

# Operations whose validity the document cannot state whole, so a schema-valid request may
# rightly be refused with 422: what must hold between fields or against stored data.
ONLY_PARTLY_SCHEMA: dict[str, str] = {
    "POST /shipments": "parties must be registered with fitting roles; net <= gross; the goods "
    "fit their boxes",
    "POST /rules/check": "net <= gross; equipment listed once; the goods fit their boxes",
    "GET /rules/diff": "origin and destination come together or not at all",
    "POST /rules/lint": "the body is a rule pack, checked by the linter itself",
    "PUT /customs/profiles": "the body is a profile set, checked by its loader (and read as "
    "UTF-8 text before its sender's right to install one is checked)",
    "GET /shipments": "a cursor must be one this node gave out",
    "POST /shipments/{shipment_id}/documents": "the file may not be empty",
    "POST /shipments/{shipment_id}/documents/signed": "fields must fit the kind's schema",
    "POST /shipments/{shipment_id}/disclose": "the shipment's papers must be complete",
    "POST /organisations": "a tax id must follow its country's scheme",
    "POST /organisations/{org_id}/officers": "only a customs authority has officers",
    "GET /network/route": "origin and destination must differ",
    "POST /epcis/capture": "the GS1 schema, identifiers, nodes and the shipment are checked "
    "by the repository",
    "GET /epcis/events": "a page token must be one this node gave out",
    "POST /epcis/queries": "the query's parameters are checked by the query language",
    "POST /epcis/events": "the GS1 schema, identifiers, nodes and the shipment are checked "
    "by the repository",
    "GET /epcis/queries/{name}/events": "a page token must be one this node gave out",
    **{
        f"GET /epcis/{resource}": "a page token must be one this node gave out"
        for resource in ("epcs", "bizSteps", "bizLocations", "readPoints", "dispositions")
    },
    **{
        f"GET /epcis/{resource}/{{value}}/events": "a page token must be one this node gave "
        "out; further parameters are the events query's"
        for resource in (
            "eventTypes",
            "epcs",
            "bizSteps",
            "bizLocations",
            "readPoints",
            "dispositions",
        )
    },
    "POST /organisations/{org_id}/enrolment/refuse": "only while a recovery the operator "
    "opened waits",
    "POST /recover/refuse": "only while a recovery the operator opened waits",
}


def _container() -> st.SearchStrategy[str]:
    owner = st.text(string.ascii_uppercase, min_size=3, max_size=3)
    serial = st.text(string.digits, min_size=6, max_size=6)
    return st.builds(
        lambda o, c, s: f"{o}{c}{s}{iso6346.calc_check_digit(f'{o}{c}{s}')}",
        owner,
        st.sampled_from("UJZ"),
        serial,
    )


def _wagon() -> st.SearchStrategy[str]:
    body = st.one_of(
        st.text(string.digits, min_size=7, max_size=7),
        st.text(string.digits, min_size=11, max_size=11),
    )
    return body.map(lambda b: b + luhn.calc_check_digit(b))


schemathesis.openapi.format("iso6346", _container())
schemathesis.openapi.format("wagon-number", _wagon())


def _fuzz(operation: Any, headers: dict[str, str]) -> None:
    """EXAMPLES generated requests to one operation, each answer checked."""
    excluded = [positive_data_acceptance] if operation.label in ONLY_PARTLY_SCHEMA else []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    run()


def test_every_operation_answers_as_documented(ctx: Context, api_keys: dict[str, str]) -> None:
    shipments.submit(ctx, ORGS[SHIPPER], draft("FUZZ-1"), ctx.clock())
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(ctx))
    headers = {"Authorization": f"Bearer {api_keys[SHIPPER]}"}
    failures: dict[str, str] = {}
    operations = 0
    for found in schema.get_all_operations():
        operation = found.ok()
        operations += 1
        # Each operation on its own: failed authentications fuzzed into one (a wrong code at
        # /enrol) are not counted against the next.
        ctx.throttle = Throttle()
        try:
            _fuzz(operation, headers)
        except BaseException as exc:  # every operation's first failure, reported together
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:1500]}"
    assert operations > 40
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())


def test_chained_operations_answer_as_documented(ctx: Context, api_keys: dict[str, str]) -> None:
    """Stateful: schemathesis chains operations through what they return (a submitted
    shipment's id into its readiness, documents, ledger, …; links it infers from the
    document) and checks every answer along each chain as above."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(ctx))
    headers = {"Authorization": f"Bearer {api_keys[SHIPPER]}"}
    machine: Any = schema.as_state_machine()

    class Workflow(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(self, response: Any, case: Any, *_: Any, **kwargs: Any) -> None:
            excluded = (
                [positive_data_acceptance] if case.operation.label in ONLY_PARTLY_SCHEMA else []
            )
            case.validate_response(response, excluded_checks=excluded)

    Workflow.run(
        settings=settings(
            max_examples=25,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
    )
