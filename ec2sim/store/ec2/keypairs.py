"""EC2 key pairs: the public half AWS keeps (the private key is only ever returned once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ec2sim.store.table import Resource


@dataclass(eq=False)
class KeyPair(Resource):
    resource_type = "key-pair"
    name: str
    fingerprint: str
    key_type: str  # rsa | ed25519
    public_key: str  # OpenSSH line with the key name as comment, as IMDS public-keys serves it
    create_time: datetime

    @property
    def key_pair_id(self) -> str:
        return self.id
