from django.urls import reverse

from syncs.wizard import DRAFT

URL = reverse("syncs:wizard_sql")


def url(pair):
    return f"{URL}?source={pair.source.pk}&dest={pair.dest.pk}"


def test_it_reads_the_querys_real_types_into_the_draft(staff_client, erp_to_dw):
    query = 'SELECT id, "Customer" AS who, total * 2 AS doubled, updated_at::date AS day FROM orders'

    response = staff_client.post(url(erp_to_dw), {"source_query": query})

    assert response.status_code == 302
    assert response["Location"] == reverse("syncs:wizard_create")
    draft = staff_client.session[DRAFT]
    assert draft["source_query"] == query
    assert draft["table"] == ""
    assert [(c["id"], c["source_name"], c["dest_name"], c["dest_type"]) for c in draft["columns"]] == [
        ("c1", "id", "id", "integer"),
        ("c2", "who", "who", "varchar(80)"),
        ("c3", "doubled", "doubled", "numeric"),
        ("c4", "day", "day", "date"),
    ]


def test_tokens_get_neutral_values_for_reading_the_columns_and_the_page_says_so(staff_client, erp_to_dw):
    query = "SELECT id, total FROM orders WHERE updated_at >= '{since}' AND id > {last_id}"

    staff_client.post(url(erp_to_dw), {"source_query": query})

    draft = staff_client.session[DRAFT]
    assert draft["source_query"] == query
    assert draft["sample_values"] == {"since": "1970-01-01", "last_id": "0"}
    page = staff_client.get(reverse("syncs:wizard_create")).content.decode()
    assert "Its columns were read with" in page
    assert '<span class="mono">{since}</span> = <span class="mono">1970-01-01</span>' in page


def test_a_failing_query_shows_the_databases_message_and_keeps_no_draft(staff_client, erp_to_dw):
    response = staff_client.post(url(erp_to_dw), {"source_query": "SELECT nope FROM orders"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "erp could not run the query" in page
    assert "nope" in page and "does not exist" in page
    assert "SELECT nope FROM orders</textarea>" in page
    assert DRAFT not in staff_client.session
