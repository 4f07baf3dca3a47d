from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from pipekit_site import api, health, views

admin.site.site_header = "Pipekit administration"
admin.site.site_title = "Pipekit"
handler404 = "pipekit_site.api.not_found"

urlpatterns = [
    path("health", health.health, name="health"),
    path("api/openapi.json", api.openapi, name="api_openapi"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("queue/", views.queue_page, name="queue"),
    path("admin/", admin.site.urls),
    path("", include("connections.urls")),
    path("", include("scheduling.urls")),
    path("", include("syncs.urls")),
]
