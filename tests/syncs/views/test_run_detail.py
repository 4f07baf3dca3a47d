from django.utils import timezone

from scheduling.models import Group, GroupRun
from syncs.models import RunLog, Status


def test_it_sends_anonymous_users_to_the_login_page(client, make_items_module):
    run = RunLog.objects.create(module=make_items_module())
    response = client.get(f"/runs/{run.id}/")
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/runs/{run.id}/"


def test_it_refuses_users_who_are_not_staff(user_client, make_items_module):
    run = RunLog.objects.create(module=make_items_module())
    assert user_client.get(f"/runs/{run.id}/").status_code == 403


def test_an_unknown_run_is_not_found(staff_client):
    assert staff_client.get("/runs/999/").status_code == 404


def test_it_shows_everything_a_finished_run_recorded(staff_client, make_items_module):
    group_run = GroupRun.objects.create(group=Group.objects.create(name="nightly"))
    started = timezone.now()
    run = RunLog.objects.create(
        module=make_items_module(),
        group_run=group_run,
        status=Status.ERROR,
        trigger="api",
        triggered_by="alice",
        started_at=started,
        finished_at=started + timezone.timedelta(seconds=4),
        watermark_values={"since": "2026-01-01", "nothing": None},
        resolved_sql="SELECT id, name FROM items WHERE d >= '2026-01-01'",
        merge_sql="DELETE FROM items_copy;\nINSERT INTO items_copy SELECT * FROM staging",
        rows_staged=3,
        rows_merged=3,
        load_path="batch-insert",
        hook_results=[
            {
                "name": "vacuum",
                "run_on": "always",
                "status": "error",
                "error": "no such table",
                "seconds": 0.02,
            }
        ],
        live_log="3\n3 rows written\n",
        error="hook vacuum failed: no such table",
    )

    page = staff_client.get(f"/runs/{run.id}/").content.decode()

    for text in [
        'class="pill error">Error',
        "api",
        "alice",
        "4.0 s",
        "batch-insert",
        "since = 2026-01-01",
        'nothing = <span class="muted">NULL</span>',
        "WHERE d &gt;= &#x27;2026-01-01&#x27;",
        "INSERT INTO items_copy SELECT * FROM staging",
        "vacuum",
        "no such table",
        "3 rows written",
        f'href="/group-runs/{group_run.id}/"',
    ]:
        assert text in page, text
    assert "hx-trigger" not in page
    assert "Cancel run" not in page


def test_a_running_run_polls_its_live_log_every_two_seconds_and_offers_cancel(
    staff_client, make_items_module
):
    run = RunLog.objects.create(module=make_items_module(), status=Status.RUNNING, live_log="1000\n")

    page = staff_client.get(f"/runs/{run.id}/").content.decode()

    assert f'hx-get="/runs/{run.id}/" hx-trigger="every 2s" hx-swap="outerHTML"' in page
    assert f'<form method="post" action="/runs/{run.id}/cancel">' in page
    assert "1000" in page


def test_the_poll_gets_the_live_part_alone_and_stops_once_the_run_ended(staff_client, make_items_module):
    run = RunLog.objects.create(module=make_items_module(), status=Status.RUNNING, live_log="1000\n")
    htmx = {"HX-Request": "true"}

    polling = staff_client.get(f"/runs/{run.id}/", headers=htmx).content.decode()
    RunLog.objects.filter(pk=run.pk).update(live_log="1000\n3000 rows written\n")
    run.refresh_from_db()
    run.finish(Status.SUCCESS)
    ended = staff_client.get(f"/runs/{run.id}/", headers=htmx).content.decode()

    assert polling.strip().startswith('<div id="run-live"') and "<html" not in polling
    assert 'hx-trigger="every 2s"' in polling
    assert 'hx-trigger="every 2s"' not in ended
    assert "3000 rows written" in ended
    assert "Cancel run" not in ended


def test_a_run_whose_cancel_was_requested_says_so_instead_of_offering_it_again(
    staff_client, make_items_module
):
    run = RunLog.objects.create(module=make_items_module(), status=Status.RUNNING, cancel_requested=True)
    page = staff_client.get(f"/runs/{run.id}/").content.decode()
    assert "cancel requested" in page
    assert "Cancel run" not in page


def test_an_expired_session_on_a_poll_gets_a_client_redirect_to_login(client, make_items_module):
    run = RunLog.objects.create(module=make_items_module(), status=Status.RUNNING)
    response = client.get(
        f"/runs/{run.id}/",
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver/runs/{run.id}/"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/login/?next=/runs/{run.id}/"


def test_row_counts_have_thousands_separators_and_times_their_zone(staff_client, make_items_module):
    started = timezone.now()
    run = RunLog.objects.create(
        module=make_items_module(),
        status=Status.SUCCESS,
        started_at=started,
        finished_at=started,
        rows_staged=1234567,
        rows_merged=0,
    )

    page = staff_client.get(f"/runs/{run.id}/").content.decode()

    assert "<dd>1,234,567</dd>" in page and "<dd>0</dd>" in page
    assert f"<dd>{timezone.localtime(started):%Y-%m-%d %H:%M:%S} UTC</dd>" in page
    assert 'Live log <span class="muted">(times UTC)' in page


def test_every_page_has_a_favicon(staff_client, make_items_module):
    run = RunLog.objects.create(module=make_items_module())

    page = staff_client.get(f"/runs/{run.id}/").content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
