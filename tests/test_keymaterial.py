"""Unit tests for ec2sim.keymaterial (no server needed)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from typing import NamedTuple

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ec2sim.keymaterial import GeneratedKey, generate_key_pair, import_public_key


def _sha1_pkcs8_hex(key: rsa.RSAPrivateKey) -> str:
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return ":".join(f"{b:02x}" for b in hashlib.sha1(der).digest())


def _md5_spki_hex(key: rsa.RSAPublicKey) -> str:
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return ":".join(f"{b:02x}" for b in hashlib.md5(der).digest())


def _openssh_blob(line: str) -> bytes:
    return base64.b64decode(line.split()[1])


def _read_strings(blob: bytes) -> list[bytes]:
    out: list[bytes] = []
    pos = 0
    while pos < len(blob):
        (n,) = struct.unpack(">I", blob[pos : pos + 4])
        out.append(blob[pos + 4 : pos + 4 + n])
        pos += 4 + n
    assert pos == len(blob)
    return out


class Ppk(NamedTuple):
    lines: list[str]
    public_blob: bytes
    private_blob: bytes


def _parse_ppk(text: str) -> Ppk:
    """Parse a PPK v2 file and check its Private-MAC independently of the module under test."""
    lines = text.split("\n")
    assert lines[-1] == ""  # trailing newline
    algorithm = lines[0].removeprefix("PuTTY-User-Key-File-2: ")
    encryption = lines[1].removeprefix("Encryption: ")
    comment = lines[2].removeprefix("Comment: ")
    n_pub = int(lines[3].removeprefix("Public-Lines: "))
    public_blob = base64.b64decode("".join(lines[4 : 4 + n_pub]))
    n_priv = int(lines[4 + n_pub].removeprefix("Private-Lines: "))
    private_lines = lines[5 + n_pub : 5 + n_pub + n_priv]
    private_blob = base64.b64decode("".join(private_lines))
    mac_line = lines[5 + n_pub + n_priv]
    assert mac_line.startswith("Private-MAC: ")
    assert all(len(line) <= 64 for line in lines[4 : 4 + n_pub] + private_lines)

    mac_key = hashlib.sha1(b"putty-private-key-file-mac-key").digest()
    mac_data = b""
    for field in (algorithm.encode(), encryption.encode(), comment.encode(), public_blob, private_blob):
        mac_data += struct.pack(">I", len(field)) + field
    assert mac_line.removeprefix("Private-MAC: ") == hmac.new(mac_key, mac_data, hashlib.sha1).hexdigest()
    return Ppk(lines, public_blob, private_blob)


@pytest.fixture(scope="module")
def rsa_pem() -> GeneratedKey:
    return generate_key_pair("rsa", "pem")


@pytest.fixture(scope="module")
def rsa_private(rsa_pem: GeneratedKey) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(rsa_pem.private_key.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


# ------------------------------------------------------------------------------------ CreateKeyPair


def test_rsa_pem_is_pkcs1_and_loads(rsa_pem: GeneratedKey, rsa_private: rsa.RSAPrivateKey) -> None:
    assert rsa_pem.private_key.startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    assert rsa_pem.private_key.rstrip().endswith("-----END RSA PRIVATE KEY-----")
    assert rsa_private.key_size == 2048
    expected_public = rsa_private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert rsa_pem.public_key_openssh == expected_public.decode()
    assert rsa_pem.public_key_openssh.startswith("ssh-rsa AAAA")
    assert len(rsa_pem.public_key_openssh.split()) == 2


def test_rsa_created_fingerprint_is_sha1_of_pkcs8_der(
    rsa_pem: GeneratedKey, rsa_private: rsa.RSAPrivateKey
) -> None:
    assert rsa_pem.fingerprint == _sha1_pkcs8_hex(rsa_private)
    assert len(rsa_pem.fingerprint) == 59


def test_ed25519_pem_is_openssh_format_and_loads() -> None:
    generated = generate_key_pair("ed25519", "pem")
    assert generated.private_key.startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    key = serialization.load_ssh_private_key(generated.private_key.encode(), password=None)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    public_line = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert generated.public_key_openssh == public_line.decode()
    digest = hashlib.sha256(_openssh_blob(generated.public_key_openssh)).digest()
    assert generated.fingerprint == base64.b64encode(digest).decode()
    assert len(generated.fingerprint) == 44 and generated.fingerprint.endswith("=")


def test_rsa_ppk_v2() -> None:
    generated = generate_key_pair("rsa", "ppk", comment="my-key")
    ppk = _parse_ppk(generated.private_key)
    assert ppk.lines[:3] == ["PuTTY-User-Key-File-2: ssh-rsa", "Encryption: none", "Comment: my-key"]
    assert ppk.public_blob == _openssh_blob(generated.public_key_openssh)

    _, e_bytes, n_bytes = _read_strings(ppk.public_blob)
    d, p, q, iqmp = (int.from_bytes(s, "big") for s in _read_strings(ppk.private_blob))
    e, n = int.from_bytes(e_bytes, "big"), int.from_bytes(n_bytes, "big")
    assert p * q == n and (q * iqmp) % p == 1
    numbers = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), iqmp, rsa.RSAPublicNumbers(e, n))
    assert generated.fingerprint == _sha1_pkcs8_hex(numbers.private_key())


def test_ed25519_ppk_v2() -> None:
    generated = generate_key_pair("ed25519", "ppk")
    ppk = _parse_ppk(generated.private_key)
    assert ppk.lines[:3] == ["PuTTY-User-Key-File-2: ssh-ed25519", "Encryption: none", "Comment: "]
    assert ppk.public_blob == _openssh_blob(generated.public_key_openssh)
    (seed,) = _read_strings(ppk.private_blob)
    assert len(seed) == 32
    rebuilt = ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key()
    line = rebuilt.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    assert line.decode() == generated.public_key_openssh


@pytest.mark.parametrize(("key_type", "key_format"), [("dsa", "pem"), ("rsa", "der"), ("RSA", "pem")])
def test_generate_rejects_unknown_type_or_format(key_type: str, key_format: str) -> None:
    with pytest.raises(ValueError):
        generate_key_pair(key_type, key_format)


# ------------------------------------------------------------------------------------ ImportKeyPair


def test_import_openssh_rsa(rsa_pem: GeneratedKey, rsa_private: rsa.RSAPrivateKey) -> None:
    imported = import_public_key(rsa_pem.public_key_openssh.encode() + b" alice@example\n")
    assert imported.key_type == "rsa"
    assert imported.public_key_openssh == rsa_pem.public_key_openssh  # comment dropped
    assert imported.fingerprint == _md5_spki_hex(rsa_private.public_key())
    assert len(imported.fingerprint) == 47
    assert imported.fingerprint != rsa_pem.fingerprint  # created vs imported RSA differ


def test_import_openssh_ed25519() -> None:
    generated = generate_key_pair("ed25519")
    imported = import_public_key(generated.public_key_openssh.encode() + b" bob@example")
    assert imported.key_type == "ed25519"
    assert imported.public_key_openssh == generated.public_key_openssh
    assert imported.fingerprint == generated.fingerprint


def test_import_rfc4716(rsa_pem: GeneratedKey, rsa_private: rsa.RSAPrivateKey) -> None:
    body = rsa_pem.public_key_openssh.split()[1]
    text = "\n".join(
        [
            "---- BEGIN SSH2 PUBLIC KEY ----",
            'Comment: "2048-bit RSA, converted \\',
            'from OpenSSH"',
            "x-Private: yes",
            *(body[i : i + 70] for i in range(0, len(body), 70)),
            "---- END SSH2 PUBLIC KEY ----",
            "",
        ]
    )
    imported = import_public_key(text.encode())
    assert imported.key_type == "rsa"
    assert imported.fingerprint == _md5_spki_hex(rsa_private.public_key())
    assert imported.public_key_openssh == rsa_pem.public_key_openssh


@pytest.mark.parametrize("form", ["spki_pem", "pkcs1_pem", "spki_der_base64", "pkcs1_der_base64", "spki_der"])
def test_import_pem_and_der(form: str, rsa_pem: GeneratedKey, rsa_private: rsa.RSAPrivateKey) -> None:
    public = rsa_private.public_key()
    encoding = serialization.Encoding.PEM if form.endswith("pem") else serialization.Encoding.DER
    fmt = (
        serialization.PublicFormat.PKCS1
        if form.startswith("pkcs1")
        else serialization.PublicFormat.SubjectPublicKeyInfo
    )
    material = public.public_bytes(encoding, fmt)
    if form.endswith("base64"):
        material = base64.encodebytes(material)  # wrapped with newlines
    imported = import_public_key(material)
    assert imported.key_type == "rsa"
    assert imported.fingerprint == _md5_spki_hex(public)
    assert imported.public_key_openssh == rsa_pem.public_key_openssh


def _rsa_public_of_bits(bits: int) -> rsa.RSAPublicKey:
    """An RSA public key with an exact modulus length (no slow generation needed)."""
    return rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) | 0xFFFF).public_key()


def _openssh(key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)


@pytest.mark.parametrize("bits", [1024, 4096])
def test_import_accepts_supported_rsa_lengths(bits: int) -> None:
    assert import_public_key(_openssh(_rsa_public_of_bits(bits))).key_type == "rsa"


@pytest.mark.parametrize("bits", [512, 1536, 3072])
def test_import_rejects_other_rsa_lengths(bits: int) -> None:
    with pytest.raises(ValueError, match="length"):
        import_public_key(_openssh(_rsa_public_of_bits(bits)))


def test_import_rejects_ecdsa() -> None:
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(ValueError):
        import_public_key(_openssh(public))
    with pytest.raises(ValueError):
        import_public_key(
            public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )


def test_import_rejects_ed25519_outside_openssh_format() -> None:
    public = ed25519.Ed25519PrivateKey.generate().public_key()
    with pytest.raises(ValueError):
        import_public_key(
            public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )


@pytest.mark.parametrize(
    "material",
    [
        b"",
        b"   \n",
        b"not a key",
        b"\x00\xff\x10garbage",
        b"ssh-rsa",
        b"ssh-rsa !!!notbase64!!!",
        b"ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIPM5fZssHS2F5K7Eg6rers/I+z0/ErOCz54Y+YdJFQRW",  # ed25519 blob
        b"ssh-dss AAAAB3NzaC1kc3MAAACBAP",
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        b"---- BEGIN SSH2 PUBLIC KEY ----\nAAAAB3NzaC1yc2E=\n",
    ],
)
def test_import_rejects_garbage(material: bytes) -> None:
    with pytest.raises(ValueError):
        import_public_key(material)
