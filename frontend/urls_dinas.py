"""The dinas dashboard, under /dinas/: officers (their regions only) and the platform admin."""

from django.urls import path

from frontend.views import dinas

urlpatterns = [
    path("", dinas.dashboard, name="dinas"),
    path("sales/", dinas.sales, name="dinas-sales"),
    path("cooperatives/", dinas.registry, name="dinas-registry"),
    path("cooperatives/<slug:slug>/", dinas.cooperative, name="dinas-cooperative"),
    path("queue/", dinas.queue, name="dinas-queue"),
    path("queue/<slug:slug>/", dinas.decide, name="dinas-decide"),
    path("report/", dinas.report, name="dinas-report"),
]
