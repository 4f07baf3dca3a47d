import pytest

from scheduling.models import Group, GroupMember
from tests.scheduling.helpers import member_names


def test_an_added_module_runs_last(group, make_items_module):
    GroupMember.objects.filter(group=group).update(run_order=7)
    group.add_member(make_items_module(name="fourth"))
    assert member_names(group)[-1] == "fourth"
    assert group.members.get(module__name="fourth").run_order == 8


def test_adding_a_module_twice_keeps_its_place(group):
    member = group.members.get(module__name="first")
    assert group.add_member(member.module) == member
    assert member_names(group) == ["first", "second", "third"]


def test_moving_a_member_swaps_it_with_its_neighbour(group):
    group.move_member(group.members.get(module__name="third").id, -1)
    assert member_names(group) == ["first", "third", "second"]
    group.move_member(group.members.get(module__name="first").id, 1)
    assert member_names(group) == ["third", "first", "second"]


def test_a_member_does_not_move_past_either_end(group):
    group.move_member(group.members.get(module__name="first").id, -1)
    group.move_member(group.members.get(module__name="third").id, 1)
    assert member_names(group) == ["first", "second", "third"]


def test_moving_works_when_members_share_a_run_order(group):
    GroupMember.objects.filter(group=group).update(run_order=0)
    group.move_member(group.members.get(module__name="second").id, -1)
    assert member_names(group) == ["second", "first", "third"]
    assert list(group.members.values_list("run_order", flat=True)) == [1, 2, 3]


def test_reorder_numbers_the_members_in_the_order_given(group):
    first, second, third = group.member_ids()
    group.reorder([third, first, second])
    assert member_names(group) == ["third", "first", "second"]


@pytest.mark.parametrize("wrong", ["one member only", "none", "a member twice", "a member of another group"])
def test_reorder_refuses_a_list_that_is_not_the_members_and_changes_nothing(group, make_items_module, wrong):
    first, second, third = group.member_ids()
    other = Group.objects.create(name="other")
    stranger = other.add_member(make_items_module(name="stranger")).id
    wrong = {
        "one member only": [first],
        "none": [],
        "a member twice": [first, first, second],
        "a member of another group": [first, second, stranger],
    }[wrong]
    with pytest.raises(ValueError):
        group.reorder(wrong)
    assert member_names(group) == ["first", "second", "third"]
