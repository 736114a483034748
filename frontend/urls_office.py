"""The cooperative back office, under /office/<slug>/: its staff only (404 for anyone else)."""

from django.urls import path

from frontend.views import office, office_bulk, office_catalog, office_team

urlpatterns = [
    path("", office.office_home, name="office"),
    # Dashboard, orders, money (frontend/views/office.py)
    path("<slug:slug>/", office.dashboard, name="office-dashboard"),
    path("<slug:slug>/orders/", office.orders, name="office-orders"),
    path("<slug:slug>/orders/<str:number>/", office.order, name="office-order"),
    path("<slug:slug>/orders/<str:number>/<str:action>/", office.order_action,
         name="office-order-action"),
    path("<slug:slug>/money/", office.money, name="office-money"),
    # Products (frontend/views/office_catalog.py)
    path("<slug:slug>/products/", office_catalog.products, name="office-products"),
    path("<slug:slug>/products/new/", office_catalog.product_new, name="office-product-new"),
    path("<slug:slug>/products/<int:pk>/", office_catalog.product_edit, name="office-product"),
    path("<slug:slug>/products/<int:pk>/images/", office_catalog.product_images,
         name="office-product-images"),
    path("<slug:slug>/products/<int:pk>/<str:action>/", office_catalog.product_action,
         name="office-product-action"),
    path("<slug:slug>/variants/<int:pk>/stock/", office_catalog.variant_stock,
         name="office-variant-stock"),
    # Bulk upload (frontend/views/office_bulk.py)
    path("<slug:slug>/bulk/", office_bulk.bulk, name="office-bulk"),
    path("<slug:slug>/bulk/template.xlsx", office_bulk.bulk_template, name="office-bulk-template"),
    path("<slug:slug>/bulk/<int:pk>/", office_bulk.bulk_job, name="office-bulk-job"),
    # Staff, RAT, shipping, profile (frontend/views/office_team.py)
    path("<slug:slug>/team/", office_team.team, name="office-team"),
    path("<slug:slug>/rat/", office_team.rat, name="office-rat"),
    path("<slug:slug>/shipping/", office_team.shipping, name="office-shipping"),
    path("<slug:slug>/profile/", office_team.profile, name="office-profile"),
]
