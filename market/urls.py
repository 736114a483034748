from csp.decorators import csp_update
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from market import api, monitoring_api, notifications_api

api_v1 = [
    path("auth/register/", api.RegisterView.as_view(), name="register"),
    path("auth/token/", api.TokenView.as_view(), name="token"),
    path("auth/logout/", api.LogoutView.as_view(), name="logout"),
    path("auth/verify-email/", api.VerifyEmailView.as_view(), name="verify-email"),
    path("auth/verify-email/resend/", api.VerifyEmailResendView.as_view(),
         name="verify-email-resend"),
    path("auth/password-reset/", api.PasswordResetView.as_view(), name="password-reset"),
    path("auth/password-reset/confirm/", api.PasswordResetConfirmView.as_view(),
         name="password-reset-confirm"),
    path("me/", api.MeView.as_view(), name="me"),
    path("me/invitations/", api.MyInvitationsView.as_view(), name="me-invitations"),
    path("me/invitations/<int:pk>/accept/", api.MyInvitationAcceptView.as_view(),
         name="me-invitation-accept"),
    path("me/invitations/<int:pk>/decline/", api.MyInvitationDeclineView.as_view(),
         name="me-invitation-decline"),
    path("me/notification-preferences/",
         notifications_api.NotificationPreferencesView.as_view(),
         name="me-notification-preferences"),
    path("notifications/", notifications_api.NotificationListView.as_view(),
         name="notification-list"),
    path("notifications/read-all/", notifications_api.NotificationReadAllView.as_view(),
         name="notification-read-all"),
    path("notifications/<int:pk>/read/", notifications_api.NotificationReadView.as_view(),
         name="notification-read"),
    path("regions/", api.RegionListView.as_view(), name="region-list"),
    path("cooperatives/", api.CooperativeListCreateView.as_view(), name="cooperative-list"),
    path("cooperatives/<slug:slug>/", api.CooperativeDetailView.as_view(),
         name="cooperative-detail"),
    path("cooperatives/<slug:slug>/logo/", api.CooperativeLogoView.as_view(),
         name="cooperative-logo"),
    path("cooperatives/<slug:slug>/verify/", api.CooperativeVerifyView.as_view(),
         name="cooperative-verify"),
    path("cooperatives/<slug:slug>/members/", api.CooperativeMembersView.as_view(),
         name="cooperative-members"),
    path("cooperatives/<slug:slug>/members/<int:pk>/", api.CooperativeMemberDetailView.as_view(),
         name="cooperative-member"),
    path("cooperatives/<slug:slug>/invitations/", api.CooperativeInvitationsView.as_view(),
         name="cooperative-invitations"),
    path("cooperatives/<slug:slug>/invitations/<int:pk>/",
         api.CooperativeInvitationDetailView.as_view(), name="cooperative-invitation"),
    path("cooperatives/<slug:slug>/rat/", api.CooperativeRatView.as_view(),
         name="cooperative-rat"),
    path("cooperatives/<slug:slug>/rat/<int:pk>/minutes/", api.CooperativeRatMinutesView.as_view(),
         name="cooperative-rat-minutes"),
    path("monitoring/sales/", monitoring_api.MonitoringSalesView.as_view(),
         name="monitoring-sales"),
    path("monitoring/cooperatives/", monitoring_api.MonitoringCooperativeListView.as_view(),
         name="monitoring-cooperatives"),
    path("", include("catalog.urls")),
    path("", include("orders.urls")),
    path("", include("payments.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its script from 'self'; its template keeps a small inline style.
    path("docs/", csp_update({"style-src": ["'self'", "'unsafe-inline'"]})(
        SpectacularSwaggerSplitView.as_view(url_name="schema")), name="docs"),
]

urlpatterns = [
    path("healthz", api.HealthView.as_view(), name="healthz"),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("", include("frontend.urls")),
]

# Uploaded media for the embedded run (DEBUG only); production serves MEDIA_ROOT from the proxy.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
