"""The OpenAPI schema tells the truth: schemathesis fuzzes the live server from its own schema.

Every operation, as four callers (anonymous, a buyer, a cooperative's owner, a dinas
officer), with all of schemathesis's checks: no 5xx, only documented status codes,
content types and headers, and every body as the schema says. The examples per operation
are few and derandomized, so a failure reproduces and the whole run takes minutes.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis.core.failures import FailureGroup, as_reported_failure
from schemathesis.pytest.lazy import get_all_tests

from catalog.models import Variant
from orders.models import CartItem
from tests.factories import (
    CooperativeFactory,
    DinasOfficerFactory,
    MembershipFactory,
    ProductFactory,
    ProductImageFactory,
    ShippingOptionFactory,
    UserFactory,
    checkout_placed,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

IDENTITIES = ["anonymous", "buyer", "cooperative_owner", "dinas_officer"]
EXAMPLES_PER_OPERATION = 8

# Rules that a JSON schema cannot state, which the contract answers with a 400 naming the
# field: for these operations schema-valid input may still be refused, so a 400 is right.
BUSINESS_RULES = {
    "POST /api/v1/auth/register/": "password strength (common, like the e-mail), e-mail taken",
    "POST /api/v1/auth/token/": "a wrong e-mail or password",
    "POST /api/v1/auth/verify-email/": "a link that is invalid, used or expired",
    "POST /api/v1/auth/password-reset/confirm/": (
        "a link that is invalid, used or expired; password strength (common, like the e-mail)"
    ),
    "GET /api/v1/products/": "an unknown category, cooperative or region",
    "POST /api/v1/products/": "an unknown cooperative or category, an SKU taken",
    "POST /api/v1/cart/items/": "a variant that is not for sale",
    "POST /api/v1/checkout/": "unknown variants or shipping options, an empty cart",
    "POST /api/v1/reviews/": (
        "an order line that is not the caller's (404), not delivered yet or reviewed already (409)"
    ),
    "POST /api/v1/cooperatives/": "an unknown district code, a NIK taken",
    "PUT /api/v1/cooperatives/{slug}/logo/": "a file that is not an image, by its content",
    "POST /api/v1/cooperatives/{slug}/rat/": (
        "a RAT not held yet, more attendance than members, minutes that are no clean PDF"
    ),
    "PUT /api/v1/cooperatives/{slug}/rat/{id}/minutes/": "a file that is no clean PDF, by content",
    "PATCH /api/v1/me/notification-preferences/": (
        "a channel a kind is never sent on (an invitation by e-mail or gateway)"
    ),
    "GET /api/v1/monitoring/sales/": (
        "`from` after `to`, a period over three years or before 2000; `group_by=cooperative_day` "
        "without `format=csv` or `xlsx`"
    ),
}
ACCEPTED_POSITIVE = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
CONFIG = schemathesis.Config.from_dict({
    # NUL bytes are refused at the door (400, market.middleware, tested on their own); in every
    # generated string they would turn each valid case into that one refusal.
    "generation": {"allow-x00": False},
    "operations": [
        {"include-name": name,
         "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_POSITIVE}}}
        for name in BUSINESS_RULES
    ],
})


def token_header(user) -> dict[str, str]:
    """The Authorization header of a new API token for `user`."""
    _token, key = AuthToken.objects.create(user)
    return {"Authorization": f"Token {key}"}


def _market() -> dict:
    """A small market to act on: a verified cooperative with products, a cart, an order."""
    cooperative = CooperativeFactory()
    owner = MembershipFactory(cooperative=cooperative, role="owner").user
    products = [ProductFactory(cooperative=cooperative) for _ in range(3)]
    ProductImageFactory(product=products[0])
    option = ShippingOptionFactory(cooperative=cooperative)
    buyer = UserFactory()
    variant = Variant.objects.filter(product=products[0]).get()
    item = CartItem.objects.create(user=buyer, variant=variant, quantity=2)
    placed = checkout_placed(buyer, [(variant, 1)])
    officer = DinasOfficerFactory(regions=[cooperative.region.parent]).user
    return {
        "users": {"buyer": buyer, "cooperative_owner": owner, "dinas_officer": officer},
        # Real values for path parameters, so that operations go past their 404.
        "path_values": {
            "slug": [cooperative.slug],
            "/products/{pk}": [product.pk for product in products],
            "/variants/{pk}": [variant.pk],
            "/cart/items/{pk}": [item.pk],
            "/payments/{pk}": [placed.payment.pk],
            "number": [order.number for order in placed.orders.all()],
            "option": [option.pk],
        },
    }


def _known_values(path: str, path_values: dict) -> dict[str, list]:
    known = {}
    for name in ("slug", "number"):
        if "{" + name + "}" in path:
            known[name] = path_values[name]
    for prefix, values in path_values.items():
        if prefix.startswith("/") and (prefix + "/") in path:
            known["pk"] = values
    return known


@pytest.fixture(params=IDENTITIES)
def identity(request) -> str:
    return request.param


@pytest.fixture
def market(live_server) -> dict:
    return _market()


@pytest.fixture
def caller_headers(identity, market):
    """The caller's headers for one request: a new token each time, as the fuzzer may log out."""
    user = market["users"].get(identity)
    return lambda: token_header(user) if user else {}


@pytest.fixture
def api_schema(live_server, market):
    """The schema the live server serves, with real objects among the path parameters."""
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/", config=CONFIG)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        # Half the cases on real objects, half on whatever the generator drew.
        known = _known_values(context.operation.path, market["path_values"])
        if not known:
            return st.just(path_parameters)
        real = st.fixed_dictionaries(
            {name: st.sampled_from(values) for name, values in known.items()}
        ).map(lambda values: {**path_parameters, **values})
        return st.one_of(st.just(path_parameters), real)

    return schema


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
    suppress_health_check=list(HealthCheck),
    # No shrinking: a failure is reported as found (reproducible, derandomized) in bounded time.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


def test_every_operation_answers_as_the_schema_says(api_schema, caller_headers, subtests):
    # One test per identity, one subtest per operation: what `schema.parametrize()` builds,
    # run here because schemathesis's lazy (fixture) schemas need a pytest before 9.2.
    def call(case):
        case.call_and_validate(headers=caller_headers())

    operations = 0
    for result in get_all_tests(
        schema=api_schema, test_func=call, settings=FUZZ_SETTINGS, given_kwargs={}
    ):
        operation, fuzz = result.ok()
        operations += 1
        with subtests.test(msg=operation.label):
            try:
                fuzz()
            except FailureGroup as failures:
                raise as_reported_failure(failures) from None
    assert operations > 40
