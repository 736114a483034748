"""HTTP API of the catalog: parse, call a service or selector, serialize."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors, services
from catalog.models import (
    MAX_PRICE,
    MAX_STOCK,
    PRODUCT_DESCRIPTION_MAX_LENGTH,
    RATING_MAX,
    RATING_MIN,
    REVIEW_TEXT_MAX_LENGTH,
    Category,
    Product,
    ProductImage,
    Variant,
)
from market.api_support import MAX_ID, paginated_response, paginated_schema, validated
from market.errors import InvalidInput
from market.schema import conflict_response, error_response
from market.selectors import cooperatives_visible_to
from market.throttles import PER_CLIENT_AND_USER


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["id", "slug", "name", "parent"]


class CategoryListView(APIView):
    permission_classes = [AllowAny]
    @extend_schema(summary="List the categories (a tree, by parent slug)",
                   responses=CategorySerializer(many=True))
    def get(self, request):
        return Response(CategorySerializer(selectors.category_list(), many=True).data)


# ---------------------------------------------------------------- output


class ProductCooperativeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class ImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    thumbnails = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ["id", "url", "thumbnail", "thumbnails"]

    def get_url(self, image) -> str:
        return _absolute(self.context, image.image.url)

    def get_thumbnail(self, image) -> str | None:
        url = image.thumbnail_url()
        return _absolute(self.context, url) if url else None

    def get_thumbnails(self, image) -> dict[str, str]:
        return {size: _absolute(self.context, image.thumbnail_url(size))
                for size in image.thumbnails}


class ProductListSerializer(serializers.ModelSerializer):
    cooperative = ProductCooperativeSerializer()
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    in_stock = serializers.BooleanField()
    thumbnail = serializers.SerializerMethodField()
    rating_average = serializers.DecimalField(
        max_digits=2, decimal_places=1, coerce_to_string=False, read_only=True, allow_null=True,
        min_value=RATING_MIN, max_value=RATING_MAX,
        help_text="The mean rating, to one decimal; null before the first review.",
    )
    rating_count = serializers.IntegerField(
        read_only=True, min_value=0, help_text="How many reviews the product has."
    )

    class Meta:
        model = Product
        fields = ["id", "slug", "name", "cooperative", "category", "price", "in_stock",
                  "thumbnail", "unit", "rating_average", "rating_count"]

    def get_thumbnail(self, product) -> str | None:
        images = product.images.all()  # prefetched, ordered by position
        return ImageSerializer(context=self.context).get_thumbnail(images[0]) if images else None


class VariantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Variant
        fields = ["id", "sku", "name", "price", "stock", "low_stock_threshold"]


class ProductDetailSerializer(ProductListSerializer):
    variants = VariantSerializer(many=True)
    images = ImageSerializer(many=True)

    class Meta(ProductListSerializer.Meta):
        fields = [*ProductListSerializer.Meta.fields, "description", "weight_grams", "status",
                  "variants", "images", "created_at", "updated_at"]


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.IntegerField(source="product_id")
    rating = serializers.IntegerField(min_value=RATING_MIN, max_value=RATING_MAX)
    text = serializers.CharField(max_length=REVIEW_TEXT_MAX_LENGTH)
    author = serializers.CharField(help_text="The reviewer's first name (never their e-mail).")
    created_at = serializers.DateTimeField()


# ---------------------------------------------------------------- input


class ProductListQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    category = serializers.CharField(required=False, allow_blank=True, default="")
    cooperative = serializers.CharField(required=False, allow_blank=True, default="")
    region = serializers.CharField(required=False, allow_blank=True, default="")
    min_price = serializers.IntegerField(required=False, min_value=0, max_value=MAX_PRICE)
    max_price = serializers.IntegerField(required=False, min_value=0, max_value=MAX_PRICE)
    in_stock = serializers.BooleanField(required=False, default=False)
    ordering = serializers.ChoiceField(
        choices=list(selectors.ORDERINGS), required=False, allow_blank=True, default=""
    )


class VariantInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=100)
    price = serializers.IntegerField(min_value=1, max_value=MAX_PRICE)
    stock = serializers.IntegerField(min_value=0, max_value=MAX_STOCK)
    low_stock_threshold = serializers.IntegerField(
        min_value=0, max_value=MAX_STOCK, required=False, default=5
    )


class ProductCreateSerializer(serializers.Serializer):
    cooperative = serializers.SlugField()
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=PRODUCT_DESCRIPTION_MAX_LENGTH
    )
    category = serializers.SlugField()
    unit = serializers.ChoiceField(choices=Product.Unit.choices, default=Product.Unit.PCS)
    weight_grams = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)
    status = serializers.ChoiceField(
        choices=[Product.Status.DRAFT, Product.Status.ACTIVE], default=Product.Status.DRAFT
    )
    variants = VariantInputSerializer(many=True, allow_empty=False, max_length=100)


class ProductUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=PRODUCT_DESCRIPTION_MAX_LENGTH
    )
    category = serializers.SlugField(required=False)
    unit = serializers.ChoiceField(choices=Product.Unit.choices, required=False)
    weight_grams = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    status = serializers.ChoiceField(choices=Product.Status.choices, required=False)


class VariantUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    price = serializers.IntegerField(min_value=1, max_value=MAX_PRICE, required=False)
    stock = serializers.IntegerField(min_value=0, max_value=MAX_STOCK, required=False)
    low_stock_threshold = serializers.IntegerField(
        min_value=0, max_value=MAX_STOCK, required=False
    )


class ReviewCreateSerializer(serializers.Serializer):
    order_line = serializers.IntegerField(
        min_value=1, max_value=MAX_ID,
        help_text="A line of one of your orders that has been delivered.",
    )
    rating = serializers.IntegerField(min_value=RATING_MIN, max_value=RATING_MAX)
    text = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=REVIEW_TEXT_MAX_LENGTH
    )


class ImageUploadSerializer(serializers.Serializer):
    # A FileField, not an ImageField: our own checks give the clearer messages.
    image = serializers.FileField()


# ---------------------------------------------------------------- views


class ProductListCreateView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @paginated_schema(
        ProductListSerializer, parameters=[ProductListQuerySerializer],
        summary="Search and list the products on sale",
    )
    def get(self, request):
        filters = validated(ProductListQuerySerializer, request.query_params)
        products = selectors.product_list_public(**filters)
        return paginated_response(request, self, products, ProductListSerializer)

    @extend_schema(summary="Add a product to a cooperative's catalog",
                   request=ProductCreateSerializer, responses={201: ProductDetailSerializer})
    def post(self, request):
        data = validated(ProductCreateSerializer, request.data)
        slug = data.pop("cooperative")
        cooperative = cooperatives_visible_to(request.user).filter(slug=slug).first()
        if cooperative is None:
            raise InvalidInput(fields={"cooperative": _("Unknown cooperative.")})
        product = services.product_create(actor=request.user, cooperative=cooperative, **data)
        return _detail(request, product.pk, status.HTTP_201_CREATED)


class ProductDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(summary="Get a product, its variants and photos",
                   responses=ProductDetailSerializer)
    def get(self, request, pk):
        return _detail(request, pk)

    @extend_schema(summary="Change a product", request=ProductUpdateSerializer,
                   responses=ProductDetailSerializer)
    def patch(self, request, pk):
        product = selectors.product_get_for(user=request.user, pk=pk)
        data = validated(ProductUpdateSerializer, request.data)
        services.product_update(actor=request.user, product=product, **data)
        return _detail(request, pk)

    @extend_schema(summary="Archive a product (orders keep their lines)",
                   responses={204: None})
    def delete(self, request, pk):
        product = selectors.product_get_for(user=request.user, pk=pk)
        services.product_archive(actor=request.user, product=product)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductVariantCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Add a variant to a product", request=VariantInputSerializer,
                   responses={201: VariantSerializer})
    def post(self, request, pk):
        product = selectors.product_get_for(user=request.user, pk=pk)
        data = validated(VariantInputSerializer, request.data)
        variant = services.variant_add(actor=request.user, product=product, **data)
        return Response(VariantSerializer(variant).data, status=status.HTTP_201_CREATED)


class VariantDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Change a variant's price, stock or name",
                   request=VariantUpdateSerializer, responses=VariantSerializer)
    def patch(self, request, pk):
        variant = selectors.variant_get_for(user=request.user, pk=pk)
        data = validated(VariantUpdateSerializer, request.data)
        variant = services.variant_update(actor=request.user, variant=variant, **data)
        return Response(VariantSerializer(variant).data)


class ProductImageCreateView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = PER_CLIENT_AND_USER
    throttle_scope = "upload"  # decoding an image costs CPU and memory in the web worker
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(summary="Upload a photo of a product", request=ImageUploadSerializer,
                   responses={201: ImageSerializer})
    def post(self, request, pk):
        product = selectors.product_get_for(user=request.user, pk=pk)
        data = validated(ImageUploadSerializer, request.data)
        image = services.product_image_add(
            actor=request.user, product=product, upload=data["image"]
        )
        return Response(
            ImageSerializer(image, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ProductReviewListView(APIView):
    permission_classes = [AllowAny]

    @paginated_schema(ReviewSerializer, summary="List a product's reviews, newest first")
    def get(self, request, pk):
        reviews = selectors.product_reviews_for(user=request.user, product_pk=pk)
        return paginated_response(request, self, reviews, ReviewSerializer)


class ReviewCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Review a product you received (once per order line)",
        request=ReviewCreateSerializer,
        responses={
            201: ReviewSerializer,
            404: error_response("No such order line among your orders.", "Error"),
            409: conflict_response(
                "not_delivered", "already_reviewed", "product_gone",
                description="The order is not delivered yet, the line has its review, or its "
                            "product was deleted.",
            ),
        },
    )
    def post(self, request):
        data = validated(ReviewCreateSerializer, request.data)
        review = services.review_create(
            buyer=request.user, order_line_pk=data["order_line"], rating=data["rating"],
            text=data["text"],
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


def _detail(request, pk, code=status.HTTP_200_OK) -> Response:
    product = selectors.product_get_for(user=request.user, pk=pk)
    return Response(ProductDetailSerializer(product, context={"request": request}).data,
                    status=code)


def _absolute(context, url: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(url) if request else url
