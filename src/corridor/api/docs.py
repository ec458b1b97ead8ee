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
