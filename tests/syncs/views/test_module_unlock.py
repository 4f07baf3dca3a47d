"""POST /modules/<id>/unlock: an operator clears a stale lock, as `manage.py unlock` does."""

import os

from syncs.models import Module, RunLog, Status
from tests.syncs.locks import dead_pid, hold_lock


def test_an_operator_clears_a_stale_lock_and_the_holder_is_ended(operator_client, make_items_module):
    module = make_items_module()
    holder = hold_lock(module, dead_pid())
    assert b"Unlock" in operator_client.get(f"/modules/{module.id}/").content

    response = operator_client.post(f"/modules/{module.id}/unlock", follow=True)

    assert (
        f"Cleared the lock of items held by run {holder.pk}; that run is now error."
        in response.content.decode()
    )
    assert Module.objects.get(pk=module.pk).running_run is None
    holder.refresh_from_db()
    assert holder.status == Status.ERROR
    assert holder.error.endswith("its lock was cleared by oscar on the module page")


def test_a_lock_whose_run_still_runs_here_is_kept(operator_client, make_items_module):
    module = make_items_module()
    holder = hold_lock(module, os.getpid())

    response = operator_client.post(f"/modules/{module.id}/unlock", follow=True)

    assert f"Not unlocked: run {holder.pk} is still running; cancel it instead." in response.content.decode()
    assert Module.objects.get(pk=module.pk).running_run == holder
    assert RunLog.objects.get(pk=holder.pk).status == Status.RUNNING


def test_a_viewer_may_not_unlock(viewer_client, make_items_module):
    module = make_items_module()
    holder = hold_lock(module, dead_pid())
    assert b"Unlock" not in viewer_client.get(f"/modules/{module.id}/").content

    response = viewer_client.post(f"/modules/{module.id}/unlock")

    assert response.status_code == 403
    assert b"it needs the operator role" in response.content
    assert Module.objects.get(pk=module.pk).running_run == holder


def test_a_module_without_a_lock_says_so(operator_client, make_items_module):
    module = make_items_module()
    assert b"Unlock" not in operator_client.get(f"/modules/{module.id}/").content
    response = operator_client.post(f"/modules/{module.id}/unlock", follow=True)
    assert "items was not locked." in response.content.decode()
