"""Content credentials (C2PA) on renditions: signed with a proper chain, readable, verifiable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.core.files.storage import default_storage
from django.core.management import call_command
from rendition_fixtures import clip_bytes, complete_with_video, use_dev_certificate

from accessprogram.programs.models import Membership
from factories import GenerationFactory, MembershipFactory
from generation.provenance import services
from generation.provenance.credentials import (
    DOCUMENT_SIGNING,
    PROVENANCE_LABEL,
    TRAINED_ALGORITHMIC_MEDIA,
    read_manifest,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def c2pa(settings, tmp_path):
    return use_dev_certificate(settings, tmp_path / "c2pa")


@pytest.fixture
def published(tester, media_root, c2pa, django_capture_on_commit_callbacks, eager_celery):
    generation = complete_with_video(
        GenerationFactory(tester=tester.user, program=tester.program, model="sora-2-pro"),
        clip_bytes(),
    )
    reviewer = MembershipFactory(
        program=tester.program, role=Membership.Role.REVIEWER, user__username="rita"
    ).user
    with django_capture_on_commit_callbacks(execute=True):
        rendition = services.publish_rendition(
            generation=generation, approval_ref="42", approved_by=reviewer
        )
    rendition.refresh_from_db()
    assert rendition.status == "ready", rendition.error
    return rendition


@pytest.fixture
def published_file(published, tmp_path) -> Path:
    path = tmp_path / "published.mp4"
    with default_storage.open(published.storage_key) as stored:
        path.write_bytes(stored.read())
    return path


def test_an_untouched_published_rendition_carries_a_valid_manifest(published, published_file):
    manifest = read_manifest(published_file)
    assert manifest is not None
    # Valid: the signature and the hash of every byte check out; the dev CA is not a
    # trust anchor of this reader, which it reports as a note, not a failure.
    assert manifest["validation_state"] == "Valid"
    assert manifest["validation_codes"] == ["signingCredential.untrusted"]
    assert manifest["label"] == published.manifest_label
    assert manifest["claim_generator"] == "early-access-platform"
    assert PROVENANCE_LABEL == "org.earlyaccess.provenance"  # read back from this label

    generation = published.generation
    provenance = manifest["provenance"]
    assert provenance["generation_id"] == generation.public_id
    assert provenance["model"] == "sora-2-pro"
    assert provenance["rendition_kind"] == "published"
    assert provenance["forensic_id"] == published.forensic_id
    assert provenance["program"] == generation.program.slug
    approval = provenance["approval"]
    assert approval["share_request_id"] == "42"
    assert approval["approved_by"] == "rita"
    assert approval["approved_at"] == published.approved_at.isoformat()

    created = [a for a in manifest["actions"] if a["action"] == "c2pa.created"]
    assert created and created[0]["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA


def test_with_the_dev_root_as_trust_anchor_it_is_trusted(published_file, c2pa):
    manifest = read_manifest(published_file, trust_anchors_pem=c2pa.root_path.read_bytes())
    assert manifest["validation_state"] == "Trusted"


def test_a_preview_manifest_states_no_approval(
    tester, media_root, c2pa, eager_celery, django_capture_on_commit_callbacks, tmp_path
):
    generation = complete_with_video(
        GenerationFactory(tester=tester.user, program=tester.program), clip_bytes()
    )
    with django_capture_on_commit_callbacks(execute=True):
        preview = services.ensure_preview(generation=generation)
    preview.refresh_from_db()
    path = tmp_path / "preview.mp4"
    with default_storage.open(preview.storage_key) as stored:
        path.write_bytes(stored.read())
    provenance = read_manifest(path)["provenance"]
    assert provenance["rendition_kind"] == "preview"
    assert "approval" not in provenance


def test_an_altered_file_fails_validation(published_file, tmp_path):
    content = bytearray(published_file.read_bytes())
    content[-2000] ^= 0xFF  # one byte of the video data
    altered = tmp_path / "altered.mp4"
    altered.write_bytes(bytes(content))
    manifest = read_manifest(altered)
    assert manifest["validation_state"] == "Invalid"
    assert any("mismatch" in code for code in manifest["validation_codes"])


def test_an_unsigned_video_has_no_manifest(tmp_path):
    path = tmp_path / "plain.mp4"
    path.write_bytes(clip_bytes())
    assert read_manifest(path) is None


# --- the development certificate -----------------------------------------------------------


def test_make_dev_certificate_is_idempotent_and_renews_on_force(tmp_path, capsys):
    directory = tmp_path / "c2pa"
    call_command("make_dev_certificate", directory=directory)
    assert "Created" in capsys.readouterr().out
    chain = (directory / "chain.pem").read_bytes()
    call_command("make_dev_certificate", directory=directory)
    assert "Kept existing" in capsys.readouterr().out
    assert (directory / "chain.pem").read_bytes() == chain
    call_command("make_dev_certificate", directory=directory, force=True)
    assert (directory / "chain.pem").read_bytes() != chain
    assert oct((directory / "signer.key").stat().st_mode & 0o777) == "0o600"


def test_the_dev_chain_meets_c2pa_requirements(tmp_path):
    call_command("make_dev_certificate", directory=tmp_path)
    leaf, ca = x509.load_pem_x509_certificates((tmp_path / "chain.pem").read_bytes())
    constraints = leaf.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca is False
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature
    extended = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in extended and DOCUMENT_SIGNING in extended
    authority = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    subject = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert authority.key_identifier == subject.digest
    assert leaf.issuer == ca.subject
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True


def _settings_in_production(tmp_path, **extra) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path / "var"),
        "DEPLOYMENT": "production",
        "SECRET_KEY": "a-real-secret",
        "ENGINE_SECRET": "a-real-engine-secret",
        "LEAK_SCANNER_SECRET": "a-real-scanner-secret",
        "AUDIT_HMAC_KEY": "a-real-audit-key",
        # The rest of what production requires (tests/project/test_production_guard.py).
        "PORTAL_URL": "https://beta.example.org",
        "REDIS_URL": "redis://cache.internal:6379/1",
        "AUDIT_HEAD_EXPORT_DIR": str(tmp_path / "audit-heads"),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "ENGINE_URL": "https://engine.internal",
        "DJANGO_SETTINGS_MODULE": "accessprogram.settings",
        **extra,
    }
    for name in ("C2PA_CERT_CHAIN_PATH", "C2PA_PRIVATE_KEY_PATH"):
        if name not in extra:
            env.pop(name, None)
    code = "from django.conf import settings; print(settings.C2PA_CERT_CHAIN_PATH)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_a_real_signing_certificate(tmp_path):
    refused = _settings_in_production(tmp_path)
    assert refused.returncode != 0
    assert "C2PA_CERT_CHAIN_PATH" in refused.stderr
    accepted = _settings_in_production(
        tmp_path,
        C2PA_CERT_CHAIN_PATH="/etc/c2pa/chain.pem",
        C2PA_PRIVATE_KEY_PATH="/etc/c2pa/signer.key",
    )
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.strip() == "/etc/c2pa/chain.pem"


def test_a_bare_self_signed_certificate_fails_the_build_without_retrying(
    tester, media_root, settings, tmp_path, eager_celery, django_capture_on_commit_callbacks
):
    import datetime

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "just me")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "chain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.C2PA_CERT_CHAIN_PATH = str(tmp_path / "chain.pem")
    settings.C2PA_PRIVATE_KEY_PATH = str(tmp_path / "key.pem")
    generation = complete_with_video(
        GenerationFactory(tester=tester.user, program=tester.program), clip_bytes()
    )
    with django_capture_on_commit_callbacks(execute=True):
        preview = services.ensure_preview(generation=generation)
    preview.refresh_from_db()
    assert preview.status == "failed"
    assert "C2PA signing failed" in preview.error
    assert preview.attempts == 1  # a bad certificate stays bad: no retries
    assert preview.storage_key == ""
