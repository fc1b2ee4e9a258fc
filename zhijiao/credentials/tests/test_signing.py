import os
import stat

import base45
import cbor2
import pytest

from zhijiao.credentials import signing
from zhijiao.credentials.models import SigningKey

pytestmark = pytest.mark.django_db

CLAIMS = {"no": "370000126000121", "n": "欧阳䶮𫖯𪚥", "s": "济南第一职业中专", "d": "2026-06-30"}


def test_first_use_generates_a_key_file_with_0600(key_dir):
    text, key = signing.sign_claims(CLAIMS)
    assert text.startswith("VC1:")
    path = key_dir / f"{key.kid}.pem"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert SigningKey.objects.count() == 1
    # The table holds only the public half.
    assert "PRIVATE" not in key.public_key and len(key.public_key) == 64
    assert key.kid == signing.kid_for(bytes.fromhex(key.public_key))


def test_round_trip_keeps_rare_characters():
    text, key = signing.sign_claims(CLAIMS)
    verified = signing.verify_qr(text)
    assert verified.claims == CLAIMS
    assert verified.kid == key.kid
    assert verified.issuer == signing.issuer_id()


def test_cose_structure():
    text, key = signing.sign_claims(CLAIMS)
    message = cbor2.loads(base45.b45decode(text[4:]))
    assert message.tag == 18
    protected, unprotected, payload, signature = message.value
    assert cbor2.loads(protected) == {1: -8, 4: bytes.fromhex(key.kid)}
    assert len(signature) == 64
    body = cbor2.loads(payload)
    assert set(body) == {1, 6, -260}
    assert 4 not in body  # no exp: a diploma does not expire


@pytest.mark.parametrize("position", [10, 50, 120, -5])
def test_any_changed_character_is_rejected(position):
    text, _ = signing.sign_claims(CLAIMS)
    chars = list(text)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    i = position if position >= 0 else len(chars) + position
    chars[i] = alphabet[(alphabet.index(chars[i]) + 1) % len(alphabet)]
    with pytest.raises(signing.QRVerificationError) as exc:
        signing.verify_qr("".join(chars))
    assert exc.value.code in {"signature", "structure", "encoding", "kid", "algorithm"}


def test_every_byte_of_the_payload_is_covered():
    text, _ = signing.sign_claims(CLAIMS)
    raw = bytearray(base45.b45decode(text[4:]))
    rejected = 0
    for i in range(len(raw)):
        tampered = bytearray(raw)
        tampered[i] ^= 0x01
        try:
            signing.verify_qr("VC1:" + base45.b45encode(bytes(tampered)).decode())
        except signing.QRVerificationError:
            rejected += 1
    assert rejected == len(raw)


def test_wrong_prefix_and_unknown_kid():
    text, _ = signing.sign_claims(CLAIMS)
    with pytest.raises(signing.QRVerificationError) as exc:
        signing.verify_qr("HC1:" + text[4:])
    assert exc.value.code == "prefix"
    message = cbor2.loads(base45.b45decode(text[4:]))
    protected = cbor2.dumps({1: -8, 4: b"\x00" * 8})
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, message.value[2], message.value[3]]))
    with pytest.raises(signing.QRVerificationError) as exc:
        signing.verify_qr("VC1:" + base45.b45encode(forged).decode())
    assert exc.value.code == "kid"


def test_a_foreign_key_is_rejected():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    text, key = signing.sign_claims(CLAIMS)
    message = cbor2.loads(base45.b45decode(text[4:]))
    protected, _, payload, _sig = message.value
    forger = Ed25519PrivateKey.generate()
    sig = forger.sign(cbor2.dumps(["Signature1", protected, b"", payload]))
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, sig]))
    with pytest.raises(signing.QRVerificationError) as exc:
        signing.verify_qr("VC1:" + base45.b45encode(forged).decode())
    assert exc.value.code == "signature"


def test_rotation_keeps_old_signatures_valid():
    old_text, old_key = signing.sign_claims(CLAIMS)
    new_key = signing.rotate_key()
    assert new_key.kid != old_key.kid
    new_text, used = signing.sign_claims(CLAIMS)
    assert used.kid == new_key.kid
    old = signing.verify_qr(old_text)
    assert old.kid == old_key.kid and old.key_retired
    assert not signing.verify_qr(new_text).key_retired
    listed = {k["kid"]: k for k in signing.key_list()["keys"]}
    assert listed[old_key.kid]["retired"] and listed[new_key.kid]["active"]
    assert signing.pem_bundle().count("BEGIN PUBLIC KEY") == 2
    assert "PRIVATE" not in signing.pem_bundle()


def test_missing_private_key_file_is_a_clear_error(key_dir):
    _, key = signing.sign_claims(CLAIMS)
    (key_dir / f"{key.kid}.pem").unlink()
    signing._private_cache.clear()
    with pytest.raises(RuntimeError, match="CREDENTIALS_KEY_DIR"):
        signing.sign_claims(CLAIMS)
