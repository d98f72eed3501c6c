"""Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite (W3C VC Data Integrity EdDSA
Cryptosuites v1.0, §3.3), over the platform's Ed25519 key. Pure functions, no database, no clock.

The algorithm, as the cryptosuite states it:
- the proof configuration is the proof's options without `proofValue`, with the document's
  `@context`; the document is the credential without `proof`;
- both are canonicalised with JCS (RFC 8785, `chengxin.signing.canonical_json`: our documents
  hold only strings, integers, lists and objects with ASCII keys, where Python's sorted compact
  JSON is exactly JCS) and hashed with SHA-256;
- the signed bytes are SHA-256(proof configuration) followed by SHA-256(document), 64 bytes;
- `proofValue` is the 64-byte Ed25519 signature in multibase base58btc (`z` + base58, Bitcoin
  alphabet).

`verificationMethod` is `<platform>/api/v1/signing-keys#<key id>`: the fragment is the key id under
which `GET /api/v1/signing-keys` publishes the key, so a verifier holding that document finds it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from chengxin.signing import PublicKeys, Signer, canonical_json

CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
PROOF_PURPOSE = "assertionMethod"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}


def b58encode(raw: bytes) -> str:
    """Base58 (Bitcoin alphabet): leading zero bytes become leading '1's."""
    n = int.from_bytes(raw, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_B58[r])
    pad = len(raw) - len(raw.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str) -> bytes | None:
    """The bytes of a base58 string, or None when it holds a character outside the alphabet."""
    n = 0
    for c in text:
        digit = _B58_INDEX.get(c)
        if digit is None:
            return None
        n = n * 58 + digit
    pad = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * pad + body


def multibase(raw: bytes) -> str:
    return "z" + b58encode(raw)


def from_multibase(text: Any) -> bytes | None:
    if not isinstance(text, str) or not text.startswith("z") or len(text) > 200:
        return None
    return b58decode(text[1:])


def hash_data(unsecured: Mapping[str, Any], config: Mapping[str, Any]) -> bytes:
    """SHA-256(JCS(proof configuration)) + SHA-256(JCS(document)): the 64 bytes that are signed."""
    return hashlib.sha256(canonical_json(config)).digest() + hashlib.sha256(canonical_json(unsecured)).digest()


def secure(unsecured: dict[str, Any], signer: Signer, *, verification_method: str, created: str) -> dict[str, Any]:
    """The credential with its proof added (the cryptosuite's "Add Proof")."""
    options: dict[str, Any] = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE, "created": created,
                               "verificationMethod": verification_method, "proofPurpose": PROOF_PURPOSE}
    if "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    signature = signer.sign(hash_data(unsecured, options))
    return {**unsecured, "proof": {**options, "proofValue": multibase(signature)}}


def key_id_of_method(method: Any) -> str | None:
    """The published key id a verification method names (its fragment)."""
    if not isinstance(method, str) or "#" not in method:
        return None
    return method.rsplit("#", 1)[1] or None


def check(doc: Any, keys: PublicKeys) -> tuple[str | None, str | None]:
    """(problem code or None, key id) for a secured document: its proof is a well-formed
    `eddsa-jcs-2022` proof by a published key over exactly this document."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("proof"), Mapping):
        return "CREDENTIAL_NO_PROOF", None
    proof = doc["proof"]
    if (proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE
            or proof.get("proofPurpose") != PROOF_PURPOSE):
        return "CREDENTIAL_PROOF_UNSUPPORTED", None
    key_id = key_id_of_method(proof.get("verificationMethod"))
    if key_id is None or key_id not in keys:
        return "CREDENTIAL_KEY_UNKNOWN", key_id
    signature = from_multibase(proof.get("proofValue"))
    if signature is None or len(signature) != 64:
        return "CREDENTIAL_SIGNATURE_INVALID", key_id
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:  # the document's context must begin with the proof's (§3.3.2)
        context = unsecured.get("@context")
        wanted = options["@context"] if isinstance(options["@context"], list) else [options["@context"]]
        if not isinstance(context, list) or context[:len(wanted)] != wanted:
            return "CREDENTIAL_SIGNATURE_INVALID", key_id
        unsecured["@context"] = options["@context"]
    elif "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    try:
        message = hash_data(unsecured, options)
    except (TypeError, ValueError):  # a value JSON cannot hold as signed (NaN, …): not what we signed
        return "CREDENTIAL_SIGNATURE_INVALID", key_id
    if not keys.verify(key_id, message, signature):
        return "CREDENTIAL_SIGNATURE_INVALID", key_id
    return None, key_id
