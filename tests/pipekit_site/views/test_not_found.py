def test_an_unknown_api_path_answers_json(client):
    response = client.get("/api/runs/abc")
    assert response.status_code == 404
    assert response.json() == {"error": "No API endpoint at /api/runs/abc."}


def test_an_unknown_page_answers_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
