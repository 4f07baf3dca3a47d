import pytest


@pytest.fixture
def secrets_file(settings, tmp_path):
    """A secrets file of the test's own (not created yet): its path."""
    settings.PIPEKIT_SECRETS_FILE = tmp_path / "secrets.env"
    return settings.PIPEKIT_SECRETS_FILE
