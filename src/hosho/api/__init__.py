"""The REST API (FastAPI) under /v1: `hosho.api.app.create_app(hosho)`."""
