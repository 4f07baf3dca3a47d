from django.urls import reverse

from syncs.wizard import DRAFT

URL = reverse("syncs:wizard_columns")


def params(pair, table="orders"):
    return f"?source={pair.source.pk}&dest={pair.dest.pk}&schema=public&table={table}"


def grid(**rows):
    """Return POST data for the column grid: rows are name=(include, source_name, dest_name, dest_type)."""
    data = {"columns-TOTAL_FORMS": len(rows), "columns-INITIAL_FORMS": len(rows)}
    for i, (include, source_name, dest_name, dest_type) in enumerate(rows.values()):
        data |= {
            f"columns-{i}-source_name": source_name,
            f"columns-{i}-source_type": "text",
            f"columns-{i}-dest_name": dest_name,
            f"columns-{i}-dest_type": dest_type,
            f"columns-{i}-description": f"about {dest_name}",
        }
        if include:
            data[f"columns-{i}-include"] = "on"
    return data


def test_it_proposes_names_types_and_descriptions_for_the_destination(
    staff_client, erp_to_dw, maria_db, make_connection
):
    mart = make_connection(maria_db, name="mart")

    page = staff_client.get(f"{URL}?source={erp_to_dw.source.pk}&dest={mart.pk}&schema=public&table=orders")
    html = page.content.decode()

    assert page.status_code == 200
    proposed = page.context["formset"].initial
    assert [(c["dest_name"], c["dest_type"]) for c in proposed] == [
        ("id", "INT"),
        ("customer", "VARCHAR(80)"),
        ("total", "DECIMAL(12,2)"),
        ("updated_at", "DATETIME(6)"),
    ]
    assert proposed[1]["source_name"] == "Customer"
    assert proposed[1]["description"] == "Who ordered"
    assert 'value="VARCHAR(80)"' in html and 'value="Who ordered"' in html
    assert "MariaDB / MySQL types" in html


def test_it_shows_the_databases_message_for_a_missing_table(staff_client, erp_to_dw):
    page = staff_client.get(URL + params(erp_to_dw, table="gone")).content.decode()
    assert "erp could not describe gone" in page
    assert "gone" in page and "does not exist" in page


def test_picked_columns_become_the_draft_and_its_query(staff_client, erp_to_dw):
    data = grid(
        a=(True, "id", "id", "integer"),
        b=(False, "Customer", "customer", "varchar(80)"),
        c=(True, "total", "amount", "numeric(14,2)"),
        d=(False, "updated_at", "updated_at", "timestamp"),
    )

    response = staff_client.post(URL + params(erp_to_dw), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("syncs:wizard_create")
    draft = staff_client.session[DRAFT]
    assert draft["source"] == erp_to_dw.source.pk and draft["dest"] == erp_to_dw.dest.pk
    assert draft["table"] == "orders"
    assert draft["source_query"] == 'SELECT "id", "total" FROM "public"."orders"'
    assert draft["columns"] == [
        {"id": "c1", "source_name": "id", "source_type": "text", "dest_name": "id", "dest_type": "integer",
         "description": "about id"},
        {"id": "c2", "source_name": "total", "source_type": "text", "dest_name": "amount",
         "dest_type": "numeric(14,2)", "description": "about amount"},
    ]  # fmt: skip


def test_it_refuses_repeated_or_invalid_names_and_keeps_no_draft(staff_client, erp_to_dw):
    response = staff_client.post(
        URL + params(erp_to_dw), grid(a=(True, "id", "id", "integer"), b=(True, "Customer", "id", "text"))
    )
    assert response.status_code == 200
    assert "Two columns are named id" in response.content.decode()

    response = staff_client.post(URL + params(erp_to_dw), grid(a=(True, "id", "order id", "integer")))
    assert "Must be a plain SQL identifier" in response.content.decode()

    response = staff_client.post(URL + params(erp_to_dw), grid(a=(True, "id", "id", "integer; DROP TABLE x")))
    assert "is not a column type" in response.content.decode()

    response = staff_client.post(URL + params(erp_to_dw), grid(a=(False, "id", "id", "integer")))
    assert "Pick at least one column." in response.content.decode()
    assert DRAFT not in staff_client.session
