from scheduling.models import Group
from tests.scheduling.helpers import member_names


def test_up_and_down_move_a_member_one_place(staff_client, group):
    third = group.members.get(module__name="third")
    response = staff_client.post(f"/groups/{group.id}/members/{third.id}/move", {"direction": "up"})
    assert response.status_code == 302
    assert response["Location"] == f"/groups/{group.id}/edit#member-{third.id}"
    assert member_names(group) == ["first", "third", "second"]
    first = group.members.get(module__name="first")
    staff_client.post(f"/groups/{group.id}/members/{first.id}/move", {"direction": "down"})
    assert member_names(group) == ["third", "first", "second"]


def test_the_buttons_are_labelled_and_the_ends_cannot_move_further(staff_client, group):
    page = staff_client.get(f"/groups/{group.id}/edit").content.decode()
    assert 'aria-label="Move first up" disabled' in page
    assert 'aria-label="Move third down" disabled' in page
    assert 'aria-label="Move second up">' in page


def test_a_bad_direction_is_refused(staff_client, group):
    first = group.members.get(module__name="first")
    response = staff_client.post(f"/groups/{group.id}/members/{first.id}/move", {"direction": "sideways"})
    assert response.status_code == 400
    assert member_names(group) == ["first", "second", "third"]


def test_a_member_of_another_group_is_not_found(staff_client, group):
    other = Group.objects.create(name="other")
    member = group.members.first()
    assert (
        staff_client.post(f"/groups/{other.id}/members/{member.id}/move", {"direction": "up"}).status_code
        == 404
    )


def test_operators_may_not_reorder(operator_client, group):
    third = group.members.get(module__name="third")
    assert (
        operator_client.post(f"/groups/{group.id}/members/{third.id}/move", {"direction": "up"}).status_code
        == 403
    )
    assert member_names(group) == ["first", "second", "third"]
