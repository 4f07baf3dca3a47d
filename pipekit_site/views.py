"""The back office's own pages: the user's API tokens, the run queue."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from pipekit_site import queue
from pipekit_site.auth import staff_required
from pipekit_site.models import ApiToken
from scheduling.workers import STALLED_AFTER


@staff_required
def api_tokens(request):
    """List the user's tokens; create one (its secret shown this once) or revoke one."""
    secret = None
    if request.method == "POST":
        if "revoke" in request.POST:
            token = get_object_or_404(ApiToken, pk=request.POST["revoke"], user=request.user)
            token.delete()
            messages.success(request, f"Token {token.name or token.pk} revoked: it no longer opens the API.")
            return redirect("api_tokens")
        name = request.POST.get("name", "").strip()[:100]
        token, secret = ApiToken.issue(request.user, name)
    tokens = request.user.api_tokens.all()
    return render(request, "pipekit_site/api_tokens.html", {"tokens": tokens, "secret": secret})


@staff_required
def queue_page(request):
    """The run queue: queued runs in order with what each waits for, running runs with their host
    and worker, and (executor: queue) the workers with their last heartbeat."""
    return render(
        request,
        "pipekit_site/queue.html",
        {
            "waiting": queue.queued_runs(),
            "running": queue.running_runs(),
            "workers": queue.workers(),
            "uses_workers": settings.PIPEKIT_EXECUTOR == "queue",
            "stalled_after": STALLED_AFTER,
        },
    )
