from scheduling.models import Group, GroupMember, GroupRun, Schedule
from syncs.models import Status
from tests.history import queries


def test_it_sends_anonymous_users_to_the_login_page(client, db):
    response = client.get("/groups/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/groups/"


def test_it_refuses_users_who_are_not_staff(user_client):
    assert user_client.get("/groups/").status_code == 403


def test_it_lists_groups_with_members_schedules_and_last_run(staff_client, make_items_module):
    module = make_items_module()
    nightly = Group.objects.create(name="nightly", stop_on_failure=True)
    GroupMember.objects.create(group=nightly, module=module)
    Schedule.objects.create(group=nightly, cron="0 4 * * *", timezone="America/New_York")
    GroupRun.objects.create(group=nightly, status=Status.SUCCESS)
    last = GroupRun.objects.create(group=nightly, status=Status.ERROR)
    Group.objects.create(name="idle", enabled=False)

    page = staff_client.get("/groups/").content.decode()

    assert f'href="/groups/{nightly.id}/"><strong>nightly</strong>' in page
    assert "stops on failure" in page
    assert f'href="/modules/{module.id}/">items</a>' in page
    assert "at 04:00, America/New_York" in page
    assert f'href="/group-runs/{last.id}/" class="pill error"' in page
    assert "<strong>idle</strong>" in page and "paused" in page and "never run" in page


def test_it_lists_fifty_groups_of_twenty_modules(staff_client, history):
    # SQLite refuses an expression of a thousand terms: the members' modules come joined.
    history(modules=1000, runs_per_module=1)
    page = staff_client.get("/groups/")
    assert page.status_code == 200
    assert page.content.decode().count("/modules/") >= 1000


def test_its_queries_do_not_grow_with_groups_members_or_runs(staff_client, history):
    history(modules=20)
    few = queries(staff_client, "/groups/")
    history(modules=100, runs_per_module=3)
    assert queries(staff_client, "/groups/") == few
