"""The instance identity document and its signatures.

AWS signs the document with a regional key and publishes the certificates; ec2sim
signs with one RSA-2048 key per server (per store), made on first use, whose
self-signed certificate the API port publishes at ``/_ec2sim/identity-certificate``.

- ``signature``: base64 of RSA PKCS#1 v1.5 over SHA-256 of the document bytes.
- ``rsa2048`` and ``pkcs7``: a detached PKCS#7 SignedData (RSA, SHA-256) of the
  document, base64 without PEM armour and without the certificate, as AWS serves
  them (verify with ``openssl smime -verify -content document -certfile cert``).
  AWS's ``pkcs7`` is a DSA signature; ec2sim uses its one RSA key for both.
"""

from __future__ import annotations

import base64
import threading
import weakref
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from ec2sim.metadata.credentials import imds_json, iso
from ec2sim.store import Store

# cryptography is imported where a key is made or used: importing it would cost start-up ~30 ms.
if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa

    from ec2sim.store.ec2.instances import Instance


def document(instance: Instance) -> str:
    return imds_json(
        {
            "accountId": instance.owner_id,
            "architecture": instance.architecture,
            "availabilityZone": instance.availability_zone,
            "billingProducts": None,
            "devpayProductCodes": None,
            "marketplaceProductCodes": None,
            "imageId": instance.image_id,
            "instanceId": instance.id,
            "instanceType": instance.instance_type,
            "kernelId": instance.kernel_id,
            "pendingTime": iso(instance.launch_time),
            "privateIp": instance.private_ip_address,
            "ramdiskId": instance.ramdisk_id,
            "region": instance.region,
            "version": "2017-09-30",
        }
    )


class Signer:
    """A key and self-signed certificate, made once, on first use (keeps startup instant)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._pair: tuple[rsa.RSAPrivateKey, x509.Certificate] | None = None

    def _keys(self) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        with self._mutex:
            if self._pair is None:
                self._pair = _new_pair()
            return self._pair

    def certificate_pem(self) -> str:
        from cryptography.hazmat.primitives import serialization

        return self._keys()[1].public_bytes(serialization.Encoding.PEM).decode()

    def signature(self, text: str) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        key = self._keys()[0]
        return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()

    def pkcs7(self, text: str) -> str:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.serialization import pkcs7

        key, cert = self._keys()
        options = [
            pkcs7.PKCS7Options.DetachedSignature,
            pkcs7.PKCS7Options.NoCerts,
            pkcs7.PKCS7Options.Binary,
        ]
        der = (
            pkcs7.PKCS7SignatureBuilder()
            .set_data(text.encode())
            .add_signer(cert, key, hashes.SHA256())
            .sign(serialization.Encoding.DER, options)
        )
        encoded = base64.b64encode(der).decode()
        return "\n".join(encoded[i : i + 64] for i in range(0, len(encoded), 64))


def _new_pair() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ec2sim"),
            x509.NameAttribute(NameOID.COMMON_NAME, "ec2sim instance identity"),
        ]
    )
    start = datetime.now(timezone.utc) - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return key, cert


_signers: weakref.WeakKeyDictionary[Store, Signer] = weakref.WeakKeyDictionary()
_signers_mutex = threading.Lock()


def signer_for(store: Store) -> Signer:
    """The server's signer: shared by the metadata listener and the API's certificate route."""
    with _signers_mutex:
        found = _signers.get(store)
        if found is None:
            found = _signers[store] = Signer()
        return found
