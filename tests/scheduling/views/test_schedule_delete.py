from scheduling.models import Group, Schedule


def test_it_deletes_the_schedule(staff_client, db):
    group = Group.objects.create(name="nightly")
    schedule = Schedule.objects.create(group=group, cron="@daily")
    response = staff_client.post(f"/schedules/{schedule.id}/delete", follow=True)
    assert "Deleted the schedule @daily" in response.content.decode()
    assert not Schedule.objects.exists()


def test_operators_may_not_delete_schedules(operator_client, db):
    schedule = Schedule.objects.create(group=Group.objects.create(name="nightly"), cron="@daily")
    assert operator_client.post(f"/schedules/{schedule.id}/delete").status_code == 403
    assert Schedule.objects.exists()


def test_an_unknown_schedule_is_not_found(staff_client, db):
    assert staff_client.post("/schedules/999/delete").status_code == 404
