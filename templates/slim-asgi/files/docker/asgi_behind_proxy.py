# generated from templates/_shared/src/asgi_behind_proxy.py by templates/_shared/generate.ts, do not edit
"""The app Granian serves: ASGI_APP, wrapped so that X-Forwarded-For and X-Forwarded-Proto are
believed from FORWARDED_ALLOW_IPS only (a comma-separated list of addresses or networks, or *).

Granian has no command-line option for this (Uvicorn has: --proxy-headers --forwarded-allow-ips),
but ships the wrapper, granian.utils.proxies (Granian 2.4 and later). Each worker imports this
module. ASGI_APP is module:attribute, or package:factory() (called with no arguments); the
entrypoint has checked its form.
"""

import importlib
import os

from granian.utils.proxies import wrap_asgi_with_proxy_headers


def load_app(spec: str):
    """The object ASGI_APP names, imported from the working directory (/app); a factory is called."""
    module_name, _, attribute = spec.partition(":")
    factory = attribute.endswith("()")
    target = importlib.import_module(module_name)
    for name in attribute.removesuffix("()").split("."):
        target = getattr(target, name)
    return target() if factory else target


app = wrap_asgi_with_proxy_headers(load_app(os.environ.get("ASGI_APP", "asgi:app")), trusted_hosts=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"))
