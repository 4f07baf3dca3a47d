from django.urls import reverse

URL = reverse("syncs:wizard_start")


def test_it_offers_the_connections_and_both_entries(staff_client, erp_to_dw):
    page = staff_client.get(URL).content.decode()
    assert f'<option value="{erp_to_dw.source.pk}">erp</option>' in page
    assert f'<option value="{erp_to_dw.dest.pk}">dw</option>' in page
    assert f'formaction="{reverse("syncs:wizard_tables")}">Browse a table' in page
    assert f'formaction="{reverse("syncs:wizard_sql")}">Write SQL' in page


def test_without_connections_it_points_to_the_admin(staff_client, drivers):
    page = staff_client.get(URL).content.decode()
    assert "There are no connections yet" in page
    assert reverse("admin:connections_connection_add") in page
