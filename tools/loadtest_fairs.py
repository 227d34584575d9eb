"""Load test of the job-fair area: a live fair of 5,000 people behind a real server, driven by wrk.

    python -m tools.loadtest_fairs seed --instance /tmp/ltf [--database-url URL] [--people 5000] [--booths 300]
        [--postings 1000] [--checked-in 0.8] [--walk-ins 10000]
    python -m tools.loadtest_fairs run --instance /tmp/ltf [--database-url URL] [--connections 10,50] [--duration 20]
        [--sessions 20] [--only booth_fragment,...] [--workers N] [--threads 8] [--json]
    python -m tools.loadtest_fairs streams --instance /tmp/ltf [--database-url URL] [--streams 8] [--workers N]
        [--threads 8] [--json]

``seed`` writes the scale of ``matching.fair_bench``: a fair (today, on-site and online, 8 slots)
created by the demo organiser through ``marketplace.fairs.booths``; 300 organisations, each with an HR
account and a booth applied for and approved through ``marketplace.fairs.booths`` (1,000 postings between
them, written in bulk); 5,000 people with accounts and profiles, all pre-registered, of whom
``--checked-in`` (80 %) are checked in; and ``--walk-ins`` (10,000) people with a profile and an
ID number but no registration. People, registrations and check-ins are written in bulk (5,000
calls of the service would take minutes and test nothing that ``run`` does not). As in
``tools.loadtest``, random unit vectors for these synthetic texts are put in the encoder's cache
(pre-registration computes people's vectors before the fair; check-in never encodes).

``run`` starts ``flask serve`` (its default processes, or ``--workers``; ``--threads`` each) on a
free loopback port, logs in ``--sessions`` employers and checked-in people through the login page
(the live pages are cookie sessions) and the organiser, warms every server process's matcher for
the fair (the first read after a start scores everyone checked in: reported as the warm-up), then
for each endpoint and connection count runs wrk (bounded: ``--duration`` seconds each, loopback
only):

* ``booth_fragment``  ``GET /employer/fairs/<id>/booth?partial=1`` (a booth's ranked people), employers' cookies
* ``person_fragment`` ``GET /me/fairs/<id>?partial=1`` (a person's ranked booths), checked-in people's cookies
* ``board_fragment``  ``GET /fairs/<id>/board?partial=1`` (the hall screen), the organiser's cookie
* ``checkin_api``     ``POST /api/v1/fairs/<id>/checkins``, the organiser's bearer token: each request
  checks in somebody else, the 1,000 expected people by their QR token and the walk-ins by ID
  number (found by its blind index and registered on the spot), shuffled. They are reset before
  each run and after the last; the check-ins written are counted in the database afterwards
  (``checkins_written``, per second ``checkins_written_per_s``).

and prints requests/s, p50/p95/p99, errors (any answer that is not 2xx, by status, and socket
errors) and the server's peak memory (all its processes), as a table and as JSON (``--json``).

``streams`` shows what open live pages cost the rest of the site: it opens ``--streams`` event
streams (``/fairs/<id>/events``: that many phones with a live page open), then times a few
``GET /api/v1/health`` sent at once while they are open. Each stream holds a server thread while
it is open, so the server caps them (``MARKETPLACE_FAIR_STREAM_MAX``, default half a process's
threads) and answers streams beyond the cap at once with 503 and ``Retry-After``; the pages
then poll (``static/fairs.js``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import random
import re
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import selectinload
from werkzeug.security import generate_password_hash

from marketplace import clock
from marketplace.cli import upgrade_database
from marketplace.core import demo
from marketplace.core.models import DISTRICTS, Organisation, Posting, Profile, User
from marketplace.core.recommend import posting_data, profile_data
from marketplace.core.schemas import validate
from marketplace.fairs import booths
from marketplace.fairs.checkin import QR_SALT
from marketplace.fairs.models import Fair, FairRegistration
from marketplace.fairs.models import FairRegistration as R
from marketplace.fairs.schemas import BoothIn, FairIn
from marketplace.idcodes import id_number_problem
from matching.encoder import text_key
from matching.pools import posting_occupation_text, profile_occupation_text
from tools.loadserver import WRK_THREADS, wrk
from tools.loadserver import drain as _drain
from tools.loadserver import rss_peak_mb as _rss_peak_mb
from tools.loadserver import serve as _serve
from tools.loadserver import token as _token
from tools.loadtest import _app, prime_embeddings

ROOT = Path(__file__).resolve().parent.parent
FAIR_NAME = "抚顺市大型双选会（负载测试）"
MANIFEST = "ltf.json"
UA = "ltf-loadtest"  # one User-Agent for logins and requests: sessions are bound to it ("strong" protection)
ENDPOINTS = ("booth_fragment", "person_fragment", "board_fragment", "checkin_api")

# wrk script: each line of the requests file is METHOD, path, cookie, bearer token, JSON body
# (tab-separated, empty when absent). Each wrk thread takes every n-th line from its own offset,
# so the check-in run sends every walk-in's token once before any repeats. Answers that are
# not 2xx (a lost session's redirect to the login page included) count as errors.
FAIRS_LUA = r'''
local lines, reqs, threads = {}, {}, {}
local stride = tonumber(os.getenv("LTF_STRIDE") or "2")
local ua = os.getenv("LTF_UA") or "wrk"
for line in io.lines(os.getenv("LT_PATHS")) do lines[#lines + 1] = line end
function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end
function init(args)
  bad, codes = 0, {}
  for _, line in ipairs(lines) do
    local f = {}
    for field in string.gmatch(line .. "\t", "([^\t]*)\t") do f[#f + 1] = field end
    local headers = {["User-Agent"] = ua, ["X-Requested-With"] = "fetch"}
    if f[3] ~= "" then headers["Cookie"] = f[3] end
    if f[4] ~= "" then headers["Authorization"] = "Bearer " .. f[4] end
    local body = nil
    if f[5] ~= "" then body = f[5]; headers["Content-Type"] = "application/json" end
    reqs[#reqs + 1] = wrk.format(f[1], f[2], headers, body)
  end
end
local i = -1
request = function()
  i = i + 1
  return reqs[((i * stride + tid) % #reqs) + 1]
end
response = function(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
    codes[tostring(status)] = (codes[tostring(status)] or 0) + 1
  end
end
done = function(summary, latency, requests)
  local e, nbad, codes, parts = summary.errors, 0, {}, {}
  for _, t in ipairs(threads) do
    nbad = nbad + (t:get("bad") or 0)
    for code, n in pairs(t:get("codes") or {}) do codes[code] = (codes[code] or 0) + n end
  end
  for code, n in pairs(codes) do parts[#parts + 1] = string.format('"%s": %d', code, n) end
  io.stderr:write(string.format('LTJSON {"requests": %d, "duration_us": %d, "p50_ms": %.2f, "p95_ms": %.2f, ' ..
    '"p99_ms": %.2f, "non2xx": %d, "errors": %d, "non2xx_by_status": {%s}}\n', summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    nbad, e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
'''


# --- seed -------------------------------------------------------------------------------------------

def seed(args) -> None:
    app = _app(args)
    upgrade_database(app)
    rng = random.Random(11)
    occupations = [json.loads(line) for line in
                   (ROOT / "marketplace/data/occupations-2022.jsonl").open(encoding="utf-8")]
    words = ["沟通能力", "吃苦耐劳", "团队合作", "电脑操作", "驾驶证", "夜班", "五险一金", "包吃住", "通勤车", "有经验优先",
             "持证上岗", "责任心强", "普通话", "Excel", "CAD", "叉车证", "电工证", "焊工证", "健康证", "教师资格证"]
    with app.app_context():  # the instance's business date (it may pin one)
        today, now = clock.today(), clock.now_utc()
    t0 = time.time()
    with app.extensions["db"].unit_of_work() as s:
        demo.load(s, app.extensions["cipher"])
        organiser = s.scalar(select(User).where(User.username == "organiser"))
        if s.scalar(select(Fair.id).where(Fair.name == FAIR_NAME)) is not None:
            sys.exit(f"{args.instance} already holds the load-test fair; seed a fresh --instance (or database)")
        fair = booths.create_fair(s, organiser, validate(FairIn, {
            "name": FAIR_NAME, "mode": "both", "held_on": today.isoformat(), "venue": "抚顺市人力资源市场一至三楼",
            "slots": [f"{9 + k // 2:02d}:{30 * (k % 2):02d}-{9 + (k + 1) // 2:02d}:{30 * ((k + 1) % 2):02d}"
                      for k in range(8)]}))
        pw = generate_password_hash(demo.PASSWORD)  # one hash for every synthetic account (hashing is slow by design)

        org_ids = list(s.scalars(insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True), [
            dict(name=f"抚顺负载测试单位{k:03d}有限公司", org_type="enterprise", district=rng.choice(DISTRICTS),
                 credit_code=f"91210400LT{k:08d}", industry="制造业",
                 verification_status="verified") for k in range(args.booths)]))
        hr_ids = list(s.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
            dict(username=f"ltf_hr{k:03d}", password_hash=pw, display_name=f"单位{k:03d}人事", role="employer",
                 organisation_id=org_ids[k]) for k in range(args.booths)]))
        rows = []
        for i in range(args.postings):
            k = i % args.booths
            occ = rng.choice(occupations)
            skills = rng.sample(words, 4)
            lo = rng.randrange(2500, 9000, 100)
            kind = rng.choice(["job"] * 8 + ["internship", "public_welfare"])
            rows.append(dict(organisation_id=org_ids[k], created_by_id=hr_ids[k], kind=kind, title=occ["name"],
                             description=f"{occ['minor_name']}相关工作，负责{occ['name']}日常工作。" + "、".join(skills),
                             requirements=f"{occ['middle_name']}经验优先", skills=skills,
                             education_min=rng.randint(0, 5), salary_min=lo,
                             salary_max=lo + rng.randrange(500, 4000, 100),
                             headcount=rng.randint(1, 10), district=rng.choice(DISTRICTS), status="published",
                             open_on=today, close_on=None, published_at=now,
                             period_months=6 if kind == "internship" else None,
                             stipend=1500 if kind == "internship" else None,
                             temporary=False if kind == "public_welfare" else None,
                             term_months=12 if kind == "public_welfare" else None))
        post_ids = list(s.scalars(insert(Posting).returning(Posting.id, sort_by_parameter_order=True), rows))
        # booths through the service, as employers and the organiser would (apply, approve)
        hrs = {u.id: u for u in s.scalars(select(User).where(User.id.in_(hr_ids)))}
        for k in range(args.booths):
            mine = [post_ids[i] for i in range(k, args.postings, args.booths)][:50]
            if not mine:
                continue
            booth = booths.apply_booth(s, hrs[hr_ids[k]], fair.id, validate(BoothIn, {
                "posting_ids": mine, "recruiters": 1 + k % 3, "per_slot": 1}))
            booths.decide_booth(s, organiser, fair.id, booth.id, True, f"{'ABC'[k % 3]}{k:03d}")
        print(f"fair {fair.id}: {args.booths} booths, {args.postings} postings in {time.time() - t0:.0f}s", flush=True)

        t0 = time.time()
        profile_ids, walk_in_ids, id_numbers = [], [], []
        cipher = app.extensions["cipher"]
        total = args.people + args.walk_ins  # walk-ins: not registered, no account; found at the desk by ID number
        for start in range(0, total, 2000):
            n = range(start, min(start + 2000, total))
            accounts = [i for i in n if i < args.people]
            uids = list(s.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
                dict(username=f"ltf_p{i:05d}", password_hash=pw, display_name=f"求职者{i}", role="person")
                for i in accounts])) if accounts else []
            prows = []
            for i in n:
                occ = rng.choice(occupations)
                edu = rng.randint(1, 6)
                birth = dt.date(rng.randint(1966, 2004), rng.randint(1, 12), rng.randint(1, 28))
                row = dict(user_id=uids[i - start] if i < args.people else None, name=f"测试{i}",
                           gender=rng.choice("男女"), birth_on=birth, district=rng.choice(DISTRICTS), education=edu,
                           graduation_year=2025 if edu >= 4 and rng.random() < 0.5 else None,
                           skills=rng.sample(words, 3) + [occ["name"]], desired_jobs=occ["name"],
                           summary=f"做过{occ['minor_name']}相关工作", experience="", published=True,
                           desired_places=[], occupation_codes=[])
                if i >= args.people:
                    # distinct (birth date, serial) for every walk-in: the ID number's blind index is unique
                    row["birth_on"] = birth = dt.date(1970, 1, 1) + dt.timedelta(days=400 * (i // 1000) + i % 97)
                    idn = _id_number(birth, i)
                    row.update(id_number_enc=cipher.encrypt(idn), id_number_hash=cipher.blind_index(idn))
                    id_numbers.append(idn)
                prows.append(row)
            ids = list(s.scalars(insert(Profile).returning(Profile.id, sort_by_parameter_order=True), prows))
            profile_ids += [pid for i, pid in zip(n, ids) if i < args.people]
            walk_in_ids += [pid for i, pid in zip(n, ids) if i >= args.people]
        arrived = int(args.people * args.checked_in)
        regs = []
        for k, pid in enumerate(profile_ids):
            reg = dict(fair_id=fair.id, profile_id=pid, registered_at=now - dt.timedelta(days=2, minutes=k),
                       checked_in_at=None, checkin_method="", checked_in_by_id=None)
            if k < arrived:
                reg.update(checked_in_at=now - dt.timedelta(seconds=4 * (arrived - k)), checkin_method="qr",
                           checked_in_by_id=organiser.id)
            regs.append(reg)
        reg_ids = list(s.scalars(insert(FairRegistration).returning(FairRegistration.id, sort_by_parameter_order=True),
                                 regs))
        fair_id = fair.id
        print(f"{args.people} people registered ({arrived} checked in), {args.walk_ins} walk-ins, in "
              f"{time.time() - t0:.0f}s", flush=True)

    t0 = time.time()
    enc = app.extensions["runtime"].encoder
    keys = []
    with app.extensions["db"].unit_of_work() as s:
        for p in s.scalars(select(Posting).where(Posting.id.in_(post_ids)).options(selectinload(Posting.organisation))):
            d = posting_data(p, today)
            keys += [text_key(d.text(), "passage"), text_key(posting_occupation_text(d), "passage")]
        everyone = profile_ids + walk_in_ids
        for start in range(0, len(everyone), 1000):
            chunk = everyone[start:start + 1000]
            for p in s.scalars(select(Profile).where(Profile.id.in_(chunk)).options(selectinload(Profile.categories))):
                d = profile_data(p, today)
                keys += [text_key(d.text(), "query"), text_key(profile_occupation_text(d), "query")]
    prime_embeddings(enc, keys)
    print(f"embedding cache primed ({len(keys)} texts) in {time.time() - t0:.0f}s", flush=True)
    (Path(args.instance) / MANIFEST).write_text(json.dumps({
        "fair": fair_id, "arrived": arrived, "hr": [f"ltf_hr{k:03d}" for k in range(args.booths)],
        "people_in": [f"ltf_p{k:05d}" for k in range(min(arrived, 1000))],
        "expected": [[r, p] for r, p in zip(reg_ids[arrived:], profile_ids[arrived:])],
        "walk_ins": [[p, idn] for p, idn in zip(walk_in_ids, id_numbers)]}))


def _id_number(birth: dt.date, n: int) -> str:
    """A valid (synthetic) resident ID number: Fushun's area code, the birth date, a serial, the check digit."""
    body = f"210404{birth:%Y%m%d}{n % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    idn = body + "10X98765432"[sum(int(a) * w for a, w in zip(body, weights)) % 11]
    assert id_number_problem(idn) is None, idn
    return idn


# --- a real server ----------------------------------------------------------------------------------

def _login(base: str, username: str) -> str:
    """Log in through the login page (CSRF token and all), as a browser would; returns the
    Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", UA)]
    html = opener.open(base + "/login", timeout=60).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = urllib.parse.urlencode({"username": username, "password": "demo12345", "csrf_token": csrf}).encode()
    opener.open(base + "/login", data=form, timeout=60).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session=" not in cookie:
        raise SystemExit(f"could not log in as {username}")
    return cookie


def _get(base: str, path: str, cookie: str = "", timeout: float = 600) -> tuple[int, str]:
    req = urllib.request.Request(base + path, headers={"User-Agent": UA, "Cookie": cookie})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _wrk(base: str, lines: list[str], conns: int, duration: int) -> dict:
    """``tools.loadserver.wrk`` (the same wrk run, bounds and parsing) with this file's script,
    which sends each line's own method, cookie, token and body."""
    os.environ.update(LTF_STRIDE=str(WRK_THREADS), LTF_UA=UA)
    return wrk(base, lines, "", conns, duration, lua=FAIRS_LUA)


# --- run --------------------------------------------------------------------------------------------

def _arrivals(app, manifest: dict, reset: bool) -> int:
    """reset=True: the people expected but not yet there back to 'registered, not here', the
    walk-ins back to 'not registered'; else the number of them checked in since."""
    expected = [r for r, _ in manifest["expected"]]
    walk_ins = [p for p, _ in manifest["walk_ins"]]
    chunks = lambda ids: [ids[i:i + 500] for i in range(0, len(ids), 500)]  # noqa: E731
    with app.extensions["db"].unit_of_work() as s:
        if reset:
            for ids in chunks(expected):
                s.execute(update(R).where(R.id.in_(ids)).values(checked_in_at=None, checkin_method="",
                                                                 checked_in_by_id=None))
            for ids in chunks(walk_ins):
                s.execute(delete(R).where(R.fair_id == manifest["fair"], R.profile_id.in_(ids)))
            return 0
        return (sum(s.scalar(select(func.count()).select_from(R).where(R.id.in_(ids), R.checked_in_at.is_not(None)))
                    for ids in chunks(expected)) +
                sum(s.scalar(select(func.count()).select_from(R).where(
                    R.fair_id == manifest["fair"], R.profile_id.in_(ids), R.checked_in_at.is_not(None)))
                    for ids in chunks(walk_ins)))


def run(args) -> None:
    manifest = json.loads((Path(args.instance) / MANIFEST).read_text())
    fid = manifest["fair"]
    app = _app(args)  # the same settings as the server: its database, its secret (QR tokens are signed)
    _arrivals(app, manifest, reset=True)
    only = [e for e in (args.only.split(",") if args.only else ENDPOINTS)]
    with _serve(args) as (base, server):
        org_cookie = _login(base, "organiser")
        org_token = _token(base, "organiser")
        t0 = time.time()
        status, html = _get(base, f"/fairs/{fid}/board?partial=1", org_cookie)
        assert status == 200 and "board-checked-in" in html, (status, html[:300])
        rng = random.Random(5)
        hrs = rng.sample(manifest["hr"], min(args.sessions, len(manifest["hr"])))
        people = rng.sample(manifest["people_in"], min(args.sessions, len(manifest["people_in"])))
        hr_cookies = [_login(base, u) for u in hrs]
        person_cookies = [_login(base, u) for u in people]
        # several at once, three times, so that every server process builds the fair's matcher
        # (it scores everyone checked in) before anything is measured
        with ThreadPoolExecutor(8) as pool:
            for _ in range(3):
                for status, html in pool.map(lambda c: _get(base, f"/me/fairs/{fid}?partial=1", c), person_cookies[:8]):
                    assert status == 200 and "ranked-booths" in html, (status, html[:300])
        warm = time.time() - t0
        print(f"warm-up (logins; every server process builds the fair's matcher: {manifest['arrived']} people "
              f"scored) {warm:.1f}s", flush=True)
        lines = {
            "booth_fragment": [f"GET\t/employer/fairs/{fid}/booth?partial=1\t{c}\t\t" for c in hr_cookies],
            "person_fragment": [f"GET\t/me/fairs/{fid}?partial=1\t{c}\t\t" for c in person_cookies],
            "board_fragment": [f"GET\t/fairs/{fid}/board?partial=1\t{org_cookie}\t\t"],
        }
        for name, ls in lines.items():  # every line answers 200 before wrk sends it thousands of times
            for line in ls:
                _, path, cookie, _, _ = line.split("\t")
                status, html = _get(base, path, cookie)
                assert status == 200 and "<html" not in html[:200].lower(), (name, status, html[:300])
        serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=QR_SALT)
        results: dict = {"warm_up_s": round(warm, 1)}
        for name in only:
            for conns in args.connections:
                _drain(base)  # requests still queued from the previous run would skew this one
                if name == "checkin_api":
                    _arrivals(app, manifest, reset=True)
                    # the desk: people who registered show their QR code, walk-ins give their ID number
                    # (found by its blind index and registered on the spot)
                    bodies = ([{"token": serializer.dumps({"f": fid, "r": r, "p": p})} for r, p in manifest["expected"]]
                              + [{"id_number": idn} for _, idn in manifest["walk_ins"]])
                    rng.shuffle(bodies)
                    ls = [f"POST\t/api/v1/fairs/{fid}/checkins\t\t{org_token}\t{json.dumps(b)}" for b in bodies]
                else:
                    ls = lines[name]
                r = _wrk(base, ls, conns, args.duration)
                if name == "checkin_api":
                    r["checkins_written"] = _arrivals(app, manifest, reset=False)
                    r["arrivals_available"] = len(manifest["expected"]) + len(manifest["walk_ins"])
                    r["checkins_written_per_s"] = round(r["checkins_written"] / (r["duration_us"] / 1e6), 1)
                results.setdefault(name, {})[str(conns)] = r
                extra = (" " + ", ".join(f"{n}x{c}" for c, n in sorted(r.get("non2xx_by_status", {}).items()))
                         if r.get("non2xx_by_status") else "")
                extra += f"  ({r['checkins_written']} check-ins written)" if name == "checkin_api" else ""
                print(f"{name:16s} c={conns:<4d} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.1f}  "
                      f"p95 {r['p95_ms']:7.1f}  "
                      f"p99 {r['p99_ms']:7.1f} ms  errors {r['errors'] + r['non2xx']}{extra}", flush=True)
        results["server_peak_rss_mb"] = round(_rss_peak_mb(server.pid), 1)
    _arrivals(app, manifest, reset=True)  # the next run starts from the same hall
    results["database"] = "postgresql" if (args.database_url or "").startswith("postgresql") else "sqlite"
    results["threads"] = args.threads
    print(f"server peak RSS {results['server_peak_rss_mb']} MB")
    if args.json:
        print(json.dumps(results))


# --- streams ----------------------------------------------------------------------------------------

def _health_s(base: str, timeout: float) -> float | None:
    t = time.time()
    try:
        urllib.request.urlopen(base + "/api/v1/health", timeout=timeout).read()
    except OSError:
        return None
    return time.time() - t


def _probe(base: str, n: int, timeout: float) -> list[float | None]:
    """``n`` health checks at once, each on its own connection (with several server processes
    each lands on whichever process accepts it): seconds each took, None for no answer."""
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _: _health_s(base, timeout), range(n)))


def streams(args) -> None:
    """Open ``--streams`` live event streams, then time plain requests while they are open."""
    manifest = json.loads((Path(args.instance) / MANIFEST).read_text())
    fid = manifest["fair"]
    with _serve(args) as (base, server):
        cookie = _login(base, "organiser")
        before = _probe(base, args.probes, 10)
        host, port = base[len("http://"):].split(":")
        socks, answers = [], []
        for _ in range(args.streams):
            sock = socket.create_connection((host, int(port)), timeout=10)
            sock.sendall((f"GET /fairs/{fid}/events HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: {UA}\r\n"
                          f"Accept: text/event-stream\r\nCookie: {cookie}\r\n\r\n").encode())
            socks.append(sock)
        end = time.time() + 3
        for sock in socks:  # what each stream got within 3 s: its status line, or nothing (queued)
            sock.settimeout(max(0.05, end - time.time()))
            try:
                head = sock.recv(4096).decode(errors="replace")
                status = head.split(" ", 2)[1] if head.startswith("HTTP/") else "?"
                retry = re.search(r"(?i)\r\nretry-after: *(\d+)", head)
                answers.append(status + (f" (Retry-After {retry.group(1)})" if retry else ""))
            except socket.timeout:
                answers.append("no answer")
        t = time.time()
        during = _probe(base, args.probes, args.wait)
        waited = time.time() - t
        for sock in socks:
            sock.close()
    counts = {a: answers.count(a) for a in dict.fromkeys(answers)}

    def show(xs):
        ok = [x for x in xs if x is not None]
        return (f"{len(ok)}/{len(xs)} answered" + (f", slowest {max(ok):.3f}s" if ok else "") +
                (f", {len(xs) - len(ok)} no answer within {args.wait:.0f}s" if len(ok) < len(xs) else ""))

    out = {"streams": args.streams, "threads": args.threads, "workers": args.workers or "default",
           "stream_answers": counts, "health_before_s": before, "health_during_s": during,
           "health_during_wall_s": round(waited, 2), "health_wait_s": args.wait}
    print(f"{args.streams} streams, {args.workers or 'default'} worker(s) x {args.threads} threads: "
          + ", ".join(f"{n}x {a}" for a, n in counts.items()))
    print(f"GET /api/v1/health x{args.probes} before: {show(before)}; with the streams open: {show(during)}")
    if args.json:
        print(json.dumps(out))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("seed", "run", "streams"):
        sp = sub.add_parser(name)
        sp.add_argument("--instance", required=True)
        sp.add_argument("--database-url", default="")
    sp = sub.choices["seed"]
    sp.add_argument("--people", type=int, default=5000)
    sp.add_argument("--booths", type=int, default=300)
    sp.add_argument("--postings", type=int, default=1000)
    sp.add_argument("--checked-in", type=float, default=0.8, help="share of the people already checked in")
    sp.add_argument("--walk-ins", type=int, default=10000,
                    help="people with a profile but no registration, checked in at the desk by ID number in `run`")
    for name in ("run", "streams"):
        sp = sub.choices[name]
        sp.add_argument("--threads", type=int, default=8, help="threads per server process")
        sp.add_argument("--workers", type=int, default=0, help="server processes (0: the serve command's default)")
        sp.add_argument("--port", type=int, default=0, help="0: a free port")
        sp.add_argument("--json", action="store_true")
    rp = sub.choices["run"]
    rp.add_argument("--connections", type=lambda s: [int(x) for x in s.split(",")], default=[10, 50])
    rp.add_argument("--duration", type=int, default=20)
    rp.add_argument("--sessions", type=int, default=20, help="employers and people logged in (one cookie each)")
    rp.add_argument("--only", default="", help="comma-separated endpoints: " + ", ".join(ENDPOINTS))
    st = sub.choices["streams"]
    st.add_argument("--streams", type=int, default=8, help="event streams to open (phones with a live page)")
    st.add_argument("--wait", type=float, default=70, help="seconds to wait for a health check")
    st.add_argument("--probes", type=int, default=6, help="health checks sent at once while the streams are open")
    args = p.parse_args(argv)
    if args.cmd == "run" and min(args.connections) < 2:
        p.error("--connections: at least 2 each (wrk runs two threads, each with its own connections)")
    Path(args.instance).mkdir(parents=True, exist_ok=True)
    {"seed": seed, "run": run, "streams": streams}[args.cmd](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
