"""Authorization headers for the JSON API."""

import base64


def basic(username, password):
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}
