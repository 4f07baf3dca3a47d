import pytest

from scheduling.models import Group, Schedule
from tests.scheduling.helpers import utc


@pytest.fixture
def make_schedule(db):
    """Return a function creating an enabled schedule on its own enabled group, made on 2026-01-01."""

    def make(cron="0 4 * * *", group=None, **fields):
        if group is None:
            group = Group.objects.create(name=f"group{Group.objects.count() + 1}")
        fields.setdefault("created_at", utc("2026-01-01 00:00"))
        return Schedule.objects.create(group=group, cron=cron, **fields)

    return make


@pytest.fixture
def group(make_items_module):
    """A group of three modules in the run order first, second, third."""
    group = Group.objects.create(name="nightly")
    for name in ["first", "second", "third"]:
        group.add_member(make_items_module(name=name))
    return group
