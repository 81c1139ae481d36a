"""Content credentials (C2PA): the signing certificate, signing a rendition, reading one back.

The signer needs a proper chain: an end-entity certificate (CA:FALSE, critical digitalSignature,
extended key usage emailProtection and document signing, key identifiers) issued by a CA. A
development chain is made by `make_dev_certificate`; production is given real files through
C2PA_CERT_CHAIN_PATH and C2PA_PRIVATE_KEY_PATH.
"""

import base64
import datetime
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

PROVENANCE_LABEL = "org.earlyaccess.provenance"
CLAIM_GENERATOR = "early-access-platform"
CLAIM_GENERATOR_VERSION = "1.0"
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
FORENSIC_ALG = "org.earlyaccess.forensic.dwt.v1"
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
CHAIN_FILE = "chain.pem"
KEY_FILE = "signer.key"
ROOT_FILE = "root.pem"


class CredentialsUnavailable(Exception):
    """No usable signing certificate or key."""


# --- Certificates --------------------------------------------------------------------------


@dataclass(frozen=True)
class DevCertificate:
    chain_path: Path
    key_path: Path
    root_path: Path
    created: bool


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Early access (development)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def create_dev_certificate(directory: Path, *, force: bool = False) -> DevCertificate:
    """A development CA and an end-entity signing certificate under `directory`.

    Idempotent: existing files are kept unless `force` renews them."""
    directory = Path(directory)
    paths = DevCertificate(
        chain_path=directory / CHAIN_FILE,
        key_path=directory / KEY_FILE,
        root_path=directory / ROOT_FILE,
        created=True,
    )
    if not force and all(p.exists() for p in (paths.chain_path, paths.key_path, paths.root_path)):
        return DevCertificate(paths.chain_path, paths.key_path, paths.root_path, created=False)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Early access development CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("Early access rendition signer"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    paths.chain_path.write_bytes(_pem(leaf) + _pem(ca))
    paths.root_path.write_bytes(_pem(ca))
    # The key is written readable by its owner only.
    fd = os.open(paths.key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_pem)
    return paths


@dataclass(frozen=True)
class SigningMaterial:
    chain_pem: bytes
    key_pem: bytes
    trust_anchors_pem: bytes | None


def load_signing_material(settings) -> SigningMaterial:
    chain_path = Path(settings.C2PA_CERT_CHAIN_PATH)
    key_path = Path(settings.C2PA_PRIVATE_KEY_PATH)
    try:
        chain_pem, key_pem = chain_path.read_bytes(), key_path.read_bytes()
    except OSError as error:
        raise CredentialsUnavailable(
            f"C2PA signing files missing ({error}); run `manage.py make_dev_certificate` "
            "or set C2PA_CERT_CHAIN_PATH and C2PA_PRIVATE_KEY_PATH."
        ) from error
    anchors = None
    if settings.C2PA_TRUST_ANCHORS_PATH:
        anchors_path = Path(settings.C2PA_TRUST_ANCHORS_PATH)
        anchors = anchors_path.read_bytes() if anchors_path.exists() else None
    return SigningMaterial(chain_pem=chain_pem, key_pem=key_pem, trust_anchors_pem=anchors)


# --- Manifests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ingredient:
    """A file the video was made from: the video remixed, edited or extended (`parentOf`), or
    an image or character clip the engine started from (`inputTo`)."""

    title: str
    relationship: str
    format: str  # MIME type
    path: Path


@dataclass(frozen=True)
class ManifestFacts:
    """What a rendition's manifest states about it."""

    generation_public_id: str
    model: str
    program: str
    rendition_kind: str
    forensic_id: int
    approval: dict | None = None  # {"share_request_id", "approved_by", "approved_at"}
    derived_from: dict | None = None  # {"kind": "remix" | "edit" | "extension", "video_id"}
    ingredients: tuple[Ingredient, ...] = ()


def manifest_definition(facts: ManifestFacts) -> dict:
    provenance = {
        "generation_id": facts.generation_public_id,
        "model": facts.model,
        "program": facts.program,
        "rendition_kind": facts.rendition_kind,
        "forensic_id": facts.forensic_id,
    }
    if facts.approval is not None:
        provenance["approval"] = facts.approval
    if facts.derived_from is not None:
        provenance["derived_from"] = facts.derived_from
    return {
        "claim_generator_info": [{"name": CLAIM_GENERATOR, "version": CLAIM_GENERATOR_VERSION}],
        "title": f"{facts.generation_public_id} ({facts.rendition_kind})",
        "format": "video/mp4",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                            "softwareAgent": {"name": facts.model},
                        },
                        {
                            "action": "c2pa.watermarked",
                            "parameters": {"description": "visible mark and forensic payload"},
                        },
                    ]
                },
            },
            {
                # Names the invisible forensic mark, so a reader knows the file carries one.
                "label": "c2pa.soft-binding",
                "data": {
                    "alg": FORENSIC_ALG,
                    "blocks": [
                        {
                            "scope": {},
                            "value": base64.b64encode(
                                facts.forensic_id.to_bytes(4, "big")
                            ).decode(),
                        }
                    ],
                },
            },
            {"label": PROVENANCE_LABEL, "data": provenance},
        ],
    }


def sign_video(*, source: Path, destination: Path, facts: ManifestFacts, material) -> str:
    """Sign the MP4 at `source` into `destination`; returns the manifest label."""
    info = c2pa.C2paSignerInfo(
        c2pa.C2paSigningAlg.ES256, material.chain_pem, material.key_pem, None
    )
    try:
        with (
            c2pa.Signer.from_info(info) as signer,
            c2pa.Builder.from_json(json.dumps(manifest_definition(facts))) as builder,
            open(source, "rb") as src,
            open(destination, "w+b") as dst,
        ):
            for ingredient in facts.ingredients:
                definition = {"title": ingredient.title, "relationship": ingredient.relationship}
                with open(ingredient.path, "rb") as stream:
                    builder.add_ingredient(definition, ingredient.format, stream)
            store = builder.sign(signer, "video/mp4", src, dst)
        # The label from the manifest store sign() returns (a few kB): reading it back from
        # the signed file would hash the whole video again.
        with c2pa.Reader("application/c2pa", io.BytesIO(store)) as reader:
            return json.loads(reader.json())["active_manifest"]
    except c2pa.C2paError as error:
        raise CredentialsUnavailable(f"C2PA signing failed: {error}") from error


def read_manifest(path, *, trust_anchors_pem: bytes | None = None) -> dict | None:
    """The active manifest of the MP4 at `path`, or None when it carries none.

    Returns {"label", "validation_state" (Valid, Trusted or Invalid), "validation_errors",
    "claim_generator", "provenance" (our assertion or None), "actions"}."""
    context = None
    if trust_anchors_pem:
        context = c2pa.Context.from_dict({"trust": {"trust_anchors": trust_anchors_pem.decode()}})
    try:
        with open(path, "rb") as stream:
            reader = c2pa.Reader("video/mp4", stream, context=context)
            with reader:
                store = json.loads(reader.json())
                state = reader.get_validation_state()
    except c2pa.C2paError:
        return None  # no manifest, or not a file the reader understands
    label = store.get("active_manifest")
    manifest = store.get("manifests", {}).get(label) if label else None
    if manifest is None:
        return None
    assertions = {item["label"]: item.get("data") for item in manifest.get("assertions", [])}
    generator = manifest.get("claim_generator_info") or [{}]
    # Failures and notes such as signingCredential.untrusted (no trust anchor given).
    codes = [item.get("code") for item in store.get("validation_status") or [] if item.get("code")]
    actions = next(
        (data for name, data in assertions.items() if name.startswith("c2pa.actions")), None
    )
    return {
        "label": label,
        "validation_state": state,
        "validation_codes": codes,
        "claim_generator": generator[0].get("name"),
        "claim_generator_version": generator[0].get("version"),
        "provenance": assertions.get(PROVENANCE_LABEL),
        "actions": (actions or {}).get("actions", []),
        "ingredients": [
            {"title": item.get("title"), "relationship": item.get("relationship")}
            for item in manifest.get("ingredients") or []
        ],
        "signature_issuer": (manifest.get("signature_info") or {}).get("issuer"),
    }
