"""The sample app's routes (visits/views.py) and Django's admin, whose static files collectstatic gathers."""

from django.contrib import admin
from django.urls import path

from visits import views

urlpatterns = [
    path("", views.hello),
    path("healthz", views.healthz),
    path("slow", views.slow),
    path("visits", views.visits),
    path("admin/", admin.site.urls),
]
