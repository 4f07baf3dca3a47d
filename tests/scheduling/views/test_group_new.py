from scheduling.models import Group


def test_an_editor_creates_a_group_and_lands_on_its_edit_page(staff_client):
    response = staff_client.post(
        "/groups/new/", {"name": "nightly", "description": "ERP tables", "stop_on_failure": "on"}
    )
    group = Group.objects.get(name="nightly")
    assert response.status_code == 302
    assert response["Location"] == f"/groups/{group.id}/edit"
    assert group.description == "ERP tables"
    assert group.stop_on_failure and group.enabled


def test_the_form_labels_every_field(staff_client):
    page = staff_client.get("/groups/new/").content.decode()
    for field in ["name", "description", "stop_on_failure"]:
        assert f'<label for="id_{field}">' in page


def test_a_name_already_taken_is_refused_with_a_message(staff_client, db):
    Group.objects.create(name="nightly")
    response = staff_client.post("/groups/new/", {"name": "nightly"})
    assert response.status_code == 400
    assert "Group with this Name already exists." in response.content.decode()
    assert Group.objects.count() == 1


def test_an_empty_name_is_refused(staff_client):
    response = staff_client.post("/groups/new/", {"name": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Group.objects.exists()


def test_operators_and_viewers_may_not_create_groups(operator_client, viewer_client):
    for client in [operator_client, viewer_client]:
        response = client.post("/groups/new/", {"name": "nightly"})
        assert response.status_code == 403
        assert "needs the editor role" in response.content.decode()
    assert not Group.objects.exists()


def test_the_group_list_offers_new_group_to_editors_only(staff_client, operator_client):
    assert 'href="/groups/new/"' in staff_client.get("/groups/").content.decode()
    assert 'href="/groups/new/"' not in operator_client.get("/groups/").content.decode()
