"""After `seed_demo` the demo tester signs in through allauth and reaches the portal at once."""

from io import StringIO

from django.core.management import call_command

from accessprogram.programs.models import AgreementAcceptance


def test_demo_tester_signs_in_and_has_accepted_the_agreement(client, db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())  # a re-run publishes no new version
    assert "two-factor" in out.getvalue()
    assert AgreementAcceptance.objects.filter(agreement__version=1).count() == 2
    response = client.post("/accounts/login/", {"login": "artist", "password": "artist-demo-pass"})
    assert response.status_code == 302 and response["Location"] == "/welcome"
    assert client.get("/welcome")["Location"] == "/"  # a tester lands on Generate
    assert client.get("/").status_code == 200
