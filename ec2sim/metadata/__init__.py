"""The instance metadata service (IMDS): its own WSGI app on its own listener."""
