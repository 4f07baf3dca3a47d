import pytest

from connections import secrets


@pytest.fixture
def secrets_file(settings, tmp_path):
    path = tmp_path / "secrets.env"
    path.write_text("# comment\n\nERP_PASSWORD=s3cret=with=equals \nDW_PASSWORD=\n")
    settings.PIPEKIT_SECRETS_FILE = path
    return path


def test_a_reference_resolves_to_the_value_as_written(secrets_file):
    assert secrets.resolve("$ERP_PASSWORD") == "s3cret=with=equals "
    assert secrets.resolve("$DW_PASSWORD") == ""


def test_a_missing_key_is_named_and_no_value_is_shown(secrets_file):
    with pytest.raises(secrets.SecretError) as caught:
        secrets.resolve("$CRM_PASSWORD")
    assert str(caught.value) == (
        f"secret CRM_PASSWORD is not in the secrets file {secrets_file}; "
        "set it with: manage.py secrets set CRM_PASSWORD"
    )
    assert "s3cret" not in str(caught.value)


def test_a_literal_is_not_resolved_and_not_repeated(secrets_file):
    with pytest.raises(secrets.SecretError) as caught:
        secrets.resolve("hunter2")
    assert "hunter2" not in str(caught.value)
    assert "is not a $NAME secret reference" in str(caught.value)


def test_a_missing_file_reads_as_empty(settings, tmp_path):
    settings.PIPEKIT_SECRETS_FILE = tmp_path / "none.env"
    assert secrets.read() == {}
    with pytest.raises(secrets.SecretError, match="secret ERP_PASSWORD is not in the secrets file"):
        secrets.resolve("$ERP_PASSWORD")


def test_set_secret_adds_a_key_and_keeps_the_others(secrets_file):
    secrets.set_secret("CRM_PASSWORD", "crm")
    assert secrets.read() == {"ERP_PASSWORD": "s3cret=with=equals ", "DW_PASSWORD": "", "CRM_PASSWORD": "crm"}
    assert secrets_file.read_text().startswith("# comment\n\n")
