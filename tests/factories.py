import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.models import Account, AccountAttribute, CaseAccount
from cases.services import case_create
from detection.models import Detector, Signal

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@lab.example")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(Group.objects.get_or_create(name=name)[0])


def make_case(*, created_by=None, **kwargs):
    kwargs.setdefault("title", "Distillation via proxy cluster")
    return case_create(created_by=created_by, **kwargs)


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    external_id = factory.Sequence(lambda n: f"acct_{n:06d}")
    name = factory.Faker("name")
    email = factory.LazyAttribute(lambda a: f"{a.external_id}@mail.example")


class AccountAttributeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountAttribute

    account = factory.SubFactory(AccountFactory)
    type = "ip"
    value = factory.Sequence(lambda n: f"203.0.113.{n % 250}")


class CaseAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseAccount

    account = factory.SubFactory(AccountFactory)


class DetectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Detector

    name = factory.Sequence(lambda n: f"detector-{n}")


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signal

    detector = factory.SubFactory(DetectorFactory)
    external_id = factory.Sequence(lambda n: f"sig-{n}")
    kind = "volume_anomaly"
    severity = "high"
    confidence = 80
    observed_at = factory.Faker("date_time_this_year", tzinfo=__import__("datetime").UTC)
