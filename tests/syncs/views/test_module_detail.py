from django.utils import timezone

from connections.models import Connection
from scheduling.models import Group, GroupMember
from syncs.models import Hook, RunLog, Status, Watermark
from tests.history import queries


def test_it_sends_anonymous_users_to_the_login_page(client, make_items_module):
    module = make_items_module()
    response = client.get(f"/modules/{module.id}/")
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/modules/{module.id}/"


def test_it_refuses_users_who_are_not_staff(user_client, make_items_module):
    assert user_client.get(f"/modules/{make_items_module().id}/").status_code == 403


def test_an_unknown_module_is_not_found(staff_client):
    assert staff_client.get("/modules/999/").status_code == 404


def test_it_shows_the_movement_query_watermarks_hooks_and_schema(staff_client, make_items_module):
    module = make_items_module(
        strategy="incremental",
        merge_key=["id"],
        source_query="SELECT id, name FROM items WHERE id > {last_id}",
    )
    Watermark.objects.create(module=module, name="last_id", resolver_sql="SELECT max(id) FROM items_copy")
    Hook.objects.create(module=module, name="vacuum", sql="VACUUM", run_on="always", run_order=2)
    GroupMember.objects.create(group=Group.objects.create(name="hourly"), module=module)

    page = staff_client.get(f"/modules/{module.id}/").content.decode()

    assert "<h1>items" in page
    assert "source <span" in page and "dest <span" in page
    assert "items_copy" in page
    assert "Incremental (delete by key + insert)" in page
    assert "SELECT id, name FROM items WHERE id &gt; {last_id}" in page
    assert "{last_id}" in page and "SELECT max(id) FROM items_copy" in page
    assert "vacuum" in page and "VACUUM" in page and "always" in page
    assert ">c1</td>" in page and ">c2</td>" in page
    assert '<td class="mono">name</td>' in page
    assert f'href="/modules/{module.id}/columns/new">+ add column</a>' in page
    assert "hourly" in page


def test_it_never_shows_a_connection_password_reference(staff_client, make_items_module):
    module = make_items_module()
    Connection.objects.filter(pk=module.source_id).update(password="$SOURCE_SECRET")
    assert "SOURCE_SECRET" not in staff_client.get(f"/modules/{module.id}/").content.decode()


def test_it_offers_run_and_dry_run_as_posts_with_csrf(staff_client, make_items_module):
    module = make_items_module()
    page = staff_client.get(f"/modules/{module.id}/").content.decode()
    assert page.count(f'<form method="post" action="/modules/{module.id}/run">') == 2
    assert 'name="dry_run" value="1"' in page
    assert "csrfmiddlewaretoken" in page


def test_recent_runs_poll_while_one_is_going_and_come_as_a_fragment(staff_client, make_items_module):
    module = make_items_module()
    run = RunLog.objects.create(module=module, status=Status.RUNNING, started_at=timezone.now())

    page = staff_client.get(f"/modules/{module.id}/").content.decode()
    fragment = staff_client.get(f"/modules/{module.id}/", headers={"HX-Request": "true"}).content.decode()
    run.finish(Status.SUCCESS)
    after = staff_client.get(f"/modules/{module.id}/", headers={"HX-Request": "true"}).content.decode()

    assert f'href="/runs/{run.id}/"' in page
    assert 'id="recent-runs"' in fragment and "<html" not in fragment
    assert 'hx-trigger="every 2s"' in fragment
    assert 'hx-trigger="every 2s"' not in after


def test_its_queries_do_not_grow_with_the_runs(staff_client, history):
    small = history(modules=1, runs_per_module=1)[0]
    few = queries(staff_client, f"/modules/{small.id}/")
    big = history(modules=1, runs_per_module=40)[0]
    assert queries(staff_client, f"/modules/{big.id}/") == few
