"""The platform's electronic seal on reports: a PAdES signature made with pyHanko, so that a PDF reader
and `pyhanko sign validate` both check it against the platform's certificate.

A real deployment installs a certificate issued to the credit office by a lawful electronic
certification service (CHENGXIN_REPORT_CERTIFICATE, CHENGXIN_REPORT_PRIVATE_KEY and, for the
verification page, CHENGXIN_REPORT_TRUST_ROOT). Without them the platform issues itself a demo root
and a seal certificate once, into data_dir/report-signing/ (owner-only files), and throws the root's
private key away, so nothing else can ever be issued under that root. ECDSA P-256 with SHA-256: what
every PDF reader validates (an Ed25519 signature in a PDF is not yet widely understood).
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chengxin.errors import DomainError
from chengxin.settings import Settings

DEMO_DIR = "report-signing"
FIELD = "PlatformSeal"


@dataclass(frozen=True)
class Seal:
    """What signs reports: pyHanko's signer, the seal certificate's fingerprint and the trust root."""

    signer: object  # pyhanko.sign.signers.SimpleSigner
    fingerprint: str  # SHA-256 of the seal certificate (DER), hex
    subject: str
    trust_root_pem: bytes
    demo: bool

    def sign(self, pdf: bytes, *, reason: str, location: str) -> bytes:
        """The PDF with a PAdES baseline signature (an incremental update over the given bytes)."""
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = PdfSignatureMetadata(field_name=FIELD, subfilter=fields.SigSeedSubFilter.PADES, reason=reason,
                                    location=location, md_algorithm="sha256")
        out = signers.PdfSigner(meta, signer=self.signer).sign_pdf(writer)  # type: ignore[arg-type]
        return out.getvalue()


def _name(org: str, common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org[:64]),
                      x509.NameAttribute(NameOID.COMMON_NAME, common[:64])])


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def issue_demo(folder: Path, *, organisation: str, site_name: str, now: datetime | None = None) -> None:
    """A self-issued root and a seal certificate under it, written once (under a file lock)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = os.open(folder / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (folder / "seal.key").exists():
            return  # another process made it while we waited
        now = now or datetime.now(UTC)  # wall time: readers check the validity against their own clock
        root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = _name(organisation, f"{site_name}公共信用信息平台根证书（演示）")
        root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
                .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                               critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
                .sign(root_key, hashes.SHA256()))
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = (x509.CertificateBuilder().subject_name(_name(organisation, f"{site_name}公共信用信息报告签章（演示）"))
                .issuer_name(root_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3 * 365))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                               critical=True)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                               critical=False)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(root_key, hashes.SHA256()))
        pem = serialization.Encoding.PEM
        _write(folder / "root.pem", root.public_bytes(pem))
        _write(folder / "seal.pem", leaf.public_bytes(pem) + root.public_bytes(pem))  # the leaf, then its chain
        _write(folder / "seal.key", key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)


def load_seal(settings: Settings) -> Seal:
    """The configured seal, else the demo one (made on first use)."""
    demo = settings.report_certificate is None
    if demo:
        folder = settings.data_dir / DEMO_DIR
        if not (folder / "seal.key").exists():
            issue_demo(folder, organisation=settings.site_operator, site_name=settings.site_name)
        cert_path, key_path, root_path = folder / "seal.pem", folder / "seal.key", folder / "root.pem"
    else:
        cert_path = settings.report_certificate  # type: ignore[assignment]
        key_path = settings.report_private_key  # type: ignore[assignment]
        root_path = settings.report_trust_root  # type: ignore[assignment]
        if key_path is None:
            raise DomainError("CONFIG_REPORT_SEAL_INVALID", "已设置报告签章证书，但未设置其私钥 "
                              "CHENGXIN_REPORT_PRIVATE_KEY", 500)
    try:
        chain = list(x509.load_pem_x509_certificates(cert_path.read_bytes()))
        roots = list(x509.load_pem_x509_certificates(root_path.read_bytes())) if root_path else chain[-1:]
        private = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise DomainError("CONFIG_REPORT_SEAL_INVALID", f"无法读取报告签章证书或私钥（须为未加密的 PEM）：{exc}",
                          500) from exc
    signer = _signer(chain, roots, private)
    root_pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in roots)
    leaf = chain[0]
    subject = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return Seal(signer=signer, fingerprint=hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).hexdigest(),
                subject=str(subject[0].value) if subject else leaf.subject.rfc4514_string(),
                trust_root_pem=root_pem, demo=demo)


def _signer(chain: list[x509.Certificate], roots: list[x509.Certificate], private: object) -> object:
    """pyHanko's signer over the seal certificate (the first in its file), with its chain embedded."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = serialization.Encoding.DER
    unique = {c.fingerprint(hashes.SHA256()): c for c in [*chain, *roots]}  # the leaf stays first
    certs = [asn1_x509.Certificate.load(c.public_bytes(der)) for c in unique.values()]
    key = asn1_keys.PrivateKeyInfo.load(private.private_bytes(  # type: ignore[attr-defined]
        der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return signers.SimpleSigner(signing_cert=certs[0], signing_key=key,
                                cert_registry=SimpleCertificateStore.from_certs(certs[1:]))
