from datetime import timedelta

from django.utils import timezone

from scheduling.models import Group, GroupMember
from syncs.models import RunLog, Status
from tests.history import queries


def finished_run(module, *, seconds, rows, status=Status.SUCCESS, ago=0):
    """A run created `ago` minutes ago that ran `seconds` and ends now, as the engine ends runs."""
    run = RunLog.objects.create(
        module=module,
        status=Status.RUNNING,
        created_at=timezone.now() - timedelta(minutes=ago),
        started_at=timezone.now() - timedelta(seconds=seconds),
        rows_merged=rows,
    )
    run.finish(status, fields=["rows_merged"])
    return run


def test_it_sends_anonymous_users_to_the_login_page(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_it_refuses_users_who_are_not_staff(user_client):
    assert user_client.get("/").status_code == 403


def test_it_lists_each_module_with_its_groups_strategy_and_last_run(staff_client, make_items_module):
    module = make_items_module(strategy="append")
    group = Group.objects.create(name="nightly")
    GroupMember.objects.create(group=group, module=module)
    finished_run(module, seconds=3, rows=41, ago=10)
    last = finished_run(module, seconds=65, rows=1234, status=Status.ERROR, ago=2)

    response = staff_client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/modules/{module.id}/"' in page
    assert f'href="/groups/{group.id}/">nightly</a>' in page
    assert "Append" in page
    assert f'href="/runs/{last.id}/" class="pill error"' in page
    assert "1 m 05 s" in page
    assert "2\xa0minutes ago" in page
    assert "1,234" in page


def test_a_dry_run_or_a_run_that_never_started_does_not_hide_the_last_real_outcome(
    staff_client, make_items_module
):
    module = make_items_module()
    failed = finished_run(module, seconds=3, rows=0, status=Status.ERROR, ago=10)
    RunLog.objects.create(module=module, status=Status.DRY_RUN, dry_run=True)
    RunLog.objects.create(
        module=module, status=Status.CANCELLED, error="not started: already running (run 1)"
    )

    response = staff_client.get("/")

    assert f'href="/runs/{failed.id}/" class="pill error"' in response.content.decode()
    assert [m.name for m in staff_client.get("/", {"status": "error"}).context["modules"]] == ["items"]


def test_a_module_that_never_ran_says_so(staff_client, make_items_module):
    make_items_module()
    assert "never run" in staff_client.get("/").content.decode()


def test_with_no_modules_it_points_to_the_wizard(staff_client):
    assert 'href="/modules/new/">Create the first one</a>' in staff_client.get("/").content.decode()


def test_the_status_of_a_running_module_polls_its_row(staff_client, make_items_module):
    running = make_items_module()
    idle = make_items_module(name="idle")
    RunLog.objects.create(module=running, status=Status.RUNNING, started_at=timezone.now())
    finished_run(idle, seconds=1, rows=1)

    page = staff_client.get("/").content.decode()

    assert "just now" in page
    assert f'hx-get="/?module={running.id}" hx-trigger="every 2s"' in page
    assert f'hx-get="/?module={idle.id}"' not in page


def test_the_row_poll_returns_the_row_alone_and_stops_polling_once_the_run_ended(
    staff_client, make_items_module
):
    module = make_items_module()
    run = RunLog.objects.create(module=module, status=Status.RUNNING, started_at=timezone.now())

    polling = staff_client.get(f"/?module={module.id}", headers={"HX-Request": "true"}).content.decode()
    run.finish(Status.SUCCESS)
    ended = staff_client.get(f"/?module={module.id}", headers={"HX-Request": "true"}).content.decode()

    assert polling.strip().startswith(f'<tr id="module-{module.id}">')
    assert "<html" not in polling
    assert 'hx-trigger="every 2s"' in polling
    assert 'hx-trigger="every 2s"' not in ended
    assert 'class="pill success"' in ended


def test_the_trend_is_an_inline_svg_of_the_last_successful_runs(staff_client, make_items_module):
    module = make_items_module()
    for ago, (seconds, rows) in enumerate([(4, 100), (2, 300), (3, 200)]):
        finished_run(module, seconds=seconds, rows=rows, ago=10 - ago)
    finished_run(module, seconds=99, rows=0, status=Status.ERROR, ago=1)

    page = staff_client.get("/").content.decode()

    assert '<svg class="trend"' in page
    assert "Last 3 successful runs, oldest first: duration 2.0–4.0 s (blue), rows 100–300 (grey)" in page
    assert page.count("<polyline") == 2


def test_an_expired_session_on_a_poll_gets_a_client_redirect_to_login(client, make_items_module):
    module = make_items_module()
    response = client.get(
        f"/?module={module.id}", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/"
    assert response.content == b""


def test_its_queries_do_not_grow_with_modules_runs_or_groups(staff_client, history):
    history(modules=3)
    few = queries(staff_client, "/")
    history(modules=80, runs_per_module=4)
    assert queries(staff_client, "/") == few


def test_it_shows_fifty_modules_a_page_with_links_that_keep_the_search(staff_client, history):
    history(modules=60)
    first = staff_client.get("/", {"connection": "hist"}).content.decode()
    second = staff_client.get("/", {"connection": "hist", "page": 2}).content.decode()
    assert first.count('<tr id="module-') == 50 and second.count('<tr id="module-') == 10
    assert "60 modules" in first and "?connection=hist&amp;page=2" in first


def test_it_searches_by_name_group_connection_and_last_status(staff_client, history, make_items_module):
    grouped = history(modules=3)
    items = make_items_module()
    RunLog.objects.create(module=items, status=Status.ERROR)

    def names(**search):
        return [m.name for m in staff_client.get("/", search).context["modules"]]

    assert names(name="m1") == ["m1"]
    assert names(group="g0") == [m.name for m in grouped]
    assert names(connection="source") == ["items"]
    assert names(status="error") == ["items"]
    assert names(status="success") == [m.name for m in grouped]
    RunLog.objects.filter(module__in=grouped[:1]).delete()
    assert names(status="never") == ["m0"]
