"""The web UI door: pages for every role, in English, Russian, Kazakh, Azerbaijani, Georgian
and Turkish, over the services."""

from corridor.web.app import PREFIX, create_web_app, install

__all__ = ["PREFIX", "create_web_app", "install"]
