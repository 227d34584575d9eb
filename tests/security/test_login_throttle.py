"""Finding 11 of issue 13: login throttling. Failures slow the attacker's address and
the username tried from it, never lock the right password out for longer than a short
delay (LOGIN_MAX_DELAY_SECONDS), and answer a username that exists exactly as one that
does not. X-Forwarded-For counts only behind TRUSTED_PROXIES configured proxies."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from marketplace.config import Config, ConfigError
from marketplace.core import accounts as accounts_module
from marketplace.core.models import utcnow

ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
VICTIM = {"REMOTE_ADDR": "198.51.100.7"}


def _token(client, username, password, env):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password}, environ_base=env)


@pytest.fixture
def clock_moves(app, monkeypatch):
    """Move the throttle's "now" forward (the stored times are naive UTC from utcnow)."""
    shift = {"by": dt.timedelta(0)}
    monkeypatch.setattr(accounts_module, "utcnow", lambda: utcnow() + shift["by"])
    return shift


def test_an_attackers_failures_do_not_lock_the_victim_out_from_another_address(client, make):
    make.user("person", username="victim")
    for _ in range(12):
        assert _token(client, "victim", "guess", ATTACKER).status_code in (401, 429)
    r = _token(client, "victim", "secret-pass-1", ATTACKER)
    assert r.status_code == 429  # the attacker's address waits
    assert _token(client, "victim", "secret-pass-1", VICTIM).status_code == 201  # the victim is not kept out


def test_the_wait_never_exceeds_the_short_maximum_delay(app, client, make, clock_moves):
    make.user("person", username="victim")
    for _ in range(40):  # enough to reach the cap many times over
        _token(client, "victim", "guess", ATTACKER)
        clock_moves["by"] += dt.timedelta(seconds=61)
    r = _token(client, "victim", "guess", ATTACKER)
    assert r.status_code == 401
    r = _token(client, "victim", "secret-pass-1", ATTACKER)
    assert r.status_code == 429
    seconds = int(re.search(r"in (\d+) seconds", r.json["error"]["message"]["en"]).group(1))
    assert 1 <= seconds <= app.config["MARKETPLACE"].LOGIN_MAX_DELAY_SECONDS
    clock_moves["by"] += dt.timedelta(seconds=app.config["MARKETPLACE"].LOGIN_MAX_DELAY_SECONDS + 1)
    assert _token(client, "victim", "secret-pass-1", ATTACKER).status_code == 201  # the right password gets in


def test_many_addresses_against_one_account_slow_it_only_briefly(app, client, make, clock_moves):
    make.user("person", username="victim")
    limit = app.config["MARKETPLACE"].LOGIN_ACCOUNT_MAX_FAILURES
    for n in range(limit + 3):
        _token(client, "victim", "guess", {"REMOTE_ADDR": f"10.0.{n // 200}.{n % 200}"})
    r = _token(client, "victim", "secret-pass-1", VICTIM)
    assert r.status_code == 429  # a distributed attack slows the account ...
    clock_moves["by"] += dt.timedelta(seconds=app.config["MARKETPLACE"].LOGIN_MAX_DELAY_SECONDS + 1)
    assert _token(client, "victim", "secret-pass-1", VICTIM).status_code == 201  # ... by a minute at most


def test_one_password_tried_on_many_usernames_slows_that_address(client, make):
    make.user("person", username="someone")
    for n in range(25):
        _token(client, f"user{n}", "Password123", ATTACKER)
    assert _token(client, "someone", "secret-pass-1", ATTACKER).status_code == 429
    assert _token(client, "someone", "secret-pass-1", VICTIM).status_code == 201


def test_unknown_and_known_usernames_get_the_same_answers(client, make):
    make.user("person", username="realuser")
    answers = {}
    for name in ("realuser", "nosuchuser"):
        said = []
        for _ in range(7):
            r = _token(client, name, "guess", ATTACKER)
            said.append((r.status_code, r.json["error"]["code"], re.sub(r"\d+", "N", r.json["error"]["message"]["en"])))
        answers[name] = said
    assert answers["realuser"] == answers["nosuchuser"]
    assert [s for s, *_ in answers["realuser"]][:5] == [401] * 5 and 429 in [s for s, *_ in answers["realuser"]]


def test_the_login_page_answers_alike_too(client, make):
    make.user("person", username="realuser")
    pages = [client.post("/login", data={"username": name, "password": "guess"}, environ_base=ATTACKER)
             for name in ("realuser", "nosuchuser")]
    assert [p.status_code for p in pages] == [401, 401]
    def seen(page, name):  # the CSRF token differs on every page
        return re.sub(r'name="csrf_token" value="[^"]+"', "", page.text).replace(name, "X")

    assert seen(pages[0], "realuser") == seen(pages[1], "nosuchuser")


def test_x_forwarded_for_is_ignored_without_trusted_proxies(client, make):
    make.user("person", username="victim")
    for n in range(12):  # the attacker writes a new "address" into the header each time
        _token(client, "victim", "guess", dict(ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"))
    assert _token(client, "victim", "secret-pass-1", ATTACKER).status_code == 429


def test_behind_one_trusted_proxy_the_address_it_saw_counts(app, client, make):
    make.user("person", username="victim")
    cfg = app.config["MARKETPLACE"]
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    cfg.TRUSTED_PROXIES = 1
    try:
        for _ in range(12):  # whatever the client writes left of the proxy's entry is not believed
            _token(client, "victim", "guess", dict(proxy, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.66"))
        r = _token(client, "victim", "secret-pass-1", dict(proxy, HTTP_X_FORWARDED_FOR="203.0.113.66"))
        assert r.status_code == 429
        r = _token(client, "victim", "secret-pass-1", dict(proxy, HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.7"))
        assert r.status_code == 201
    finally:
        cfg.TRUSTED_PROXIES = 0


@pytest.mark.parametrize("env,message", [
    ({"MARKETPLACE_TRUSTED_PROXIES": "-1"}, "TRUSTED_PROXIES"),
    ({"MARKETPLACE_TRUSTED_PROXIES": "two"}, "TRUSTED_PROXIES"),
    ({"MARKETPLACE_LOGIN_MAX_DELAY_SECONDS": "86400"}, "LOGIN_MAX_DELAY_SECONDS"),
])
def test_bad_throttle_settings_stop_the_app_at_start(env, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env)


def test_unknown_and_known_usernames_cost_one_password_hash_each(client, make, monkeypatch):
    """Similar timing: the work done for a name that does not exist is the work done for
    one that does (one hash check, the same throttle rows written)."""
    make.user("person", username="realuser")
    checks = []
    real = accounts_module.check_password_hash
    monkeypatch.setattr(accounts_module, "check_password_hash", lambda h, p: checks.append(h) or real(h, p))
    for name in ("realuser", "nosuchuser"):
        checks.clear()
        assert _token(client, name, "guess", VICTIM).status_code == 401
        assert len(checks) == 1
