"""POST /api/modules/<id>/verify starts a verification; GET /api/verifications/<id> reads it."""

import pytest

from syncs.models import Status, Verification
from tests.pipekit_site.auth import basic

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_starts_a_verification_and_reads_its_outcome(client, staff_auth, make_items_module, wait_finished):
    module = make_items_module()
    make_items_module.dest_db.execute("INSERT INTO items_copy VALUES (1, 'one'), (2, 'two')")

    response = client.post(
        f"/api/modules/{module.id}/verify", headers=staff_auth, content_type="application/json"
    )

    assert response.status_code == 202
    verification = Verification.objects.get()
    assert response.json() == {
        "verification_id": verification.id,
        "status": "queued",
        "url": f"/api/verifications/{verification.id}",
    }
    wait_finished(Verification.objects.all())
    data = client.get(f"/api/verifications/{verification.id}", headers=staff_auth).json()
    assert data["status"] == Status.ERROR
    assert (data["trigger"], data["triggered_by"]) == ("api", "alice")
    assert (data["source_rows"], data["dest_rows"], data["matched"]) == (3, 2, 2)
    assert (data["only_in_source"], data["only_in_dest"], data["different"]) == (1, 0, 0)
    assert data["first_keys"]["only_in_source"] == [["3", None]]
    assert data["error"] == "the destination differs: 1 only in source"
    module_data = client.get(f"/api/modules/{module.id}", headers=staff_auth).json()
    assert module_data["last_verification"]["id"] == verification.id


def test_a_viewer_may_read_but_not_start_one(client, make_staff, make_items_module):
    module = make_items_module()
    make_staff("vera", "viewer")
    viewer = basic("vera", "vera-password")
    verification = Verification.objects.create(module=module, status=Status.SUCCESS, matched=3)

    refused = client.post(f"/api/modules/{module.id}/verify", headers=viewer, content_type="application/json")

    assert refused.status_code == 403
    assert Verification.objects.count() == 1
    assert client.get(f"/api/verifications/{verification.id}", headers=viewer).json()["matched"] == 3


def test_an_unknown_verification_is_404(client, staff_auth):
    response = client.get("/api/verifications/999999", headers=staff_auth)
    assert response.status_code == 404
    assert response.json() == {"error": "No verification with id 999999."}
