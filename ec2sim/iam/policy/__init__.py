"""IAM policy language: grammar (parse + validate) and evaluation. No HTTP, no store."""
