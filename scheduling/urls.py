from django.urls import path

from scheduling import api, views

app_name = "scheduling"
urlpatterns = [
    path("groups/", views.group_list, name="group_list"),
    path("groups/<int:group_id>/", views.group_detail, name="group_detail"),
    path("groups/new/", views.group_new, name="group_new"),
    path("groups/<int:group_id>/edit", views.group_edit, name="group_edit"),
    path("groups/<int:group_id>/pause", views.group_pause, name="group_pause"),
    path("groups/<int:group_id>/members/new", views.member_add, name="member_add"),
    path("groups/<int:group_id>/members/order", views.member_order, name="member_order"),
    path("groups/<int:group_id>/members/<int:member_id>/move", views.member_move, name="member_move"),
    path("groups/<int:group_id>/members/<int:member_id>/remove", views.member_remove, name="member_remove"),
    path("groups/<int:group_id>/schedules/new", views.schedule_add, name="schedule_add"),
    path("schedules/<int:schedule_id>/pause", views.schedule_pause, name="schedule_pause"),
    path("schedules/<int:schedule_id>/edit", views.schedule_edit, name="schedule_edit"),
    path("schedules/<int:schedule_id>/delete", views.schedule_delete, name="schedule_delete"),
    path("groups/<int:group_id>/run", views.group_run_start, name="group_run_start"),
    path("group-runs/<int:group_run_id>/", views.group_run_detail, name="group_run_detail"),
    path("group-runs/<int:group_run_id>/cancel", views.group_run_cancel, name="group_run_cancel"),
    path("api/groups", api.group_list, name="api_group_list"),
    path("api/groups/<int:group_id>/run", api.group_run_start, name="api_group_run_start"),
    path("api/group-runs/<int:group_run_id>", api.group_run_detail, name="api_group_run_detail"),
]
