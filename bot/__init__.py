"""ai-incident: a Slack bot that runs AI-quality incidents."""

__version__ = "0.1.0"
