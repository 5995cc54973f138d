"""The operations console: server-rendered pages over the API's service functions."""
