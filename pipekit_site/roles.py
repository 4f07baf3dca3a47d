"""The three roles: Django groups whose permissions migrate keeps equal to ROLES.

viewer sees everything; operator also runs, cancels and unlocks; editor also changes what runs.
Superusers pass every check without a role."""

from functools import reduce
from operator import or_

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from pipekit_site.auth import RUN


def _permission(app_label, codename):
    return Q(content_type__app_label=app_label, codename=codename)


VIEWER = Q(content_type__app_label__in=["connections", "syncs", "scheduling"], codename__startswith="view_")
OPERATOR = VIEWER | _permission(*RUN.split("."))
# What runs, and where to: an editor adds, changes and deletes these models.
EDITED_MODELS = [
    ("connections", "connection"),
    ("syncs", "module"),
    ("syncs", "watermark"),
    ("syncs", "hook"),
    ("syncs", "channel"),
    ("scheduling", "group"),
    ("scheduling", "groupmember"),
    ("scheduling", "schedule"),
]
EDITOR = OPERATOR | reduce(
    or_,
    (
        _permission(app_label, f"{action}_{model}")
        for app_label, model in EDITED_MODELS
        for action in ("add", "change", "delete")
    ),
)
ROLES = {"viewer": VIEWER, "operator": OPERATOR, "editor": EDITOR}


def sync_roles(**kwargs):
    """Create the role groups and set their permissions (post_migrate of pipekit_site, the last
    app, so every model's permissions exist; it also runs after a test flush)."""
    for name, permissions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(permissions))
