"""The roles on the pages and in the admin: viewers see, operators also run and cancel, editors
also change; staff without a role see only a message saying so."""

import pytest
from django.urls import reverse

from scheduling.models import Group, GroupRun
from syncs.models import Module, RunLog, Status

NO_ROLE = b"You have no role in Pipekit yet: ask an administrator to give you viewer, operator or editor."


@pytest.fixture
def nobody_client(client, make_staff):
    """A test client logged in as nina, a staff user with no role."""
    client.force_login(make_staff("nina", None))
    return client


def test_staff_without_a_role_get_the_message_on_every_page(nobody_client, pages):
    for page in [*pages, reverse("syncs:wizard_start")]:
        response = nobody_client.get(page)
        assert response.status_code == 403, page
        assert NO_ROLE in response.content, page


def test_staff_without_a_role_see_nothing_in_the_admin(nobody_client, make_items_module):
    module = make_items_module()
    assert b"syncs" not in nobody_client.get("/admin/").content.lower()
    assert nobody_client.get(reverse("admin:syncs_module_changelist")).status_code == 403
    assert nobody_client.get(reverse("admin:syncs_module_change", args=[module.id])).status_code == 403


def test_a_viewer_sees_every_page_without_run_cancel_or_edit_buttons(viewer_client, pages):
    for page in pages:
        response = viewer_client.get(page)
        assert response.status_code == 200, page
        # No form posts to a run or cancel URL; no link leads to editing.
        for button in [b'/run"', b'/cancel"', b">Edit<", b"New module", b"+ add column"]:
            assert button not in response.content, (page, button)


def test_a_viewer_cannot_run_a_module_or_a_group(viewer_client, make_items_module):
    module = make_items_module()
    group = Group.objects.create(name="nightly")

    for url in [f"/modules/{module.id}/run", f"/groups/{group.id}/run"]:
        response = viewer_client.post(url, {"dry_run": "1"})
        assert response.status_code == 403, url
        assert b"it needs the operator role" in response.content

    assert not RunLog.objects.exists()
    assert not GroupRun.objects.exists()


def test_a_viewer_cannot_cancel_runs(viewer_client, make_items_module):
    run = RunLog.objects.create(module=make_items_module())
    group_run = GroupRun.objects.create(group=Group.objects.create(name="nightly"))

    assert viewer_client.post(f"/runs/{run.id}/cancel").status_code == 403
    assert viewer_client.post(f"/group-runs/{group_run.id}/cancel").status_code == 403

    run.refresh_from_db()
    group_run.refresh_from_db()
    assert (run.status, run.cancel_requested) == (Status.QUEUED, False)
    assert (group_run.status, group_run.cancel_requested) == (Status.QUEUED, False)


def test_an_operator_sees_run_and_cancel_buttons_but_no_edit(operator_client, make_items_module):
    module = make_items_module()
    run = RunLog.objects.create(module=module)

    module_page = operator_client.get(f"/modules/{module.id}/").content
    assert f'action="/modules/{module.id}/run"'.encode() in module_page
    assert b">Edit<" not in module_page and b"+ add column" not in module_page
    assert b"Cancel run" in operator_client.get(f"/runs/{run.id}/").content
    assert b"New module" not in operator_client.get("/").content


def test_an_operator_cancels_runs_and_group_runs(operator_client, make_items_module):
    run = RunLog.objects.create(module=make_items_module())
    group_run = GroupRun.objects.create(group=Group.objects.create(name="nightly"))

    assert operator_client.post(f"/runs/{run.id}/cancel").status_code == 302
    assert operator_client.post(f"/group-runs/{group_run.id}/cancel").status_code == 302

    run.refresh_from_db()
    group_run.refresh_from_db()
    assert run.status == group_run.status == Status.CANCELLED


@pytest.mark.django_db(transaction=True)
def test_an_operator_runs_a_module(operator_client, make_items_module, wait_finished):
    module = make_items_module()

    response = operator_client.post(f"/modules/{module.id}/run")

    run = RunLog.objects.get(module=module)
    assert response["Location"] == f"/runs/{run.id}/"
    assert run.triggered_by == "oscar"
    wait_finished(RunLog.objects.filter(pk=run.pk))
    run.refresh_from_db()
    assert run.status == Status.SUCCESS, run.error
    assert len(make_items_module.dest_db.rows("SELECT id FROM items_copy")) == 3


@pytest.mark.parametrize("step", ["start", "tables", "columns", "sql", "create"])
def test_an_operator_cannot_create_a_module_in_the_wizard(operator_client, step):
    url = reverse(f"syncs:wizard_{step}")
    assert operator_client.get(url).status_code == 403
    response = operator_client.post(url, {"name": "x", "source_query": "SELECT 1"})
    assert response.status_code == 403
    assert b"it needs the editor role" in response.content
    assert not Module.objects.exists()


def test_an_operator_cannot_add_a_column(operator_client, make_items_module):
    module = make_items_module()
    response = operator_client.post(
        reverse("syncs:add_column", args=[module.id]),
        {"source_name": "x", "dest_name": "x", "dest_type": "text"},
    )
    assert response.status_code == 403
    module.refresh_from_db()
    assert [c["dest_name"] for c in module.columns] == ["id", "name"]


def test_an_editor_opens_the_wizard_and_the_add_column_page(staff_client, make_items_module):
    module = make_items_module()
    assert staff_client.get(reverse("syncs:wizard_start")).status_code == 200
    assert staff_client.get(reverse("syncs:add_column", args=[module.id])).status_code == 200
    assert b"New module" in staff_client.get("/").content


@pytest.mark.parametrize("who", ["viewer_client", "operator_client"])
def test_viewers_and_operators_only_view_modules_in_the_admin(request, who, make_items_module):
    client = request.getfixturevalue(who)
    module = make_items_module()
    change_url = reverse("admin:syncs_module_change", args=[module.id])

    page = client.get(change_url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert client.post(change_url, {"name": "renamed"}).status_code == 403
    assert client.get(reverse("admin:syncs_module_add")).status_code == 403
    client.post(
        reverse("admin:syncs_module_changelist"),
        {"action": "disable", "_selected_action": [module.id], "index": 0},
    )

    module.refresh_from_db()
    assert (module.name, module.enabled) == ("items", True)


def test_an_editor_changes_modules_in_the_admin(staff_client, make_items_module):
    module = make_items_module()

    page = staff_client.get(reverse("admin:syncs_module_change", args=[module.id]))
    assert page.context["has_change_permission"] is True
    staff_client.post(
        reverse("admin:syncs_module_changelist"),
        {"action": "disable", "_selected_action": [module.id], "index": 0},
    )

    module.refresh_from_db()
    assert module.enabled is False


def test_run_logs_stay_read_only_in_the_admin_even_for_an_editor(staff_client, make_items_module):
    run = RunLog.objects.create(module=make_items_module())

    page = staff_client.get(reverse("admin:syncs_runlog_change", args=[run.id]))

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False
