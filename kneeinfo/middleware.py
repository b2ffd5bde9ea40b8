"""Site-wide middleware: request ids for the logs, the security headers Django lacks, the
Content Security Policy with the admin's one exception, and a friendly 503 when the database
is unreachable."""

import contextvars
import logging
import re
import uuid

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

request_id = contextvars.ContextVar("request_id", default="-")
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give each request an id (the proxy's X-Request-ID when it is sane), put it in every log
    line written while the request runs, and send it back in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id.get()
        return True


class SecurityHeadersMiddleware:
    """Permissions-Policy: this site needs no camera, microphone, location or the like. The admin
    says noindex itself, so robots.txt never has to name a moved admin path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if request.path_info.startswith("/" + settings.ADMIN_PATH):
            response.setdefault("X-Robots-Tag", "noindex, nofollow")
        return response


class SiteCSPMiddleware(CSPMiddleware):
    """Our pages allow no inline script or style. The Django admin's own templates use inline
    style attributes, so its pages (and only those) may use inline styles, never scripts.

    The policy is the same for every response that neither used a nonce nor carries a view's
    own CSP settings, so it is built once per kind (admin or not) and then reused: building it
    cost a sixth of serving a cached page."""

    PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")

    def __init__(self, get_response):
        super().__init__(get_response)
        self.built = {}

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if self._is_admin(request) and not report_only:
            parts.update = {**(parts.update or {}), "style-src": ["'self'", "'unsafe-inline'"]}
        return parts

    @staticmethod
    def _is_admin(request):
        return request.path_info.startswith("/" + settings.ADMIN_PATH)

    def process_response(self, request, response):
        reusable = (
            getattr(request, "_csp_nonce", None) is None
            and HEADER not in response
            and HEADER_REPORT_ONLY not in response
            and not any(
                hasattr(response, name) or hasattr(response, name + "_ro")
                for name in self.PER_RESPONSE
            )
        )
        kind = self._is_admin(request)
        if not reusable or kind not in self.built or settings.DEBUG:
            response = super().process_response(request, response)
            if reusable:
                headers = (HEADER, HEADER_REPORT_ONLY)
                self.built[kind] = {h: response[h] for h in headers if h in response}
            return response
        for header, value in self.built[kind].items():
            response[header] = value
        # As the parent does: a nonce asked for after this point is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class DatabaseUnavailableMiddleware:
    """When the database cannot be reached, readers get a calm 503 page, not a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError) or (
            isinstance(exception, DatabaseError) and "connect" in str(exception).lower()
        ):
            logger.error("database unavailable: %s", exception)
            response = HttpResponse(render_to_string("503.html", request=None), status=503)
            response["Retry-After"] = "30"
            response["Cache-Control"] = "no-store"
            return response
        return None


def client_ip(request):
    """The address a request came from, behind our one reverse proxy (DJANGO_BEHIND_PROXY):
    the right-most X-Forwarded-For entry, which the proxy appended. Entries to its left are
    whatever the client sent, and can be forged. Without the header, the connection's own."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
    return forwarded or request.META.get("REMOTE_ADDR")
