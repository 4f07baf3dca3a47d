from scheduling.models import Group, GroupMember, GroupRun, Schedule
from syncs.models import RunLog, Status
from tests.history import queries


def test_it_sends_anonymous_users_to_the_login_page(client, db):
    group = Group.objects.create(name="nightly")
    response = client.get(f"/groups/{group.id}/")
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/groups/{group.id}/"


def test_it_refuses_users_who_are_not_staff(user_client):
    group = Group.objects.create(name="nightly")
    assert user_client.get(f"/groups/{group.id}/").status_code == 403


def test_an_unknown_group_is_not_found(staff_client):
    assert staff_client.get("/groups/999/").status_code == 404


def test_it_shows_members_in_run_order_with_their_last_run(staff_client, make_items_module):
    group = Group.objects.create(name="nightly")
    second, first = make_items_module(name="second"), make_items_module(name="first")
    GroupMember.objects.create(group=group, module=second, run_order=2)
    GroupMember.objects.create(group=group, module=first, run_order=1)
    run = RunLog.objects.create(module=second, status=Status.SUCCESS, rows_merged=77)

    page = staff_client.get(f"/groups/{group.id}/").content.decode()

    assert page.index(">first</a>") < page.index(">second</a>")
    assert f'class="pill success" href="/runs/{run.id}/"' in page
    assert "77" in page


def test_it_shows_each_schedule_in_words_with_its_next_five_fire_times_in_its_zone(staff_client, db):
    group = Group.objects.create(name="nightly")
    schedule = Schedule.objects.create(group=group, cron="30 2 * * *", timezone="Europe/Paris")
    Schedule.objects.create(group=group, cron="@hourly", enabled=False)

    page = staff_client.get(f"/groups/{group.id}/").content.decode()

    for when in schedule.next_fire_times(5):
        assert when.strftime("%a %Y-%m-%d 02:30 %Z") in page
    assert page.count('<li class="nowrap">') == 5
    assert "at 02:30, Europe/Paris" in page
    assert "every hour at minute 0" in page and "paused" in page


def test_it_offers_run_now_and_dry_run_and_lists_recent_group_runs(staff_client, db):
    group = Group.objects.create(name="nightly")
    group_run = GroupRun.objects.create(
        group=group, status=Status.DRY_RUN, trigger="manual", triggered_by="alice"
    )

    page = staff_client.get(f"/groups/{group.id}/").content.decode()

    assert page.count(f'<form method="post" action="/groups/{group.id}/run">') == 2
    assert 'name="dry_run" value="1"' in page
    assert f'href="/group-runs/{group_run.id}/"' in page


def test_its_queries_do_not_grow_with_members_or_runs(staff_client, history):
    small = history(modules=2)[0].groups.get()
    few = queries(staff_client, f"/groups/{small.id}/")
    big = history(modules=20, runs_per_module=5)[0].groups.get()
    assert queries(staff_client, f"/groups/{big.id}/") == few
