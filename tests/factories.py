import factory
from factory.django import DjangoModelFactory

from market.models import Cooperative, DinasOfficer, Membership, Region, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name", locale="id_ID")
    password = factory.django.Password("pass-word-123")


class RegionFactory(DjangoModelFactory):
    """Test regions under a made-up province 99, apart from the real data."""

    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"99.{n % 100:02d}")
    name = factory.Sequence(lambda n: f"Test region {n}")
    level = Region.Level.REGENCY


def district(code: str = "61.07.04") -> Region:
    """A real kecamatan of Bengkayang, shipped by the regions migration."""
    return Region.objects.get(code=code)


class CooperativeFactory(DjangoModelFactory):
    class Meta:
        model = Cooperative

    name = factory.Sequence(lambda n: f"Koperasi Uji {n}")
    slug = factory.Sequence(lambda n: f"koperasi-uji-{n}")
    nik = factory.Sequence(lambda n: f"{6107000000000000 + n:016d}")
    legal_number = factory.Sequence(lambda n: f"AHU-{n:07d}.AH.01.26.2024")
    kind = Cooperative.Kind.PRODUSEN
    region = factory.LazyFunction(district)
    address = "Jl. Sanggau Ledo No. 1"
    phone = "081234567890"
    status = Cooperative.Status.VERIFIED


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    cooperative = factory.SubFactory(CooperativeFactory)
    role = Membership.Role.STAFF


class DinasOfficerFactory(DjangoModelFactory):
    class Meta:
        model = DinasOfficer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    title = "PPKL"

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)
