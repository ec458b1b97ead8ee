"""The HTTP door: FastAPI routes over the services, errors as RFC 9457 problem documents.
`install` puts it on the app the composition root (`corridor.asgi`) builds."""

from corridor.api.app import install

# The package's face: `install`, and its modules, each imported by name.
__all__ = [
    "app",
    "deps",
    "docs",
    "install",
    "limits",
    "problems",
    "routes",
    "schemas",
]
