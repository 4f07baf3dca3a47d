"""Every page of the back office at a desktop's and a phone's width: a screenshot of each, no
sideways scrolling and no serious accessibility violation (tests/e2e/helpers.py check_page).
A new page joins this list."""

import pytest
from playwright.sync_api import expect

from scheduling.engine import run_group
from scheduling.models import Group, GroupMember, Schedule
from syncs.engine import run_module
from syncs.models import Channel, Hook, RunLog, Watermark
from tests.e2e.helpers import check_page


@pytest.mark.e2e
def test_every_page_works_at_both_widths_and_passes_the_accessibility_check(
    page, browser, live_server, orders_copy_module
):
    module = orders_copy_module
    Watermark.objects.create(module=module, name="since", resolver_sql="SELECT 1", default_value="0")
    Hook.objects.create(module=module, name="analyze", sql="ANALYZE public.orders_copy")
    run = run_module(module, trigger="cli")
    group = Group.objects.create(name="nightly")
    GroupMember.objects.create(group=group, module=module, run_order=1)
    Schedule.objects.create(group=group, cron="0 4 * * 1-5", timezone="America/New_York")
    group_run = run_group(group, trigger="cli")
    assert run.status == group_run.status == "success", run.error
    source, dest = module.source.pk, module.dest.pk
    Channel.objects.create(name="ops", kind="webhook", url="$OPS_HOOK")
    # One run waiting and one running, so the Queue page shows its tables.
    RunLog.objects.create(module=module)
    RunLog.objects.create(module=module, status="running", started_at=run.started_at, host="web1", pid=4242)

    pages = {
        "module-list": "/",
        "module": f"/modules/{module.pk}/",
        "run": f"/runs/{run.pk}/",
        "run-history": "/runs/",
        "groups": "/groups/",
        "group": f"/groups/{group.pk}/",
        "group-run": f"/group-runs/{group_run.pk}/",
        "add-column": f"/modules/{module.pk}/columns/new",
        "wizard-start": "/modules/new/",
        "wizard-tables": f"/modules/new/tables?source={source}&dest={dest}&schema=public",
        "wizard-sql": f"/modules/new/sql?source={source}&dest={dest}",
        "tokens": "/tokens/",
        "queue": "/queue/",
        "connections": "/connections/",
        "channels": "/channels/",
        "module-edit": f"/modules/{module.pk}/edit",
        "group-edit": f"/groups/{group.pk}/edit",
        "wizard-columns": f"/modules/new/columns?source={source}&dest={dest}&schema=public&table=orders",
    }
    problems = []
    for name, url in pages.items():
        page.goto(url)
        # Every page's problems at once, not only the first page's.
        try:
            check_page(page, name)
        except AssertionError as exc:
            problems.append(str(exc))
    assert not problems, "\n".join(problems)
    # The columns step leads to the last one, which lives on the session's draft.
    page.get_by_role("button", name="Next: destination and strategy").click()
    expect(page.locator("h1")).to_have_text("Destination and strategy")
    check_page(page, "wizard-create")

    anonymous = browser.new_page(base_url=live_server.url)
    anonymous.goto("/login/")
    check_page(anonymous, "login")
    anonymous.close()
