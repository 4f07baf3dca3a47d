from django.urls import path

from connections import views

app_name = "connections"
urlpatterns = [
    path("connections/", views.connection_list, name="connection_list"),
    path("connections/new", views.connection_new, name="connection_new"),
    path("connections/<int:connection_id>/", views.connection_edit, name="connection_edit"),
    path("connections/<int:connection_id>/test", views.connection_test, name="connection_test"),
]
