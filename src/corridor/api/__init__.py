"""The HTTP API of the operations centre (FastAPI): `create_app`."""
