"""Identity and access: SigV4, principals, credentials, policies. No HTTP here."""
