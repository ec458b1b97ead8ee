"""The HTTP door: FastAPI routes over the services, errors as RFC 9457 problem documents."""

# The package's face is its modules, each imported by name.
__all__ = [
    "app",
    "deps",
    "docs",
    "limits",
    "problems",
    "routes",
    "schemas",
]
