from scheduling.models import Group, Schedule


def test_it_shows_the_group_its_members_in_order_and_its_schedules_in_words(staff_client, make_items_module):
    group = Group.objects.create(name="nightly")
    group.add_member(make_items_module(name="orders"))
    group.add_member(make_items_module(name="customers"))
    Schedule.objects.create(group=group, cron="0 4 * * 1-5", timezone="America/New_York")

    page = staff_client.get(f"/groups/{group.id}/edit").content.decode()

    assert 'value="nightly"' in page
    assert page.index(">orders</a>") < page.index(">customers</a>")
    assert "at 04:00 on weekdays, America/New_York" in page
    assert page.count('<li class="nowrap">') == 5


def test_it_saves_the_name_description_and_stop_on_failure(staff_client, db):
    group = Group.objects.create(name="nightly")
    response = staff_client.post(f"/groups/{group.id}/edit", {"name": "night", "description": "all of it"})
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.description, group.stop_on_failure) == ("night", "all of it", False)


def test_a_bad_name_is_refused_and_the_page_keeps_the_stored_name(staff_client, db):
    group = Group.objects.create(name="nightly")
    Group.objects.create(name="weekly")
    response = staff_client.post(f"/groups/{group.id}/edit", {"name": "weekly"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Group with this Name already exists." in page
    assert "<h1>Edit nightly</h1>" in page
    group.refresh_from_db()
    assert group.name == "nightly"


def test_operators_may_not_edit_a_group(operator_client, db):
    group = Group.objects.create(name="nightly")
    assert operator_client.get(f"/groups/{group.id}/edit").status_code == 403
    assert operator_client.post(f"/groups/{group.id}/edit", {"name": "x"}).status_code == 403
    group.refresh_from_db()
    assert group.name == "nightly"


def test_an_unknown_group_is_not_found(staff_client, db):
    assert staff_client.get("/groups/999/edit").status_code == 404


def test_the_group_page_links_to_the_edit_page_for_editors_only(staff_client, operator_client, db):
    group = Group.objects.create(name="nightly")
    assert f'href="/groups/{group.id}/edit"' in staff_client.get(f"/groups/{group.id}/").content.decode()
    assert (
        f'href="/groups/{group.id}/edit"' not in operator_client.get(f"/groups/{group.id}/").content.decode()
    )
