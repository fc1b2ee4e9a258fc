"""The ``VC1:`` signed QR: CWT-style CBOR claims in a COSE_Sign1 with Ed25519, Base45-encoded.

Design: ``shared/domain/credentials.md`` §2.2 (modelled on the EU DCC ``HC1:`` format, without
zlib). Built directly on ``cbor2`` and ``cryptography``: pycose is broken with cbor2 ≥ 6 (§3).

- protected header ``{1: -8 (EdDSA), 4: kid}``; ``kid`` = the first 8 bytes of SHA-256(public key);
- payload ``{1: iss, 6: iat, -260: {short keys}}`` — no ``exp`` (a diploma does not expire) and
  never the ID number;
- signature over ``["Signature1", protected, b"", payload]``; message ``CBORTag(18, [...])``.

Private keys live only in files (``CREDENTIALS_KEY_DIR``, mode 0600), generated on first use.
Retired keys stay in the published key list so earlier certificates keep verifying.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .models import SigningKey

PREFIX = "VC1:"
ALG_EDDSA = -8
HDR_ALG = 1
HDR_KID = 4
CLAIM_ISS = 1
CLAIM_IAT = 6
CLAIM_CREDENTIAL = -260

#: Short keys of the private claim (kept short: every byte grows the QR).
CLAIM_KEYS = {
    "no": "number",
    "k": "kind",
    "n": "name",
    "g": "gender",
    "b": "birth_date",
    "sc": "school_code",
    "s": "school",
    "mc": "major_code",
    "m": "major",
    "l": "level",
    "y": "study_years",
    "e": "entry_date",
    "d": "graduation_date",
    "i": "issue_date",
}


class QRVerificationError(Exception):
    """A ``VC1:`` string that is not a valid signature of ours; ``message`` says why."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


MESSAGES = {
    "prefix": gettext_lazy("This is not one of our certificate codes: it must start with VC1:."),
    "encoding": gettext_lazy("The code is damaged: it is not valid Base45."),
    "structure": gettext_lazy("The code is damaged: it is not a signed certificate record."),
    "algorithm": gettext_lazy("The code uses a signature algorithm we do not issue."),
    "kid": gettext_lazy("The code was signed with a key that is not in our published key list."),
    "signature": gettext_lazy("The signature does not match: the code was altered or forged."),
}


def _fail(code: str):
    raise QRVerificationError(str(MESSAGES[code]), code)


# --- keys -----------------------------------------------------------------------------------------
def key_dir() -> Path:
    return Path(getattr(settings, "CREDENTIALS_KEY_DIR", settings.VAR_DIR / "keys"))


def issuer_id() -> str:
    return getattr(settings, "CREDENTIALS_ISSUER", "CN-37-EDU")


def kid_for(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).digest()[:8].hex()


def _public_raw(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _private_path(kid: str) -> Path:
    return key_dir() / f"{kid}.pem"


def _write_private(private: Ed25519PrivateKey, kid: str) -> None:
    directory = key_dir()
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = _private_path(kid)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)


_private_cache: dict[str, Ed25519PrivateKey] = {}


def load_private(kid: str) -> Ed25519PrivateKey:
    if kid in _private_cache:
        return _private_cache[kid]
    path = _private_path(kid)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RuntimeError(
            f"the private key for kid {kid} is missing from {key_dir()} (CREDENTIALS_KEY_DIR)"
        ) from None
    key = serialization.load_pem_private_key(data, password=None)
    if kid_for(_public_raw(key)) != kid:
        raise RuntimeError(f"{path} does not hold the key {kid}")
    _private_cache[kid] = key
    return key


def create_key() -> SigningKey:
    """A new key pair: the private half to a 0600 file, the public half to the table. Not yet active."""
    private = Ed25519PrivateKey.generate()
    raw = _public_raw(private)
    kid = kid_for(raw)
    _write_private(private, kid)
    return SigningKey.objects.create(kid=kid, public_key=raw.hex(), is_active=False)


def active_key() -> SigningKey:
    """The key that signs new certificates, generated on first use."""
    key = SigningKey.objects.filter(is_active=True).first()
    if key is not None:
        return key
    new = create_key()
    try:
        with transaction.atomic():
            SigningKey.objects.filter(pk=new.pk).update(is_active=True)
    except IntegrityError:
        # Another process activated its own first key at the same moment: use that one.
        return SigningKey.objects.get(is_active=True)
    new.is_active = True
    return new


@transaction.atomic
def rotate_key() -> SigningKey:
    """Retire the active key (it still verifies what it signed) and activate a new one."""
    new = create_key()
    SigningKey.objects.filter(is_active=True).update(is_active=False, retired_at=timezone.now())
    SigningKey.objects.filter(pk=new.pk).update(is_active=True)
    new.refresh_from_db()
    return new


def public_keys() -> dict[str, Ed25519PublicKey]:
    return {
        k.kid: Ed25519PublicKey.from_public_bytes(bytes.fromhex(k.public_key))
        for k in SigningKey.objects.all()
    }


def key_list() -> dict:
    """The published key list (JSON at /verify/keys.json)."""
    keys = []
    for k in SigningKey.objects.order_by("created_at", "id"):
        pub = Ed25519PublicKey.from_public_bytes(bytes.fromhex(k.public_key))
        keys.append(
            {
                "kid": k.kid,
                "alg": "EdDSA",
                "crv": "Ed25519",
                "x": base64url(bytes.fromhex(k.public_key)),
                "public_key_pem": pub.public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                ).decode(),
                "created": k.created_at.isoformat(),
                "retired": k.retired_at.isoformat() if k.retired_at else None,
                "active": k.is_active,
            }
        )
    return {"issuer": issuer_id(), "format": "VC1 (COSE_Sign1, Ed25519, Base45)", "keys": keys}


def pem_bundle() -> str:
    parts = []
    for item in key_list()["keys"]:
        parts.append(
            f"# kid {item['kid']}{' (retired)' if item['retired'] else ''}\n{item['public_key_pem']}"
        )
    return "".join(parts)


def base64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- claims ---------------------------------------------------------------------------------------
def certificate_claims(cert) -> dict:
    """The short-key record of a certificate (no ID number, credentials.md §2.2)."""

    def iso(value):
        return value.isoformat() if value else None

    values = {
        "no": cert.number,
        "k": cert.kind,
        "n": cert.holder_name,
        "g": cert.holder_gender,
        "b": iso(cert.holder_birth_date),
        "sc": cert.institution_code,
        "s": cert.institution_name,
        "mc": cert.major_code,
        "m": cert.major_name,
        "l": cert.level,
        "y": cert.study_years,
        "e": iso(cert.entry_date),
        "d": iso(cert.graduation_date),
        "i": iso(cert.issue_date),
    }
    return {k: v for k, v in values.items() if v not in (None, "")}


# --- sign / verify --------------------------------------------------------------------------------
def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def sign_claims(
    claims: dict, *, key: SigningKey | None = None, iat: int | None = None
) -> tuple[str, SigningKey]:
    """``VC1:`` + Base45(COSE_Sign1) of the claims, and the key used."""
    key = key or active_key()
    private = load_private(key.kid)
    protected = cbor2.dumps({HDR_ALG: ALG_EDDSA, HDR_KID: bytes.fromhex(key.kid)})
    payload = cbor2.dumps(
        {
            CLAIM_ISS: issuer_id(),
            CLAIM_IAT: int(iat if iat is not None else time.time()),
            CLAIM_CREDENTIAL: claims,
        }
    )
    signature = private.sign(_sig_structure(protected, payload))
    message = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))
    return PREFIX + base45.b45encode(message).decode("ascii"), key


@dataclass(frozen=True)
class VerifiedQR:
    kid: str
    issuer: str
    issued_at: int
    claims: dict
    key_retired: bool

    def as_dict(self) -> dict:
        return {
            "kid": self.kid,
            "issuer": self.issuer,
            "issued_at": self.issued_at,
            "claims": self.claims,
            "key_retired": self.key_retired,
        }


def verify_qr(text: str, *, keys: dict[str, Ed25519PublicKey] | None = None) -> VerifiedQR:
    """Check a scanned ``VC1:`` string against the key list; raises ``QRVerificationError``."""
    text = (text or "").strip()
    if not text.startswith(PREFIX):
        _fail("prefix")
    try:
        raw = base45.b45decode(text[len(PREFIX) :])
    except (ValueError, KeyError, TypeError):
        _fail("encoding")
    try:
        message = cbor2.loads(raw)
    except Exception:  # noqa: BLE001 - any decoding failure means a damaged code
        _fail("structure")
    if not isinstance(message, cbor2.CBORTag) or message.tag != 18:
        _fail("structure")
    parts = message.value
    if not isinstance(parts, (list, tuple)) or len(parts) != 4:
        _fail("structure")
    protected, _unprotected, payload, signature = parts
    if not all(isinstance(p, bytes) for p in (protected, payload, signature)):
        _fail("structure")
    try:
        header = cbor2.loads(protected)
    except Exception:  # noqa: BLE001
        _fail("structure")
    if not isinstance(header, dict) or header.get(HDR_ALG) != ALG_EDDSA:
        _fail("algorithm")
    kid_bytes = header.get(HDR_KID)
    if not isinstance(kid_bytes, bytes):
        _fail("kid")
    kid = kid_bytes.hex()
    keys = public_keys() if keys is None else keys
    public = keys.get(kid)
    if public is None:
        _fail("kid")
    try:
        public.verify(signature, _sig_structure(protected, payload))
    except InvalidSignature:
        _fail("signature")
    try:
        body = cbor2.loads(payload)
        claims = dict(body[CLAIM_CREDENTIAL])
        issuer, iat = body[CLAIM_ISS], int(body[CLAIM_IAT])
    except Exception:  # noqa: BLE001 - signed by us but unreadable: treat as damaged
        _fail("structure")
    retired = SigningKey.objects.filter(kid=kid, retired_at__isnull=False).exists()
    return VerifiedQR(kid=kid, issuer=issuer, issued_at=iat, claims=claims, key_retired=retired)


def claims_json(claims: dict) -> str:
    return json.dumps(claims, ensure_ascii=False, sort_keys=True)
