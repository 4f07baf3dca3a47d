import pytest
from django.urls import reverse

from connections.models import Connection
from scheduling.models import Group, GroupMember, GroupRun, Schedule
from syncs.models import Module, RunLog, Status
from tests.history import queries


@pytest.fixture
def orders(drivers):
    dw = Connection.objects.create(name="dw", driver=drivers["postgres"], jdbc_url="jdbc:postgresql:dw")
    return Module.objects.create(
        name="orders", source=dw, dest=dw, source_query="SELECT 1", dest_table="orders"
    )


@pytest.fixture
def nightly(orders):
    group = Group.objects.create(name="nightly")
    GroupMember.objects.create(group=group, module=orders, run_order=1)
    Schedule.objects.create(group=group, cron="0 4 * * *", timezone="America/New_York")
    return group


def group_form(**fields):
    data = {
        "name": "hourly",
        "description": "",
        "enabled": "on",
        "members-TOTAL_FORMS": "0",
        "members-INITIAL_FORMS": "0",
        "schedules-TOTAL_FORMS": "1",
        "schedules-INITIAL_FORMS": "0",
        "schedules-0-cron": "@hourly",
        "schedules-0-timezone": "",
        "schedules-0-enabled": "on",
    }
    return data | fields


def test_the_group_list_shows_each_group(admin_client, nightly):
    page = admin_client.get(reverse("admin:scheduling_group_changelist"))
    assert page.status_code == 200
    assert "nightly" in page.content.decode()


def test_the_group_page_has_its_members_and_schedules_inline(admin_client, nightly):
    page = admin_client.get(reverse("admin:scheduling_group_change", args=[nightly.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="members-TOTAL_FORMS"' in html and 'name="schedules-TOTAL_FORMS"' in html
    assert "0 4 * * *" in html
    assert "EST" in html or "EDT" in html  # the next fire times, in the schedule's zone


def test_the_add_group_form_renders(admin_client, db):
    page = admin_client.get(reverse("admin:scheduling_group_add"))
    assert page.status_code == 200
    assert "Group members" in page.content.decode() and "Schedules" in page.content.decode()


def test_a_group_is_added_with_a_member_and_a_schedule(admin_client, orders):
    data = group_form(
        **{
            "members-TOTAL_FORMS": "1",
            "members-0-module": orders.pk,
            "members-0-step": "run",
            "members-0-run_order": "1",
        }
    )
    response = admin_client.post(reverse("admin:scheduling_group_add"), data)
    assert response.status_code == 302
    group = Group.objects.get(name="hourly")
    assert [m.module for m in group.members.all()] == [orders]
    assert [s.cron for s in group.schedules.all()] == ["@hourly"]


def test_a_bad_cron_expression_is_refused_with_the_reason(admin_client, db):
    response = admin_client.post(
        reverse("admin:scheduling_group_add"), group_form(**{"schedules-0-cron": "0 4 * *"})
    )
    assert response.status_code == 200
    assert "has 4 fields; a cron expression has 5" in response.content.decode()
    assert not Group.objects.exists()


def test_the_schedule_list_renders(admin_client, nightly):
    page = admin_client.get(reverse("admin:scheduling_schedule_changelist"))
    assert page.status_code == 200
    assert "America/New_York" in page.content.decode()


def test_group_runs_are_listed_with_filters_and_shown_read_only_with_their_runs(
    admin_client, nightly, orders
):
    group_run = GroupRun.objects.create(group=nightly, status=Status.ERROR, trigger="schedule:1")
    RunLog.objects.create(
        module=orders, group_run=group_run, status=Status.ERROR, error="dest table is missing"
    )
    GroupRun.objects.create(group=nightly, status=Status.SUCCESS)
    listing = admin_client.get(reverse("admin:scheduling_grouprun_changelist"), {"status__exact": "error"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [group_run]
    assert "By status" in listing.content.decode() and "By trigger" in listing.content.decode()
    url = reverse("admin:scheduling_grouprun_change", args=[group_run.pk])
    page = admin_client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "dest table is missing" in html
    assert 'name="_save"' not in html
    assert admin_client.post(url, {"status": "success"}).status_code == 403
    assert admin_client.get(reverse("admin:scheduling_grouprun_add")).status_code == 403


def test_the_group_run_list_and_page_take_as_many_queries_however_many_runs(admin_client, history):
    small = GroupRun.objects.get(group=history(modules=2)[0].groups.get())
    listing = queries(admin_client, reverse("admin:scheduling_grouprun_changelist"))
    page = queries(admin_client, reverse("admin:scheduling_grouprun_change", args=[small.pk]))
    big = GroupRun.objects.get(group=history(modules=20, runs_per_module=3)[0].groups.get())
    assert queries(admin_client, reverse("admin:scheduling_grouprun_changelist")) == listing
    assert queries(admin_client, reverse("admin:scheduling_grouprun_change", args=[big.pk])) == page
