"""The AWS wire: protocol parsing, rendering, errors, routing and the handlers."""
