import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from accessprogram.access.services import issue_token
from accessprogram.programs.models import Membership, Program
from generation.models import Generation

# Every factory-made user signs in with this password.
PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        """allauth requires a verified address to sign in; pass verified_email=False to skip."""
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    program = factory.SubFactory(ProgramFactory)
    role = Membership.Role.TESTER


class GenerationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Generation

    tester = factory.SubFactory(UserFactory)
    program = factory.SubFactory(ProgramFactory)
    prompt = factory.Sequence(lambda n: f"a lighthouse in fog, take {n}")
    seconds = 4
    size = "1280x720"
    seed = factory.Sequence(lambda n: n)


def token_for(membership: Membership, name: str = "test token") -> str:
    """Issue a token and return its secret."""
    return issue_token(membership=membership, name=name).secret
