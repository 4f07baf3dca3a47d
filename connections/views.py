"""The connection pages: the list, create and edit (with the password set into the secrets file),
and Test connection."""

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from connections import introspection, secrets
from connections.forms import ConnectionForm
from connections.jrunner import JrunnerError
from connections.models import Connection
from pipekit_site.auth import ADD_CONNECTION, CHANGE_CONNECTION, permission_required, staff_required


def secret_state(connection, stored):
    """'none' (no password), 'set' or 'missing' (its $NAME is not in the secrets file)."""
    if not connection.password:
        return "none"
    return "set" if connection.password[1:] in stored else "missing"


def _missing_secret_warning(request, connection):
    key = connection.password[1:]
    messages.warning(
        request,
        f"Saved {connection.name}, but its secret {key} is not in the secrets file "
        f"{secrets.secrets_path()}: its runs fail until you set the password here "
        f"or with 'manage.py secrets set {key}'.",
    )


@staff_required
def connection_list(request):
    # Modules are read through the reverse relations of syncs' foreign keys: connections imports no app.
    names_only = Prefetch("source_modules", to_attr="sources"), Prefetch("dest_modules", to_attr="dests")
    connections = list(Connection.objects.select_related("driver").prefetch_related(*names_only))
    stored = secrets.read()
    for connection in connections:
        connection.secret_state = secret_state(connection, stored)
        connection.modules = sorted(
            {m.name: m for m in connection.sources + connection.dests}.values(), key=str
        )
    return render(request, "connections/connection_list.html", {"connections": connections})


def _save(request, form):
    """Store the typed password, then the connection; return the connection, or None on a refusal."""
    try:
        form.store_password()
    except secrets.SecretError as exc:
        form.add_error("new_password", str(exc))
        return None
    except OSError as exc:
        # A secrets_file the operator made root's (deploy.sh makes it the service user's): readable only.
        key = form.cleaned_data["password"][1:]
        form.add_error(
            "new_password",
            f"The secrets file {secrets.secrets_path()} could not be written ({exc.strerror}); nothing "
            f"was saved. Store the password with 'manage.py secrets set {key}' as the file's owner, then "
            "save here with this field empty.",
        )
        return None
    connection = form.save()
    if form.cleaned_data.get("new_password"):
        messages.success(
            request, f"Saved {connection.name}; its password is stored as {connection.password}."
        )
    elif secret_state(connection, secrets.read()) == "missing":
        _missing_secret_warning(request, connection)
    else:
        messages.success(request, f"Saved {connection.name}.")
    return connection


@permission_required(ADD_CONNECTION)
@sensitive_post_parameters("new_password")
def connection_new(request):
    form = ConnectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        connection = _save(request, form)
        if connection:
            return redirect("connections:connection_edit", connection.pk)
    return render(request, "connections/connection_form.html", {"form": form})


@permission_required(CHANGE_CONNECTION)
@sensitive_post_parameters("new_password")
def connection_edit(request, connection_id):
    connection = get_object_or_404(Connection.objects.select_related("driver"), pk=connection_id)
    form = ConnectionForm(request.POST or None, instance=connection)
    if request.method == "POST" and form.is_valid():
        if _save(request, form):
            return redirect("connections:connection_edit", connection.pk)
    context = {
        "form": form,
        "connection": connection,
        "secret_state": secret_state(connection, secrets.read()),
    }
    return render(request, "connections/connection_form.html", context)


@permission_required(CHANGE_CONNECTION)
@require_POST
def connection_test(request, connection_id):
    """Connect through jrunner and run the dialect's probe query; say what answered, or why not."""
    connection = get_object_or_404(Connection.objects.select_related("driver"), pk=connection_id)
    try:
        version = introspection.server_version(connection)
    except JrunnerError as exc:
        if isinstance(exc.__cause__, secrets.SecretError):
            # jrunner never started: the page can set the password, so it says so.
            messages.error(request, f"{connection.name}: not tested: {exc.__cause__}")
        else:
            messages.error(request, f"{connection.name}: could not connect: {exc}")
    else:
        messages.success(request, f"{connection.name}: connected to {version}")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("connections:connection_list")
