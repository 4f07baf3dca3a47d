from django.urls import path

from syncs import api, editor, views, wizard

app_name = "syncs"
urlpatterns = [
    path("", views.module_list, name="module_list"),
    path("modules/<int:module_id>/", views.module_detail, name="module_detail"),
    path("modules/<int:module_id>/run", views.module_run, name="module_run"),
    path("modules/<int:module_id>/verify", views.module_verify, name="module_verify"),
    path("modules/<int:module_id>/backfill", views.module_backfill, name="module_backfill"),
    path("modules/<int:module_id>/unlock", views.module_unlock, name="module_unlock"),
    path("modules/<int:module_id>/edit", editor.module_edit, name="module_edit"),
    path("modules/<int:module_id>/columns/new", wizard.add_column, name="add_column"),
    path("modules/new/", wizard.wizard_start, name="wizard_start"),
    path("modules/new/tables", wizard.wizard_tables, name="wizard_tables"),
    path("modules/new/columns", wizard.wizard_columns, name="wizard_columns"),
    path("modules/new/sql", wizard.wizard_sql, name="wizard_sql"),
    path("modules/new/create", wizard.wizard_create, name="wizard_create"),
    path("channels/", views.channel_list, name="channel_list"),
    path("channels/<int:channel_id>/test", views.channel_test, name="channel_test"),
    path("runs/", views.run_history, name="run_history"),
    path("runs/<int:run_id>/", views.run_detail, name="run_detail"),
    path("runs/<int:run_id>/cancel", views.run_cancel, name="run_cancel"),
    path("runs/<int:run_id>/run-anyway", views.run_anyway, name="run_anyway"),
    path("api/modules", api.module_list, name="api_module_list"),
    path("api/modules/<int:module_id>", api.module_detail, name="api_module_detail"),
    path("api/modules/<int:module_id>/run", api.module_run, name="api_module_run"),
    path("api/modules/<int:module_id>/verify", api.module_verify, name="api_module_verify"),
    path("api/verifications/<int:verification_id>", api.verification_detail, name="api_verification_detail"),
    path("api/runs/<int:run_id>", api.run_detail, name="api_run_detail"),
    path("api/runs/<int:run_id>/cancel", api.run_cancel, name="api_run_cancel"),
]
