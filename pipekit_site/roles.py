"""The three roles: Django groups whose permissions migrate keeps equal to ROLES.

viewer sees everything; operator also runs, cancels and unlocks; editor also changes what runs.
Superusers pass every check without a role."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

# The apps whose models every role may view.
VIEWED_APPS = ["connections", "syncs", "scheduling"]
RUN = "syncs.run_module"
# The models an editor adds, changes and deletes, as app_label.model_name.
EDITED_MODELS = [
    "connections.connection",
    "syncs.module",
    "syncs.watermark",
    "syncs.hook",
    "scheduling.group",
    "scheduling.groupmember",
    "scheduling.schedule",
]


def _viewer():
    return Q(content_type__app_label__in=VIEWED_APPS, codename__startswith="view_")


def _operator():
    app_label, codename = RUN.split(".")
    return _viewer() | Q(content_type__app_label=app_label, codename=codename)


def _editor():
    edits = Q()
    for label in EDITED_MODELS:
        app_label, model = label.split(".")
        edits |= Q(
            content_type__app_label=app_label,
            codename__in=[f"{action}_{model}" for action in ("add", "change", "delete")],
        )
    return _operator() | edits


ROLES = {"viewer": _viewer, "operator": _operator, "editor": _editor}


def sync_roles(**kwargs):
    """Create the role groups and set their permissions (post_migrate of pipekit_site, the last
    app, so every model's permissions exist; it also runs after a test flush)."""
    for name, permissions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(permissions()))
