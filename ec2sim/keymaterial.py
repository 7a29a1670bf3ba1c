"""EC2 key pair material: generation, PuTTY (PPK v2) encoding, import parsing, fingerprints.

Pure functions mirroring what EC2 CreateKeyPair and ImportKeyPair return:

* created RSA: PKCS#1 "BEGIN RSA PRIVATE KEY" PEM; fingerprint = SHA-1 of the DER PKCS#8
  private key as colon-separated hex;
* created ED25519: OpenSSH private key format;
* imported RSA: fingerprint = MD5 of the DER SubjectPublicKeyInfo as colon-separated hex;
* ED25519 (created or imported): fingerprint = padded base64 of SHA-256 of the SSH key blob.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

# cryptography is imported by the functions that use it: only key pair requests need it, and
# importing it costs the server's start-up tens of milliseconds.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    _PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

KEY_TYPES = ("rsa", "ed25519")
KEY_FORMATS = ("pem", "ppk")
RSA_KEY_SIZE = 2048
IMPORT_RSA_KEY_SIZES = frozenset({1024, 2048, 4096})

_SSH_ALGORITHMS = ("ssh-rsa", "ssh-ed25519")
_PPK_MAC_KEY = hashlib.sha1(b"putty-private-key-file-mac-key").digest()  # + empty passphrase
_RFC4716_BEGIN = "---- BEGIN SSH2 PUBLIC KEY ----"
_RFC4716_END = "---- END SSH2 PUBLIC KEY ----"


@dataclass(frozen=True)
class GeneratedKey:
    """Result of CreateKeyPair: the KeyMaterial, its fingerprint and the public key."""

    private_key: str
    fingerprint: str
    public_key_openssh: str


@dataclass(frozen=True)
class ImportedKey:
    """Result of ImportKeyPair: key type ("rsa" or "ed25519"), fingerprint, public key."""

    key_type: str
    fingerprint: str
    public_key_openssh: str


def _colon_hex(digest: bytes) -> str:
    return ":".join(f"{byte:02x}" for byte in digest)


def rsa_created_fingerprint(private_key: rsa.RSAPrivateKey) -> str:
    """SHA-1 of the DER PKCS#8 private key, colon-separated lowercase hex (59 chars)."""
    from cryptography.hazmat.primitives import serialization

    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _colon_hex(hashlib.sha1(der).digest())


def rsa_imported_fingerprint(public_key: rsa.RSAPublicKey) -> str:
    """MD5 of the DER SubjectPublicKeyInfo, colon-separated lowercase hex (47 chars)."""
    from cryptography.hazmat.primitives import serialization

    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return _colon_hex(hashlib.md5(der).digest())


def ed25519_fingerprint(public_key: ed25519.Ed25519PublicKey) -> str:
    """Standard base64 of SHA-256 of the SSH public key blob: '=' padding kept, no "SHA256:" prefix."""
    return base64.b64encode(hashlib.sha256(_ssh_blob(public_key)).digest()).decode("ascii")


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _ssh_mpint(value: int) -> bytes:
    """RFC 4251 mpint of a non-negative int: big-endian, a leading zero byte iff the top bit is set."""
    return _ssh_string(value.to_bytes((value.bit_length() + 8) // 8 if value else 0, "big"))


def _openssh_line(public_key: _PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    line = public_key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return line.decode("ascii")


def _ssh_blob(public_key: _PublicKey) -> bytes:
    return base64.b64decode(_openssh_line(public_key).split()[1])


def _blob_algorithm(blob: bytes) -> str:
    (length,) = struct.unpack(">I", blob[:4])  # struct.error if truncated
    if length > len(blob) - 4:
        raise ValueError("truncated SSH public key blob")
    return blob[4 : 4 + length].decode("ascii", errors="replace")


def _ppk_v2(algorithm: str, public_blob: bytes, private_blob: bytes, comment: str) -> str:
    """An unencrypted PuTTY-User-Key-File-2 (HMAC-SHA-1 Private-MAC, base64 wrapped at 64 chars)."""
    encryption = "none"
    fields = (algorithm.encode(), encryption.encode(), comment.encode(), public_blob, private_blob)
    mac = hmac.new(_PPK_MAC_KEY, b"".join(_ssh_string(f) for f in fields), hashlib.sha1).hexdigest()

    def wrap(data: bytes) -> list[str]:
        encoded = base64.b64encode(data).decode("ascii")
        return [encoded[i : i + 64] for i in range(0, len(encoded), 64)]

    public_lines, private_lines = wrap(public_blob), wrap(private_blob)
    lines = [
        f"PuTTY-User-Key-File-2: {algorithm}",
        f"Encryption: {encryption}",
        f"Comment: {comment}",
        f"Public-Lines: {len(public_lines)}",
        *public_lines,
        f"Private-Lines: {len(private_lines)}",
        *private_lines,
        f"Private-MAC: {mac}",
    ]
    return "\n".join(lines) + "\n"


def generate_key_pair(key_type: str = "rsa", key_format: str = "pem", *, comment: str = "") -> GeneratedKey:
    """Create a key pair as EC2 CreateKeyPair does; ``comment`` only fills the PPK ``Comment:`` header."""
    if key_type not in KEY_TYPES:
        raise ValueError(f"unsupported key type: {key_type!r}")
    if key_format not in KEY_FORMATS:
        raise ValueError(f"unsupported key format: {key_format!r}")

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    no_encryption = serialization.NoEncryption()
    public_key: _PublicKey
    if key_type == "rsa":
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)
        public_key = rsa_key.public_key()
        fingerprint = rsa_created_fingerprint(rsa_key)
        if key_format == "pem":
            pem = rsa_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, no_encryption
            )
            material = pem.decode("ascii")
        else:
            n = rsa_key.private_numbers()
            private_blob = b"".join(_ssh_mpint(v) for v in (n.d, n.p, n.q, n.iqmp))  # iqmp = q^-1 mod p
            material = _ppk_v2("ssh-rsa", _ssh_blob(public_key), private_blob, comment)
    else:
        ed_key = ed25519.Ed25519PrivateKey.generate()
        ed_public = ed_key.public_key()
        public_key = ed_public
        fingerprint = ed25519_fingerprint(ed_public)
        if key_format == "pem":
            pem = ed_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, no_encryption
            )
            material = pem.decode("ascii")
        else:
            seed = ed_key.private_bytes(
                serialization.Encoding.Raw, serialization.PrivateFormat.Raw, no_encryption
            )
            material = _ppk_v2("ssh-ed25519", _ssh_blob(public_key), _ssh_string(seed), comment)

    return GeneratedKey(material, fingerprint, _openssh_line(public_key))


def _load(loader: Callable[[bytes], object], data: bytes, form: str) -> _PublicKey:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    try:
        key = loader(data)
    except (ValueError, UnsupportedAlgorithm) as exc:  # cryptography's messages are long
        raise ValueError(f"invalid {form} public key") from exc
    if not isinstance(key, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
        raise ValueError("unsupported key type")
    return key


def _load_ssh_blob(blob: bytes, expected_algorithm: str | None = None) -> _PublicKey:
    algorithm = _blob_algorithm(blob)
    if algorithm not in _SSH_ALGORITHMS:
        raise ValueError(f"unsupported key type: {algorithm}")
    if expected_algorithm is not None and algorithm != expected_algorithm:
        raise ValueError("key type does not match key data")
    from cryptography.hazmat.primitives import serialization

    line = f"{algorithm} {base64.b64encode(blob).decode('ascii')}"
    return _load(serialization.load_ssh_public_key, line.encode("ascii"), "SSH")


def _parse_openssh(text: str) -> _PublicKey:
    fields = text.split()
    if fields[0] not in _SSH_ALGORITHMS:
        raise ValueError(f"unsupported key type: {fields[0]}")
    if len(fields) < 2:
        raise ValueError("missing key data")
    return _load_ssh_blob(base64.b64decode(fields[1], validate=True), fields[0])


def _parse_rfc4716(text: str) -> _PublicKey:
    lines = [line.strip() for line in text.splitlines()]
    if _RFC4716_END not in lines:
        raise ValueError("missing SSH2 public key end marker")
    body: list[str] = []
    continued = False
    for line in lines[1 : lines.index(_RFC4716_END)]:
        if continued or ":" in line:  # a header ("Tag: value"); a trailing '\' continues it
            continued = line.endswith("\\")
        else:
            body.append(line)
    return _load_ssh_blob(base64.b64decode("".join(body), validate=True))


def _parse_public_key(data: bytes) -> tuple[_PublicKey, bool]:
    """Return the key and whether it was given in OpenSSH public key format."""
    from cryptography.hazmat.primitives import serialization

    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:  # raw DER: an RSA SubjectPublicKeyInfo is never pure ASCII
        return _load(serialization.load_der_public_key, data, "DER"), False
    if text.startswith(_RFC4716_BEGIN):
        return _parse_rfc4716(text), False
    if text.startswith("-----BEGIN"):
        return _load(serialization.load_pem_public_key, data, "PEM"), False
    if text.startswith(("ssh-", "ecdsa-", "sk-")):
        return _parse_openssh(text), True
    der = base64.b64decode("".join(text.split()), validate=True)
    return _load(serialization.load_der_public_key, der, "DER"), False


def import_public_key(material: bytes | str) -> ImportedKey:
    """Parse public key material as EC2 ImportKeyPair does and fingerprint it.

    Accepts the OpenSSH format ("ssh-rsa AAAA... comment", "ssh-ed25519 ...") and, for RSA only,
    PEM, base64-encoded (or raw) DER, and RFC 4716 SSH2 public keys. Raises ValueError for anything
    unparseable, an unsupported key type, or an RSA key not 1024, 2048 or 4096 bits long.
    """
    from cryptography.hazmat.primitives.asymmetric import rsa

    data = (material.encode("utf-8") if isinstance(material, str) else bytes(material)).strip()
    if not data:
        raise ValueError("empty public key material")
    try:
        key, openssh_format = _parse_public_key(data)
    except (binascii.Error, struct.error) as exc:
        raise ValueError("invalid public key material") from exc

    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size not in IMPORT_RSA_KEY_SIZES:
            raise ValueError(f"unsupported RSA key length: {key.key_size}")
        return ImportedKey("rsa", rsa_imported_fingerprint(key), _openssh_line(key))
    if not openssh_format:
        raise ValueError("ED25519 public keys must be in OpenSSH format")
    return ImportedKey("ed25519", ed25519_fingerprint(key), _openssh_line(key))
