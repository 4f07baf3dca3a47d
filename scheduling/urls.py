from django.urls import path

from scheduling import api, views

app_name = "scheduling"
urlpatterns = [
    path("groups/", views.group_list, name="group_list"),
    path("groups/<int:group_id>/", views.group_detail, name="group_detail"),
    path("groups/<int:group_id>/run", views.group_run_start, name="group_run_start"),
    path("group-runs/<int:group_run_id>/", views.group_run_detail, name="group_run_detail"),
    path("group-runs/<int:group_run_id>/cancel", views.group_run_cancel, name="group_run_cancel"),
    path("api/groups", api.group_list, name="api_group_list"),
    path("api/groups/<int:group_id>/run", api.group_run_start, name="api_group_run_start"),
    path("api/group-runs/<int:group_run_id>", api.group_run_detail, name="api_group_run_detail"),
]
