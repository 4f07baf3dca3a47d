"""Who may see the back office and call the API: staff users with a role (pipekit_site.roles).

Pages use the session login; the API uses a user's API token (`Authorization: Bearer …`) or,
for compatibility, HTTP Basic against the same Django users, so scripts need no session or CSRF
token (pipekit_site.api.api_view). Imports no app (pipekit_site.models is the project's own)."""

import base64
import binascii
import ipaddress
import logging
from functools import wraps

from django.contrib.auth import authenticate
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django_htmx.http import HttpResponseClientRedirect

from pipekit_site.models import ApiToken, AuthFailure

log = logging.getLogger(__name__)


VIEW = "syncs.view_module"
RUN = "syncs.run_module"
ADD = "syncs.add_module"
CHANGE = "syncs.change_module"
ADD_CONNECTION = "connections.add_connection"
CHANGE_CONNECTION = "connections.change_connection"
ADD_GROUP = "scheduling.add_group"
CHANGE_GROUP = "scheduling.change_group"
CHANGE_CHANNEL = "syncs.change_channel"
# The least role holding each permission the pages and the API check.
ROLE_FOR = {
    VIEW: "viewer",
    RUN: "operator",
    ADD: "editor",
    CHANGE: "editor",
    ADD_CONNECTION: "editor",
    CHANGE_CONNECTION: "editor",
    ADD_GROUP: "editor",
    CHANGE_GROUP: "editor",
    CHANGE_CHANNEL: "editor",
}
NO_ROLE = "You have no role in Pipekit yet: ask an administrator to give you viewer, operator or editor."


def refusal(user, permission):
    """Why this authenticated user may not do what needs the permission, or None when they may."""
    if not user.is_staff:
        return "Pipekit is for staff users."
    if not user.has_perm(VIEW):
        return NO_ROLE
    if not user.has_perm(permission):
        return f"Your role does not allow this: it needs the {ROLE_FOR[permission]} role."
    return None


def permission_required(permission):
    """Let staff with the permission through; send anonymous users to the login page; refuse
    others with 403 and the reason.

    An htmx request whose session expired gets a client redirect, so the browser leaves the
    page for the login form instead of swapping the form into a fragment."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                if request.htmx:
                    back = request.htmx.current_url_abs_path or request.get_full_path()
                    return HttpResponseClientRedirect(redirect_to_login(back).url)
                return redirect_to_login(request.get_full_path())
            reason = refusal(request.user, permission)
            if reason:
                raise PermissionDenied(reason)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# Seeing the back office: any role.
staff_required = permission_required(VIEW)


def client_address(request):
    """The address the request came from. Behind the local nginx (a loopback peer) that is the
    last X-Forwarded-For entry, the one nginx added; anything before it the client wrote."""
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.headers.get("X-Forwarded-For", "")
    try:
        behind_proxy = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        behind_proxy = False
    if behind_proxy and forwarded:
        return forwarded.split(",")[-1].strip()[:45]
    return peer


def credentials(request):
    """Return (token, username, password) from the Authorization header; missing parts are None.

    A Bearer header gives the token; a Basic one the user name and password."""
    kind, _, value = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() == "bearer" and value.strip():
        return value.strip(), None, None
    if kind.lower() != "basic" or not value:
        return None, None, None
    try:
        username, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None, None
    return (None, username, password) if sep else (None, None, None)


def api_user(request):
    """Return (user, retry_after): the user the API request authenticates as, or None.

    retry_after is the seconds to wait when the client address or the user name failed too often
    lately; then no credential is checked at all. A failure is recorded and logged without the
    secret."""
    token, username, password = credentials(request)
    if token is None and username is None:
        return None, 0
    address = client_address(request)
    wait = AuthFailure.retry_after(address, username or "")
    if wait:
        return None, wait
    if token is not None:
        user = ApiToken.user_for(token)
    else:
        user = authenticate(request, username=username, password=password)
    if user is None:
        AuthFailure.note(address, username or "")
        how = "an unknown or revoked token" if token is not None else f"a wrong password for {username!r}"
        log.warning("API authentication failed from %s: %s", address, how)
    return user, 0
