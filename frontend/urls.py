"""The pages. Paths are English like the API's; the words on them follow the language."""

from django.urls import include, path

from frontend.views import account, catalog, orders, shopping

app_name = "frontend"
urlpatterns = [
    # Browsing (frontend/views/catalog.py)
    path("", catalog.home, name="home"),
    path("search/", catalog.search, name="search"),
    path("products/<int:pk>/", catalog.product, name="product"),
    path("cooperatives/", catalog.cooperatives, name="cooperatives"),
    path("cooperatives/<slug:slug>/", catalog.cooperative, name="cooperative"),
    # Buying (frontend/views/shopping.py)
    path("cart/", shopping.cart, name="cart"),
    path("cart/add/", shopping.cart_add, name="cart-add"),
    path("cart/items/<int:pk>/", shopping.cart_item, name="cart-item"),
    path("checkout/", shopping.checkout, name="checkout"),
    path("payments/<int:pk>/", shopping.payment, name="payment"),
    # After buying (frontend/views/orders.py)
    path("orders/", orders.order_list, name="orders"),
    path("orders/<str:number>/", orders.order_detail, name="order"),
    path("orders/<str:number>/<str:action>/", orders.order_action, name="order-action"),
    path("reviews/<int:line_pk>/", orders.review, name="review"),
    # The account (frontend/views/account.py)
    path("account/", account.account, name="account"),
    path("account/login/", account.login, name="login"),
    path("account/logout/", account.logout, name="logout"),
    path("account/register/", account.register, name="register"),
    path("account/verify-email/", account.verify_email, name="verify-email"),
    path("account/password-reset/", account.password_reset, name="password-reset"),
    path("account/password-reset/confirm/", account.password_reset_confirm,
         name="password-reset-confirm"),
    path("account/language/", account.language, name="language"),
    path("account/notifications/", account.notifications, name="notifications"),
    path("account/notifications/preferences/", account.notification_preferences,
         name="notification-preferences"),
    # The cooperative back office, the dinas dashboard, the finance desk (issue 13)
    path("office/", include("frontend.urls_office")),
    path("dinas/", include("frontend.urls_dinas")),
    path("finance/", include("frontend.urls_finance")),
]
