from django.urls import path

from orders import api

urlpatterns = [
    path("cart/", api.CartView.as_view(), name="cart"),
    path("cart/items/", api.CartItemListView.as_view(), name="cart-items"),
    path("cart/items/<int:pk>/", api.CartItemDetailView.as_view(), name="cart-item"),
    path("cooperatives/<slug:slug>/shipping-options/", api.ShippingOptionListView.as_view(),
         name="shipping-options"),
    path("checkout/", api.CheckoutView.as_view(), name="checkout"),
    path("orders/", api.OrderListView.as_view(), name="order-list"),
    path("orders/<str:number>/", api.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<str:number>/accept/", api.OrderAcceptView.as_view(), name="order-accept"),
    path("orders/<str:number>/ship/", api.OrderShipView.as_view(), name="order-ship"),
    path("orders/<str:number>/deliver/", api.OrderDeliverView.as_view(), name="order-deliver"),
    path("orders/<str:number>/cancel/", api.OrderCancelView.as_view(), name="order-cancel"),
    path("orders/<str:number>/refund/", api.OrderRefundView.as_view(), name="order-refund"),
]
