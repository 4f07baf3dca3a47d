"""Who may see the back office and call the API: staff users only.

Pages use the session login; the API uses HTTP Basic against the same Django users, so
scripts need no session or CSRF token."""

import base64
import binascii
from functools import wraps

from django.contrib.auth import authenticate
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.defaults import page_not_found
from django_htmx.http import HttpResponseClientRedirect


def staff_required(view):
    """Let staff through; send anonymous users to the login page; refuse others with 403.

    An htmx request whose session expired gets a client redirect, so the browser leaves the
    page for the login form instead of swapping the form into a fragment."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            if request.htmx:
                back = request.htmx.current_url_abs_path or request.get_full_path()
                return HttpResponseClientRedirect(redirect_to_login(back).url)
            return redirect_to_login(request.get_full_path())
        if not user.is_staff:
            raise PermissionDenied("Pipekit is for staff users.")
        return view(request, *args, **kwargs)

    return wrapper


def json_error(status, message, **headers):
    return JsonResponse({"error": message}, status=status, headers=headers)


def not_found(request, exception):
    """Answer a 404 under /api/ in JSON, like the API's own errors; elsewhere, Django's page."""
    if request.path.startswith("/api/"):
        return json_error(404, f"No API endpoint at {request.path}.")
    return page_not_found(request, exception)


def basic_auth_user(request):
    """Return the active user named by the request's HTTP Basic credentials, or None."""
    kind, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() != "basic" or not encoded:
        return None
    try:
        username, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not sep:
        return None
    return authenticate(request, username=username, password=password)


def api_view(*methods):
    """Make a JSON API view: HTTP Basic auth, staff only, the given methods, JSON errors.

    CSRF does not apply: the credentials travel with each request, never in a cookie."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = basic_auth_user(request)
            if user is None:
                return json_error(
                    401,
                    "Authentication required: HTTP Basic with a staff user's login.",
                    **{"WWW-Authenticate": 'Basic realm="Pipekit", charset="UTF-8"'},
                )
            if not user.is_staff:
                return json_error(403, f"User {user.username!r} is not staff.")
            if request.method not in methods:
                return json_error(405, f"Method {request.method} not allowed.", Allow=", ".join(methods))
            request.user = user
            try:
                return view(request, *args, **kwargs)
            except Http404 as exc:
                return json_error(404, str(exc) or "Not found.")

        return wrapper

    return decorator
