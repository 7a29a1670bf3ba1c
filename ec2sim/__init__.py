"""ec2sim: a local emulator of Amazon EC2, IAM and STS."""

__version__ = "0.1.0"
