"""The public application page tells nobody who is a member, and floods stop (finding 4).

The red team learned membership from the answer ("This address already belongs to a member")
and sent 60 applications in 1.4 s, each one an audit record.
"""

import re

import pytest
from django.urls import reverse

from accessprogram.audit.models import AuditRecord
from accessprogram.programs import applications
from accessprogram.programs.models import Application
from factories import MembershipFactory, UserFactory


@pytest.fixture
def open_program(program):
    applications.set_applications_open(program=program, is_open=True)
    return program


def apply(client, program, email, *, ip="203.0.113.7", **extra):
    url = reverse("programs:apply", args=[program.slug])
    data = {"name": "Someone", "email": email, **extra}
    return client.post(url, data, REMOTE_ADDR=ip)


def answer(response) -> str:
    """The page as a person sees it: CSRF tokens differ on every response, nothing else may."""
    page = response.content.decode()
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", page)


def test_a_members_address_gets_the_same_answer_as_a_strangers(client, open_program):
    member = MembershipFactory(program=open_program, user=UserFactory(email="member@example.com"))
    for_member = apply(client, open_program, member.user.email, ip="203.0.113.1")
    for_stranger = apply(client, open_program, "stranger@example.com", ip="203.0.113.2")
    assert for_member.status_code == for_stranger.status_code == 200
    assert answer(for_member) == answer(for_stranger)
    # Only the stranger's application is on file.
    assert list(Application.objects.values_list("email", flat=True)) == ["stranger@example.com"]


def test_a_second_application_gets_the_same_answer_too(client, open_program):
    first = apply(client, open_program, "ana@example.com", ip="203.0.113.1")
    second = apply(client, open_program, "ana@example.com", ip="203.0.113.2")
    assert answer(first) == answer(second) and second.status_code == 200
    assert Application.objects.count() == 1


def test_anonymous_submissions_write_no_audit_record(client, open_program):
    before = AuditRecord.objects.count()
    apply(client, open_program, "ana@example.com")
    assert Application.objects.count() == 1
    assert AuditRecord.objects.count() == before


def test_a_flood_from_one_address_is_throttled(client, open_program, settings):
    settings.APPLY_RATE_PER_IP = "5/h"
    answers = [apply(client, open_program, f"bot{n}@example.com").status_code for n in range(60)]
    assert answers[:5] == [200] * 5
    assert set(answers[5:]) == {429}
    assert Application.objects.count() == 5
    # Another client is not affected.
    assert apply(client, open_program, "ana@example.com", ip="198.51.100.9").status_code == 200


def test_one_email_address_from_many_clients_is_throttled(client, open_program, settings):
    settings.APPLY_RATE_PER_ADDRESS = "3/d"
    answers = [
        apply(client, open_program, "target@example.com", ip=f"203.0.113.{n}").status_code
        for n in range(1, 8)
    ]
    assert answers[:3] == [200] * 3
    assert set(answers[3:]) == {429}


def test_the_honeypot_catches_form_filling_robots(client, open_program):
    page = client.get(reverse("programs:apply", args=[open_program.slug])).content.decode()
    assert 'name="website"' in page
    human = apply(client, open_program, "ana@example.com", ip="203.0.113.1")
    robot = apply(client, open_program, "bot@example.com", ip="203.0.113.2", website="x.example")
    assert robot.status_code == 200 and answer(robot) == answer(human)
    assert list(Application.objects.values_list("email", flat=True)) == ["ana@example.com"]
