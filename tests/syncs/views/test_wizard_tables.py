from django.urls import reverse

from connections.secrets import set_secret

URL = reverse("syncs:wizard_tables")


def params(pair, **more):
    return {"source": pair.source.pk, "dest": pair.dest.pk, **more}


def test_without_a_source_it_goes_back_to_the_start_which_says_so(staff_client, erp_to_dw):
    response = staff_client.get(URL, {"source": "", "dest": erp_to_dw.dest.pk}, follow=True)

    assert response.redirect_chain == [
        (f"{reverse('syncs:wizard_start')}?source=&dest={erp_to_dw.dest.pk}", 302)
    ]
    assert "This field is required." in response.content.decode()


def test_it_lists_the_schemas_and_the_tables_of_the_chosen_one(staff_client, erp_to_dw):
    erp_to_dw.source_db.execute("CREATE SCHEMA sales; CREATE TABLE sales.invoices (id int)")

    page = staff_client.get(URL, params(erp_to_dw)).content.decode()
    assert ">public</a>" in page and ">sales</a>" in page
    assert "Pick a schema." in page

    page = staff_client.get(URL, params(erp_to_dw, schema="public")).content.decode()
    assert 'schema=public&table=orders">orders</a>' in page
    assert (
        f'href="{reverse("syncs:wizard_columns")}?source={erp_to_dw.source.pk}&amp;dest={erp_to_dw.dest.pk}'
        in page
    )
    assert "invoices" not in page


def test_it_shows_the_databases_message_when_the_source_cannot_be_read(staff_client, erp_to_dw):
    set_secret("ERP_PASSWORD", "s3cret-erp-password")
    erp_to_dw.source.username = "no_such_role"
    erp_to_dw.source.password = "$ERP_PASSWORD"
    erp_to_dw.source.save()

    page = staff_client.get(URL, params(erp_to_dw)).content.decode()

    assert "erp could not be read" in page
    assert "no_such_role" in page
    assert "s3cret-erp-password" not in page


def test_a_filter_narrows_the_tables_to_those_whose_name_contains_it(staff_client, erp_to_dw):
    erp_to_dw.source_db.execute(
        "CREATE TABLE public.order_lines (id int); CREATE TABLE public.customers (id int); "
        'CREATE TABLE public."OrderNotes" (id int)'
    )

    page = staff_client.get(URL, params(erp_to_dw, schema="public", filter=" ORDER ")).content.decode()

    assert ">orders</a>" in page and ">order_lines</a>" in page and ">OrderNotes</a>" in page
    assert "customers" not in page
    assert "3 of 4 tables match “ORDER”." in page
    assert '<label for="table-filter">Filter tables</label>' in page
    assert 'name="schema" value="public"' in page


def test_a_filter_that_matches_nothing_says_so(staff_client, erp_to_dw):
    page = staff_client.get(URL, params(erp_to_dw, schema="public", filter="<nothing>")).content.decode()
    assert "No table in public matches “&lt;nothing&gt;”." in page


def test_a_missing_secret_is_named_with_how_to_set_it(staff_client, erp_to_dw, settings, tmp_path):
    settings.PIPEKIT_SECRETS_FILE = tmp_path / "secrets.env"
    erp_to_dw.source.password = "$ERP_PASSWORD"
    erp_to_dw.source.save()

    response = staff_client.get(URL, params(erp_to_dw))

    assert response.status_code == 200
    page = response.content.decode()
    assert "secret ERP_PASSWORD is not in the secrets file" in page
    assert "manage.py secrets set ERP_PASSWORD" in page
