from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pipekit_site.models import ApiToken, token_hash


def api_tokens(*args):
    out = StringIO()
    call_command("api_tokens", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_create_prints_the_token_once_and_stores_only_its_hash(staff_user):
    output = api_tokens("create", "alice", "--name", "cron job")
    secret = output.splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.name == "cron job" and token.user == staff_user
    assert token.key_hash == token_hash(secret) and secret not in token.key_hash
    assert secret not in api_tokens("list")


def test_list_shows_id_user_name_and_last_use(staff_user):
    token, _ = ApiToken.issue(staff_user, "reports")
    assert api_tokens("list").split("\t")[:3] == [str(token.pk), "alice", "reports"]
    assert api_tokens("list").rstrip().endswith("never")


def test_revoke_deletes_the_token(staff_user):
    token, _ = ApiToken.issue(staff_user)
    assert api_tokens("revoke", str(token.pk)) == f"Token {token.pk} revoked.\n"
    assert not ApiToken.objects.exists()


def test_an_unknown_user_or_token_is_an_error_naming_it(db):
    with pytest.raises(CommandError, match="No user named 'zed'"):
        api_tokens("create", "zed")
    with pytest.raises(CommandError, match="No API token with id 42"):
        api_tokens("revoke", "42")


def test_a_token_for_staff_without_a_role_comes_with_a_note_that_the_api_refuses_it(make_staff):
    make_staff("nina", None)
    err = StringIO()
    call_command("api_tokens", "create", "nina", stdout=StringIO(), stderr=err)
    assert err.getvalue().startswith(
        "Note: the API refuses this token until nina may use it: You have no role"
    )
    assert ApiToken.objects.filter(user__username="nina").exists()
