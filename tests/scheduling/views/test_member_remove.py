from scheduling.models import Group
from syncs.models import Module


def test_it_removes_the_member_and_keeps_the_module(staff_client, make_items_module):
    group = Group.objects.create(name="nightly")
    member = group.add_member(make_items_module(name="orders"))
    response = staff_client.post(f"/groups/{group.id}/members/{member.id}/remove", follow=True)
    assert "Removed orders from nightly." in response.content.decode()
    assert not group.members.exists()
    assert Module.objects.filter(name="orders").exists()


def test_removing_twice_is_not_found_the_second_time(staff_client, make_items_module):
    group = Group.objects.create(name="nightly")
    member = group.add_member(make_items_module())
    staff_client.post(f"/groups/{group.id}/members/{member.id}/remove")
    assert staff_client.post(f"/groups/{group.id}/members/{member.id}/remove").status_code == 404


def test_operators_may_not_remove_members(operator_client, make_items_module):
    group = Group.objects.create(name="nightly")
    member = group.add_member(make_items_module())
    assert operator_client.post(f"/groups/{group.id}/members/{member.id}/remove").status_code == 403
    assert group.members.exists()


def test_it_takes_only_post(staff_client, make_items_module):
    group = Group.objects.create(name="nightly")
    member = group.add_member(make_items_module())
    assert staff_client.get(f"/groups/{group.id}/members/{member.id}/remove").status_code == 405
    assert group.members.exists()
