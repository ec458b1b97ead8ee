"""The interactive API documentation, served from the package: Swagger UI and ReDoc are
vendored under `static/` (with their licences), so /docs and /redoc work on a node with no
Internet access."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from corridor.services import drafting

STATIC = "/static/api"
NODE_MARK = "x-corridor-node"
# Document kinds' schemas sit beside the API's own under this prefix (names may repeat).
DOCUMENT_PREFIX = "Document."
DOCUMENT_REF = "#/components/schemas/" + DOCUMENT_PREFIX


def _list_node_ids(document: dict[str, Any], node_ids: list[str]) -> None:
    """Give every schema marked as a network node id (`corridor.model.codes.NODE_ID`) the
    node's own ids as its enum, in the document's schemas and its operations' parameters."""

    def visit(item: Any) -> None:
        if isinstance(item, dict):
            if item.pop(NODE_MARK, False):
                item["enum"] = node_ids
            for value in item.values():
                visit(value)
        elif isinstance(item, list):
            for value in item:
                visit(value)

    visit(document)


def _type_documents(document: dict[str, Any]) -> None:
    """Publish each document kind's schema and make `SignRequest` one of them per kind (the
    service checks the fields after the caller's right to issue, so the route takes them
    as an object; the document says which object each kind needs)."""
    components: dict[str, Any] = document["components"]["schemas"]
    if "SignRequest" not in components:
        return
    refs, defs = drafting.published_schemas(DOCUMENT_REF + "{model}")
    components.update({DOCUMENT_PREFIX + k: v for k, v in defs.items()})
    variants: dict[str, str] = {}
    for kind, ref in sorted(refs.items()):
        name = "Sign" + "".join(part.title() for part in kind.value.split("_"))
        components[name] = {
            "title": name,
            "type": "object",
            "description": f"Issue a {kind.value.replace('_', ' ')}",
            "required": ["kind", "fields"],
            "additionalProperties": False,
            "properties": {"kind": {"type": "string", "const": kind.value}, "fields": ref},
        }
        variants[kind.value] = f"#/components/schemas/{name}"
    components["SignRequest"] = {
        "title": "SignRequest",
        "description": "A document to issue, signed with your organisation's key: its kind "
        "and the fields that kind's schema asks for.",
        "oneOf": [{"$ref": ref} for ref in variants.values()],
        "discriminator": {"propertyName": "kind", "mapping": variants},
    }


def _distinct_titles(document: dict[str, Any]) -> None:
    """A model read and written differently (a computed field, say) has two schemas,
    `X-Input` and `X-Output`; each gets a title of its own, so a client generator keeps
    both instead of merging them under one name."""
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        if name.endswith(("-Input", "-Output")):
            schema["title"] = name.replace("-", "")


# What a body in a media type that is not JSON is, for a client generator.
_BINARY = {"type": "string", "format": "binary"}
_TEXT_TYPES = ("text/plain", "application/vnd.corridor.doc+sd-jwt")
# The request media types client generators send; a body in none of them is also taken as
# `application/octet-stream` (the routes read such a body as it comes).
_GENERATED = frozenset({"application/json", "application/octet-stream", "multipart/form-data",
                        "application/x-www-form-urlencoded"})  # fmt: skip


def _schema_of(media: str) -> dict[str, Any]:
    """The schema of a body that names none: a JSON document (an EPCIS query document, the
    trust list) is an object, text a string, anything else bytes."""
    if media == "application/json" or media.endswith(("+json", "/ld+json")):
        return {"type": "object", "additionalProperties": True}
    return {"type": "string"} if media in _TEXT_TYPES else _BINARY


def _for_clients(document: dict[str, Any]) -> None:
    """What generated clients need of the document: a problem is described under
    `application/problem+json` (the media type the node sends it in), not under
    `application/json`; every body has a schema (text as a string, a PDF or YAML file as
    bytes); a body in a media type generators cannot send (YAML, an SD-JWT, a PDF) may also
    be sent as `application/octet-stream`."""
    problem = {"$ref": "#/components/schemas/Problem"}
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if "application/problem+json" in content:
                    content["application/problem+json"] = {"schema": problem}
                    if content.get("application/json", {}).get("schema") == problem:
                        del content["application/json"]
                for media, body in content.items():
                    if not body.get("schema"):
                        body["schema"] = _schema_of(media)
            content = operation.get("requestBody", {}).get("content", {})
            for media, body in list(content.items()):
                if not body.get("schema") or media == "application/yaml":
                    body["schema"] = _schema_of(media)
            if content and not any(m in _GENERATED or m.endswith("+json") for m in content):
                content["application/octet-stream"] = {"schema": _BINARY}


def install(app: FastAPI, node_ids: list[str]) -> None:
    """Mount the vendored assets and the two documentation pages; the OpenAPI document
    lists this node's network ids wherever a node id is asked for."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = plain()
            _list_node_ids(document, sorted(node_ids))
            _type_documents(document)
            _distinct_titles(document)
            _for_clients(document)
        return app.openapi_schema or plain()

    app.openapi = openapi  # type: ignore[method-assign]
    folder = resources.files("corridor.api").joinpath("static")
    app.mount(STATIC, StaticFiles(directory=str(folder)), name="api-static")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API",
            swagger_js_url=f"{STATIC}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/swagger-ui/favicon-32x32.png",
            # No badge from the public validator: the node talks to no other host.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API reference",
            redoc_js_url=f"{STATIC}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{STATIC}/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )
