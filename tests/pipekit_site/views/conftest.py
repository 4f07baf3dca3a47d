import pytest

from scheduling.models import Group, GroupRun
from syncs.models import RunLog


@pytest.fixture
def pages(make_items_module):
    """Every page kind once: the lists, a module, a run, a group, a group run, the tokens and the queue."""
    module = make_items_module()
    run = RunLog.objects.create(module=module)
    group = Group.objects.create(name="nightly")
    group_run = GroupRun.objects.create(group=group)
    return [
        "/",
        f"/modules/{module.id}/",
        "/runs/",
        f"/runs/{run.id}/",
        "/groups/",
        f"/groups/{group.id}/",
        f"/group-runs/{group_run.id}/",
        "/tokens/",
        "/queue/",
    ]
