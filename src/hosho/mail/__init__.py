"""E-mail of notices: texts from template files (a provider may replace any of them), sent through SMTP."""
