"""IAM state: per-account entities, and the server-wide credential index."""
