"""Module.timeout: a run still going after it is stopped as a cancel would stop it, and ends in
error, the destination unchanged."""

import pytest

from syncs.engine import run_module
from syncs.models import Hook, Status
from syncs.retries import retry_if_due

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("strategy", ["full", "incremental"])
def test_a_run_past_its_timeout_ends_in_error_and_the_destination_is_unchanged(
    strategy, erp_to_dw, make_module
):
    dw = erp_to_dw.dest_db
    dw.execute(
        "CREATE TABLE public.copy (id integer, total numeric(12,2)); INSERT INTO public.copy VALUES (7, 7)"
    )
    dw.execute("CREATE TABLE public.hook_log (what text)")
    module = make_module(
        erp_to_dw.source,
        erp_to_dw.dest,
        name="copy",
        columns=[("id", "integer"), ("total", "numeric(12,2)")],
        # Its rows would come after far longer than the timeout.
        source_query="SELECT id, total FROM orders, pg_sleep(600)",
        dest_table="public.copy",
        strategy=strategy,
        merge_key=["id"],
        timeout=5,
        retries=2,
    )
    Hook.objects.create(
        module=module, name="noted", sql="INSERT INTO public.hook_log VALUES ('failure')", run_on="failure"
    )

    run = run_module(module, trigger="manual")

    assert run.status == Status.ERROR
    assert run.error == "timed out after 5 s; the destination is unchanged"
    assert "jrunner started" in run.live_log
    assert dw.rows("SELECT id, total FROM public.copy") == [(7, 7)]
    assert dw.rows("SELECT what FROM public.hook_log") == [("failure",)]
    # Staging is gone.
    assert dw.rows("SELECT count(*) FROM pg_tables WHERE tablename LIKE '%copy%'") == [(1,)]
    assert not retry_if_due(run)


def test_a_run_within_its_timeout_succeeds(orders_copy_module):
    orders_copy_module.timeout = 600
    orders_copy_module.save()

    run = run_module(orders_copy_module, trigger="manual")

    assert (run.status, run.error) == (Status.SUCCESS, "")
