import pytest

from tests.scheduling.helpers import member_names


def test_it_saves_the_whole_order_at_once(staff_client, group):
    first, second, third = group.member_ids()
    response = staff_client.post(f"/groups/{group.id}/members/order", {"order": f"{third},{first},{second}"})
    assert response.status_code == 302
    assert member_names(group) == ["third", "first", "second"]


@pytest.mark.parametrize("order", ["", "1,x", "{first},{second}"])
def test_an_order_that_is_not_the_members_changes_nothing_and_says_so(staff_client, group, order):
    first, second, _ = group.member_ids()
    response = staff_client.post(
        f"/groups/{group.id}/members/order", {"order": order.format(first=first, second=second)}, follow=True
    )
    assert "Not reordered: the members changed meanwhile" in response.content.decode()
    assert member_names(group) == ["first", "second", "third"]


def test_operators_may_not_reorder(operator_client, group):
    first, second, third = group.member_ids()
    response = operator_client.post(
        f"/groups/{group.id}/members/order", {"order": f"{third},{first},{second}"}
    )
    assert response.status_code == 403
    assert member_names(group) == ["first", "second", "third"]
