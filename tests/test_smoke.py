from tests import factories


def test_board_shows_a_published_post(app, client):
    factories.post(title="Kinderwagen zu verschenken")
    from board.extensions import db

    db.session.commit()
    page = client.get("/")
    assert page.status_code == 200
    assert "Kinderwagen zu verschenken" in page.text


def test_healthz_answers_ok(client):
    assert client.get("/healthz").json == {"status": "ok"}
