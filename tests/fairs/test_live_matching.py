"""Live rankings kept up to date cheaply: the catch-up scores many people at once with the same
scores as one by one; pages follow people arriving and leaving (the matcher only re-reads the
check-ins when their summary changes); the hall board counts in the database and shows the
latest arrivals, the interviews under way and the intents to hire."""
from __future__ import annotations

import contextlib
import re

import numpy as np
from sqlalchemy import event, select

from marketplace.fairs.models import FairRegistration
from matching.bench import TODAY, synthetic_profiles
from matching.fair import FairMatcher
from matching.fair_bench import synthetic_postings
from tests.fairs.conftest import token_of
from tests.fairs.test_pages import login


def _unit(n: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, 384)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_checking_many_in_at_once_gives_the_scores_of_one_by_one():
    posts = synthetic_postings(60, seed=3)
    booth_of = {p.id: f"B{k % 12}" for k, p in enumerate(posts)}
    people, vecs = synthetic_profiles(150, seed=4), _unit(150, 5)

    def fresh():
        return FairMatcher(posts, booth_of, today=TODAY, posting_vectors=_unit(len(posts), 6))

    one, many = fresh(), fresh()
    for prof, vec in zip(people, vecs):
        one.check_in(prof, vec)
    many.check_in_many(people, vecs)
    # check_in's scores are those of the ranker's page for a person (its definition)
    for prof, vec in list(zip(people, vecs))[:20]:
        page = one.ranker.rank_postings_for(prof, vec, limit=len(posts), explain=False)
        want = np.full(len(posts), -np.inf)
        for item in page.items:
            want[one._col[item.id]] = item.score
        assert np.array_equal(one.scores[prof.id], want)
    assert all(np.array_equal(one.scores[p.id], many.scores[p.id]) for p in people)
    assert np.isfinite(np.array([one.scores[p.id] for p in people])).sum() > 1000  # most pairs are eligible
    for b in sorted(set(booth_of.values())):
        assert one.for_booth(b, limit=200) == many.for_booth(b, limit=200)
        assert len(one.for_booth(b, limit=200)) > 50
    for p in people[:30]:
        assert one.for_person(p.id) == many.for_person(p.id)
    # one person gone: out of every booth's ranking
    gone = people[0].id
    many.remove(gone)
    assert all(gone not in [pid for pid, _, _ in many.for_booth(b, limit=200)] for b in set(booth_of.values()))


def _people_on_booth_page(client, fid) -> list[str]:
    html = client.get(f"/employer/fairs/{fid}/booth?partial=1").text
    return re.findall(r'<h3>(\S+) <span class="meta">', html)


def _leave(db, fid, person) -> None:
    """The person is no longer checked in (the desk undid it; as the load test resets arrivals)."""
    reg = db.scalar(select(FairRegistration).where(FairRegistration.fair_id == fid,
                                                   FairRegistration.profile_id == person["profile"].id))
    reg.checked_in_at = None
    db.flush()


@contextlib.contextmanager
def _statements(app):
    """The SQL statements run meanwhile."""
    seen: list[str] = []
    engine = app.extensions["db"].engine

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_booth_page_follows_people_arriving_and_leaving(app, client, db, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    welder, clerk, driver = w["people"]

    def arrive(p):
        r = client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": token_of(client, fid, p)})
        assert r.status_code == 201 and r.json["checked_in_at"], r.json

    login(client, w["booths"][0]["hr"])  # the welding booth: every person here may take its job
    assert _people_on_booth_page(client, fid) == []
    arrive(welder)
    assert _people_on_booth_page(client, fid) == ["李焊"]
    with _statements(app) as sql:  # read again: nothing changed, so the check-ins are not read again
        assert _people_on_booth_page(client, fid) == ["李焊"]
    assert any("count(" in q.lower() and "fair_registrations" in q for q in sql)
    assert not any(re.match(r"\s*SELECT fair_registrations\.profile_id, fair_registrations\.checked_in_at\s", q)
                   for q in sql), sql
    arrive(clerk)
    assert sorted(_people_on_booth_page(client, fid)) == ["李焊", "王数"]
    assert _people_on_booth_page(client, fid)[0] == "李焊"  # the welder is the better match here
    _leave(db, fid, welder)
    assert _people_on_booth_page(client, fid) == ["王数"]
    # one leaves and another arrives between two reads: as many people as before
    _leave(db, fid, clerk)
    arrive(driver)
    assert _people_on_booth_page(client, fid) == ["赵综"]
    # back at the door: listed again
    arrive(welder)
    assert sorted(_people_on_booth_page(client, fid)) == ["李焊", "赵综"]
    html = client.get(f"/employer/fairs/{fid}/booth?partial=1").text
    assert 'data-test="people-count">(2)<' in html and 'class="why ok"' in html
    # the same people through the API, with their reasons
    r = client.get(f"/api/v1/fairs/{fid}/booths/{w['booths'][0]['id']}/ranking", headers=w["booths"][0]["h"])
    assert r.status_code == 200
    people = r.json["people"]
    assert [p["name"] for p in people] == ["李焊", "赵综"] and people[0]["explanation"]["reasons_en"]


def test_person_page_ranks_booths_once_checked_in_and_updates_the_booth_list(client, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    clerk = w["people"][1]
    login(client, clerk["user"])
    assert 'data-test="ranked-booths"' not in client.get(f"/me/fairs/{fid}?partial=1").text
    client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"id_number": clerk["id_number"]})
    html = client.get(f"/me/fairs/{fid}?partial=1").text
    booths = re.findall(r'<li class="card" data-booth="(\d+)">', html)
    assert booths and booths[0] == str(w["booths"][1]["id"])  # the data-entry internship first
    assert "数据录入见习生" in html and 'class="why ok"' in html
    assert html.count('data-test="request"') == len(booths)
    # asking a booth: its button becomes the request's status
    client.post(f"/me/fairs/{fid}/request/{w['booths'][1]['id']}")
    html = client.get(f"/me/fairs/{fid}?partial=1").text
    assert html.count('data-test="request"') == len(booths) - 1


def test_board_shows_counts_latest_arrivals_interviews_now_and_intents(client, fair_world):
    w = fair_world
    fid = w["fair"]["id"]
    welder, clerk, driver = w["people"]
    weld_booth = w["booths"][0]
    for p in (driver, welder, clerk):  # arrival order
        client.post(f"/api/v1/fairs/{fid}/checkins", headers=w["h_org"], json={"token": token_of(client, fid, p)})
    login(client, w["organiser"])
    board = client.get(f"/api/v1/fairs/{fid}/board", headers=w["h_org"]).json
    assert (board["registered"], board["checked_in"], board["booths"]) == (3, 3, 2)
    assert [x["name"] for x in board["latest"]] == ["王*", "李*", "赵*"]  # latest first, names shortened
    assert (board["requested"], board["confirmed"], board["done"], board["intents"]) == (0, 0, 0, 0)
    assert board["now"] == [] and board["intent_list"] == []
    for p in (welder, clerk):
        client.post(f"/api/v1/fairs/{fid}/interviews", headers=p["h"], json={"booth_id": weld_booth["id"]})
    assert client.get(f"/api/v1/fairs/{fid}/board", headers=w["h_org"]).json["requested"] == 2
    client.post(f"/organiser/fairs/{fid}/allocate")
    board = client.get(f"/api/v1/fairs/{fid}/board", headers=w["h_org"]).json
    assert (board["requested"], board["confirmed"]) == (0, 2)
    assert len(board["now"]) == 1  # one recruiter, one interview per slot: one in the slot under way
    now = board["now"][0]
    assert now["booth"] == "抚顺焊接装备有限公司" and now["place"] == "A1" and now["name"] in ("李*", "王*")
    ivs = client.get(f"/api/v1/fairs/{fid}/schedule", headers=weld_booth["h"]).json["items"]
    welder_iv = next(i for i in ivs if i["profile_id"] == welder["profile"].id)
    r = client.post(f"/api/v1/fairs/interviews/{welder_iv['id']}/outcome", headers=weld_booth["h"],
                    json={"outcome": "intent"})
    assert r.status_code == 200, r.json
    board = client.get(f"/api/v1/fairs/{fid}/board", headers=w["h_org"]).json
    assert (board["confirmed"], board["done"], board["intents"]) == (1, 1, 1)
    assert board["intent_list"] == [{"booth": "抚顺焊接装备有限公司", "name": "李*", "outcome": "intent"}]
    html = client.get(f"/fairs/{fid}/board?partial=1").text
    assert 'data-test="board-checked-in">3<' in html and 'data-test="board-intents">1<' in html
    latest = re.search(r'data-test="board-latest">(.*?)</ul>', html, re.DOTALL).group(1)
    assert re.findall(r"<li>(\S+) ", latest) == ["王*", "李*", "赵*"]
