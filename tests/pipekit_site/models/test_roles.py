"""The role groups that migrate keeps: what each lets its members do."""

from django.contrib.auth.models import Group
from django.core.management import call_command


def permissions(role):
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_a_viewer_may_view_everything_and_nothing_more(db):
    viewer = permissions("viewer")
    assert {"connections.view_connection", "syncs.view_runlog", "scheduling.view_schedule"} <= viewer
    assert all(p.split(".")[1].startswith("view_") for p in viewer)


def test_an_operator_may_also_run_but_not_change(db):
    operator = permissions("operator")
    assert operator == permissions("viewer") | {"syncs.run_module"}


def test_an_editor_may_also_change_what_runs_but_not_the_run_history_users_or_tokens(db):
    editor = permissions("editor")
    assert editor > permissions("operator")
    assert {"connections.add_connection", "syncs.change_module", "syncs.delete_hook"} <= editor
    assert {"scheduling.change_group", "scheduling.add_groupmember", "scheduling.change_schedule"} <= editor
    assert not {"syncs.change_runlog", "syncs.delete_runlog", "connections.change_driver"} & editor
    assert not [p for p in editor if p.startswith(("auth.", "pipekit_site."))]


def test_migrate_puts_back_a_role_an_administrator_changed(db):
    viewer = Group.objects.get(name="viewer")
    viewer.permissions.clear()

    call_command("migrate", verbosity=0)

    assert "syncs.view_module" in permissions("viewer")
