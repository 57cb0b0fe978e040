from typing import Any

import factory

from civicloop.core.models import Membership, Organization, OrganizationKind, Person, Role


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    kind = OrganizationKind.UNIT
    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class UnitFactory(OrganizationFactory):
    kind = OrganizationKind.UNIT
    name = factory.Sequence(lambda n: f"Transformation Unit {n}")


class AgencyFactory(OrganizationFactory):
    kind = OrganizationKind.AGENCY
    name = factory.Sequence(lambda n: f"Agency {n}")
    unit = factory.SubFactory(UnitFactory)


class CompanyFactory(OrganizationFactory):
    kind = OrganizationKind.COMPANY
    name = factory.Sequence(lambda n: f"Startup {n}")
    sme_size = "small"


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    username = factory.SelfAttribute("email")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def saved(obj: Person, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(UnitFactory)
    role = Role.UNIT_STAFF
