"""What every JSON API view shares: authentication, JSON errors, body parsing and lookups.

Imports no app: the apps' API modules build on it."""

import json
from functools import cache, wraps
from pathlib import Path

import yaml
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.defaults import page_not_found

from pipekit_site.auth import VIEW, api_user, credentials, refusal


def json_error(status, message, **headers):
    return JsonResponse({"error": message}, status=status, headers=headers)


@cache
def openapi_document():
    """The API's OpenAPI document (pipekit_site/openapi.yaml), as a dict."""
    return yaml.safe_load((Path(__file__).parent / "openapi.yaml").read_text())


def openapi(request):
    """Serve the OpenAPI document. Open to anyone: it describes the API, not the data."""
    return JsonResponse(openapi_document())


def not_found(request, exception):
    """Answer a 404 under /api/ in JSON, like the API's own errors; elsewhere, Django's page."""
    if request.path.startswith("/api/"):
        return json_error(404, f"No API endpoint at {request.path}.")
    return page_not_found(request, exception)


def api_view(*methods, permission=VIEW):
    """Make a JSON API view: token or HTTP Basic auth, staff with the permission (pipekit_site.auth
    refusal), the given methods, JSON errors.

    No cookie authenticates, so Django's CSRF check does not apply; but a browser may replay
    Basic credentials it has cached, so a POST must carry a JSON body or a token, which no
    cross-site form can send."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user, retry_after = api_user(request)
            if retry_after:
                return json_error(
                    429,
                    f"Too many failed authentications; try again in {retry_after} s.",
                    **{"Retry-After": str(retry_after)},
                )
            if user is None:
                return json_error(
                    401,
                    "Authentication required: an API token (Authorization: Bearer …) or HTTP Basic "
                    "with a staff user's login.",
                    **{"WWW-Authenticate": 'Basic realm="Pipekit", charset="UTF-8"'},
                )
            reason = refusal(user, permission)
            if reason:
                return json_error(403, f"User {user.username!r} may not do this. {reason}")
            if request.method not in methods:
                return json_error(405, f"Method {request.method} not allowed.", Allow=", ".join(methods))
            token = credentials(request)[0]
            if request.method == "POST" and token is None and request.content_type != "application/json":
                return json_error(
                    415,
                    "A POST needs Content-Type: application/json or an API token (Authorization: Bearer …).",
                )
            request.user = user
            try:
                return view(request, *args, **kwargs)
            except Http404 as exc:
                return json_error(404, str(exc) or "Not found.")

        return wrapper

    return decorator


def find(queryset, pk, what):
    """Return the row with this id, or raise Http404 naming what was asked for (api_view makes it JSON)."""
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404(f"No {what} with id {pk}.") from None


def read_flags(request, names=("dry_run",)):
    """Return ({name: bool}, None) from an optional JSON object body holding some of the named
    true/false flags (those left out are false), or (None, error response)."""
    if not request.body.strip():
        return dict.fromkeys(names, False), None
    try:
        body = json.loads(request.body)
    except ValueError as exc:
        return None, json_error(400, f"The body is not valid JSON: {exc}.")
    except RecursionError:
        return None, json_error(400, "The body is not valid JSON: it is nested too deeply.")
    keys = " and ".join(f'"{name}"' for name in names)
    if not isinstance(body, dict) or set(body) - set(names):
        return None, json_error(400, f"The body must be a JSON object with no keys but {keys}.")
    for name in names:
        if not isinstance(body.get(name, False), bool):
            return None, json_error(400, f'"{name}" must be true or false.')
    return {name: body.get(name, False) for name in names}, None
