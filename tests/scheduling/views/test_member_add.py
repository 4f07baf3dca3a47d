from scheduling.models import Group


def test_an_added_module_joins_last(staff_client, make_items_module):
    group = Group.objects.create(name="nightly")
    group.add_member(make_items_module(name="orders"))
    customers = make_items_module(name="customers")

    response = staff_client.post(f"/groups/{group.id}/members/new", {"module": customers.id})

    assert response.status_code == 302
    assert response["Location"] == f"/groups/{group.id}/edit#members"
    assert [m.module.name for m in group.members.all()] == ["orders", "customers"]


def test_the_choice_leaves_out_the_modules_already_in_the_group(staff_client, make_items_module):
    group = Group.objects.create(name="nightly")
    group.add_member(make_items_module(name="orders"))
    customers = make_items_module(name="customers")
    page = staff_client.get(f"/groups/{group.id}/edit").content.decode()
    assert f'<option value="{customers.id}">customers</option>' in page
    assert ">orders</option>" not in page


def test_a_module_already_in_the_group_or_unknown_is_refused(staff_client, make_items_module):
    group = Group.objects.create(name="nightly")
    orders = make_items_module(name="orders")
    group.add_member(orders)
    for value in [orders.id, 999, "x"]:
        response = staff_client.post(f"/groups/{group.id}/members/new", {"module": value})
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
    assert group.members.count() == 1


def test_operators_may_not_add_members(operator_client, make_items_module):
    group = Group.objects.create(name="nightly")
    module = make_items_module()
    assert operator_client.post(f"/groups/{group.id}/members/new", {"module": module.id}).status_code == 403
    assert not group.members.exists()
