"""No server-side request forgery: webhook URLs may not reach private, loopback, link-local or
reserved addresses (unless WEBHOOK_ALLOWED_NETWORKS names them), checked on the address that is
actually connected to, at registration and again before every request."""

import socket

import pytest

from accessprogram.webhooks import addresses
from accessprogram.webhooks.endpoints import EndpointError, create_endpoint
from accessprogram.webhooks.models import WebhookDelivery, WebhookEndpoint
from generation.models import Generation
from generation.signals import generation_finished

REAL_GETADDRINFO = socket.getaddrinfo


@pytest.fixture
def dns(monkeypatch):
    """Names answered from this dict (value: list of addresses); others as usual. Counts calls."""
    answers: dict[str, list[str]] = {}
    calls: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        calls.append(host)
        if host in answers:
            family = lambda a: socket.AF_INET6 if ":" in a else socket.AF_INET  # noqa: E731
            return [(family(a), socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(addresses.socket, "getaddrinfo", getaddrinfo)
    answers_calls = type("Dns", (), {"answers": answers, "calls": calls})
    return answers_calls


@pytest.fixture
def no_allow_list(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hooks",
        "http://127.0.0.1:8000/admin/",
        "http://10.0.0.7/hooks",
        "http://10.255.1.1:6379/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://[fe80::1]/hooks",
        "http://[fd00::1]/hooks",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
        "http://localhost:8000/hooks",
    ],
)
def test_private_loopback_and_reserved_addresses_are_refused(url, no_allow_list):
    with pytest.raises(addresses.AddressRefused):
        addresses.resolve(url)


def test_a_name_resolving_to_loopback_is_refused(dns, no_allow_list):
    dns.answers["hooks.example.com"] = ["127.0.0.1"]
    with pytest.raises(addresses.AddressRefused, match=r"127\.0\.0\.1"):
        addresses.resolve("https://hooks.example.com/in")


def test_one_private_answer_among_public_ones_is_enough_to_refuse(dns, no_allow_list):
    dns.answers["mixed.example.com"] = ["93.184.215.14", "10.0.0.3"]
    with pytest.raises(addresses.AddressRefused, match=r"10\.0\.0\.3"):
        addresses.resolve("https://mixed.example.com/in")


def test_a_public_address_is_allowed(dns, no_allow_list):
    dns.answers["hooks.example.com"] = ["93.184.215.14"]
    target = addresses.resolve("https://hooks.example.com:8443/in?x=1")
    assert (str(target.address), target.host, target.port, target.path) == (
        "93.184.215.14",
        "hooks.example.com",
        8443,
        "/in?x=1",
    )


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "file:///etc/passwd", "http://user:pw@example.com/"]
)
def test_other_schemes_and_credentials_in_the_url_are_refused(url):
    with pytest.raises(addresses.AddressRefused):
        addresses.parse(url)


def test_the_allow_list_admits_a_named_network(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert addresses.resolve("http://10.1.2.3/hooks").port == 80
    with pytest.raises(addresses.AddressRefused):
        addresses.resolve("http://127.0.0.1/hooks")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/hooks", "http://169.254.169.254/", "http://[::1]/", "http://10.1.1.1/"],
)
def test_registration_refuses_them_with_a_clear_message(url, tester, no_allow_list):
    with pytest.raises(EndpointError, match="webhooks go only to public addresses"):
        create_endpoint(membership=tester, url=url, actor=tester.user)
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_name_that_turns_private_after_registration_is_refused_at_send_time(
    dns, tester, receiver, settings, eager_celery
):
    """DNS rebinding: public when registered, loopback when the delivery goes out."""
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    port = receiver.server.server_address[1]
    dns.answers["rebind.example.com"] = ["93.184.215.14"]
    create_endpoint(
        membership=tester, url=f"http://rebind.example.com:{port}/hooks", actor=tester.user
    )
    dns.answers["rebind.example.com"] = ["127.0.0.1"]
    video = Generation.objects.create(
        tester=tester.user, program=tester.program, prompt="p", seed=1, status="failed"
    )

    generation_finished.send(
        sender=Generation,
        public_id=video.public_id,
        outcome="failed",
        error_code="x",
        wait_seconds=0.0,
        render_seconds=0.0,
    )

    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert "127.0.0.1" in delivery.last_error
    assert delivery.last_response_code is None


@pytest.mark.django_db(transaction=True)
def test_the_connection_goes_to_the_address_that_was_checked(dns, tester, receiver, eager_celery):
    """The name is resolved once, by the check; the request goes to that address with the
    name in the Host header (a name no real DNS knows, so any second lookup would fail)."""
    port = receiver.server.server_address[1]
    dns.answers["pinned.invalid"] = ["127.0.0.1"]
    create_endpoint(membership=tester, url=f"http://pinned.invalid:{port}/in", actor=tester.user)
    dns.calls.clear()
    video = Generation.objects.create(
        tester=tester.user, program=tester.program, prompt="p", seed=1, status="failed"
    )

    generation_finished.send(
        sender=Generation,
        public_id=video.public_id,
        outcome="failed",
        error_code="x",
        wait_seconds=0.0,
        render_seconds=0.0,
    )

    [request] = receiver.requests
    assert request.headers["host"] == f"pinned.invalid:{port}"
    assert request.path == "/in"
    # Looked up once by the check; the connection only "resolves" the checked literal address.
    assert [host for host in dns.calls if host != "127.0.0.1"] == ["pinned.invalid"]
    assert WebhookDelivery.objects.get().status == "succeeded"
