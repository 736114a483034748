from django.urls import path

from catalog import api

urlpatterns = [
    path("categories/", api.CategoryListView.as_view(), name="category-list"),
    path("products/", api.ProductListCreateView.as_view(), name="product-list"),
    path("products/<int:pk>/", api.ProductDetailView.as_view(), name="product-detail"),
    path("products/<int:pk>/variants/", api.ProductVariantCreateView.as_view(),
         name="product-variants"),
    path("products/<int:pk>/images/", api.ProductImageCreateView.as_view(),
         name="product-images"),
    path("products/<int:pk>/reviews/", api.ProductReviewListView.as_view(),
         name="product-reviews"),
    path("variants/<int:pk>/", api.VariantDetailView.as_view(), name="variant-detail"),
    path("reviews/", api.ReviewCreateView.as_view(), name="review-create"),
]
