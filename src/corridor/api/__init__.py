"""The HTTP door: FastAPI routes over the services, errors as RFC 9457 problem documents."""
