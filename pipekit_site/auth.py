"""Who may see the back office and call the API: staff users only.

Pages use the session login; the API uses HTTP Basic against the same Django users, so
scripts need no session or CSRF token (pipekit_site.api.api_view). Imports no app."""

import base64
import binascii
from functools import wraps

from django.contrib.auth import authenticate
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
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
