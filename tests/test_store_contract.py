"""The store contract: what every backend of ``crawler.store`` guarantees to its callers.

Each test takes ``store_url`` and so runs once per backend in ``BACKENDS``
(as APScheduler runs one suite over its job stores). The backend-specific
tests of SQLite (its file layout, FTS5 syntax errors, WAL) live beside the
code that uses them; here only the interface is exercised: no SQL.
"""

from __future__ import annotations

import ast
import json
import multiprocessing
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.fingerprint import content_hash
from crawler.items import ArticleItem
from crawler.store import (
    EXPORT_FIELDS,
    STORE_SCHEMES,
    ArticleFilter,
    SearchQueryError,
    StoreError,
    UnsupportedStoreError,
    open_store,
    store_exists,
)
from crawler.store.values import ArticleLag, ListedEntry, Listing, PollRow, SourceFreshness
from pipelines.storage import store_articles
from tests.conftest import run_newsmon

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ["sqlite", "postgresql"]
SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path) -> str:
    """A fresh, not yet created store of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/news.db"  # tmp_path is absolute: sqlite:////...
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")  # an empty database: no tables yet
    raise AssertionError(request.param)


@pytest.fixture
def store(store_url):
    opened = open_store(store_url)
    yield opened
    opened.close()


def row(n: int, *, title: str = "", body: str = "", source: str = "wire", **kw) -> dict:
    body = body or f"Body of article {n}."
    return {
        "url": f"https://{source}.example/a/{n}",
        "url_key": f"{source}.example/a/{n}",
        "source": source,
        "title": title or f"Title {n}",
        "body": body,
        "fetched_at": "2024-01-01T00:00:00+00:00",
        "first_seen_at": "2024-01-01T00:00:00+00:00",
        "content_hash": content_hash(None, body),
        **kw,
    }


# --- choosing a backend -----------------------------------------------------------


def test_a_path_and_a_sqlite_url_open_the_same_store(tmp_path):
    with open_store(tmp_path / "x.db") as first, first.write() as tx:
        tx.insert_article(row(1), None)
    assert store_exists(f"sqlite:///{tmp_path}/x.db") and not store_exists(tmp_path / "y.db")
    with open_store(f"sqlite:///{tmp_path}/x.db") as second:
        assert second.count_articles() == 1


def test_an_unknown_scheme_is_one_line_naming_the_supported_ones(tmp_path):
    with pytest.raises(UnsupportedStoreError) as error:
        open_store("mysql://db.example/newsmon")
    message = str(error.value)
    assert "\n" not in message and "'mysql'" in message
    assert all(f"{scheme}://" in message for scheme in STORE_SCHEMES if scheme)
    for command in (["crawl"], ["status"], ["search", "x"], ["rescore"], ["runs"]):
        result = run_newsmon(*command, "--db", "mysql://db.example/newsmon", cwd=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.count("\n") == 1 and "unsupported store scheme" in result.stderr


# --- schema ---------------------------------------------------------------------------


def test_migrations_are_idempotent_and_keep_the_data(store_url):
    with open_store(store_url) as first, first.write() as tx:
        tx.insert_article(row(1), None)
    for _ in range(2):
        with open_store(store_url) as again:
            assert again.count_articles() == 1
            assert again.find_article(["wire.example/a/1"]).story_id is not None


def _open_at_once(url: str, barrier, results) -> None:
    barrier.wait()
    try:
        with open_store(url) as store:
            results.put(store.count_articles())
    except StoreError as exc:  # reported, so the test shows the message
        results.put(str(exc))


def test_two_processes_creating_the_store_at_once_both_succeed(store_url):
    results = _in_processes(_open_at_once, store_url, 2)
    assert results == [0, 0]


# --- writes -------------------------------------------------------------------------------


def _insert_missing(url: str, barrier, results) -> None:
    """Store articles 0..39 unless stored: the check and the insert in one write transaction."""
    with open_store(url) as store:
        barrier.wait()
        inserted = 0
        for n in range(40):
            with store.write() as tx:
                if tx.find_article([f"wire.example/a/{n}"]) is None:
                    tx.insert_article(row(n), None)
                    inserted += 1
        results.put(inserted)


def test_no_duplicate_rows_under_two_concurrent_writers(store_url):
    open_store(store_url).close()
    inserted = _in_processes(_insert_missing, store_url, 2)
    assert sum(inserted) == 40
    with open_store(store_url) as store:
        assert store.count_articles() == 40
        assert len({store.find_article([f"wire.example/a/{n}"]).id for n in range(40)}) == 40


def test_a_second_row_under_one_url_key_is_refused(store):
    with store.write() as tx:
        tx.insert_article(row(1), None)
    with pytest.raises(StoreError), store.write() as tx:
        tx.insert_article(row(1, title="again"), None)
    assert store.count_articles() == 1


def test_a_failed_transaction_leaves_nothing_behind(store):
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.insert_article(row(1), None)
        tx.add_aliases(1, ["wire.example/alias"])
        raise RuntimeError("the batch fails half-way")
    assert store.count_articles() == 0 and store.find_article(["wire.example/alias"]) is None


def test_articles_aliases_versions_and_relevance(store):
    with store.write() as tx:
        first = tx.insert_article(row(1, body="First text."), None)
        tx.add_aliases(first, ["wire.example/amp/1", "wire.example/amp/1"])
    found = store.find_article(["elsewhere", "wire.example/amp/1"])
    assert (found.id, found.url_key, found.story_id) == (first, "wire.example/a/1", first)
    assert store.same_text_key("wire", content_hash(None, "First text.")) == "wire.example/a/1"
    assert store.same_text_key("other", content_hash(None, "First text.")) is None
    with store.write() as tx:
        tx.archive_version(first, "2024-01-02T00:00:00+00:00")
        tx.update_article(first, {"body": "Second text.", "content_hash": "h2"})
    assert (
        store.article_body(first) == "Second text." and store.article(first)["title"] == "Title 1"
    )
    with store.write() as tx:
        # a crawl rewrote the text since it was read: the stale score is not written
        stale = dict(title="Title 1", relevant=True, topics='["t"]', topic_terms="{}", score=1.0)
        assert not tx.set_relevance(first, content_hash="h1", **stale)
        assert tx.set_relevance(first, content_hash="h2", **stale)
    (scored,) = store.scoring_batch(0, 10)
    assert scored.relevant and scored.topics == '["t"]' and store.scoring_batch(first, 10) == []


def test_http_validators_round_trip(store):
    store.save_http_validators({"https://a/feed": ('"v1"', None), "https://b/feed": (None, "Mon")})
    store.save_http_validators({"https://a/feed": ('"v2"', "Tue")})
    assert store.http_validators() == {
        "https://a/feed": ('"v2"', "Tue"),
        "https://b/feed": (None, "Mon"),
    }


# --- stories --------------------------------------------------------------------------

WIRE = "\n\n".join(
    f"Paragraph {n} of the wire report: the convoy of the International Committee of the Red "
    f"Cross crossed the Lachin corridor with {n * 7} tonnes of flour, medicine and baby food, "
    f"and officials in Stepanakert said the next convoy would follow within {n + 2} days."
    for n in range(1, 6)
)
OTHER = "\n\n".join(
    f"Section {n}: the chess olympiad in Jermuk entered round {n}, and the Armenian team drew "
    f"its match against the Dutch players after {n * 11} moves of a long endgame."
    for n in range(1, 6)
)


def item(n: int, body: str, source: str) -> ArticleItem:
    url = f"https://{source}.example/a/{n}"
    return ArticleItem(
        url=url,
        url_key=url,
        source=source,
        title=f"Report {n}",
        body=body,
        content_hash=content_hash(None, body),
        fetched_at="2024-01-01T00:00:00+00:00",
    )


def test_story_grouping_sees_copies_written_by_another_connection(store_url):
    # Both opened before anything is written: the second must still see the first's article.
    with open_store(store_url) as one, open_store(store_url) as two:
        store_articles(one, [item(1, WIRE, "wire")])
        copy = "YEREVAN — " + WIRE + "\n\nSource: Caucasus Wire"
        store_articles(two, [item(2, copy, "kavkaz"), item(3, OTHER, "sport")])
        original = one.find_article(["https://wire.example/a/1"])
        assert two.find_article(["https://kavkaz.example/a/2"]).story_id == original.id
        assert one.find_article(["https://sport.example/a/3"]).story_id not in (None, original.id)


# --- search -----------------------------------------------------------------------------


@pytest.fixture
def archive(store):
    with store.write() as tx:
        tx.insert_article(
            row(1, title="Lachin corridor closed", relevant=1, source="armwire",
                body="The Lachin corridor stayed closed; Stepanakert rationed bread."),
            None,
        )  # fmt: skip
        tx.insert_article(
            row(2, title="Şuşa road", source="azpress",
                body="Azərbaycan ordusu Şuşa yolunda. Lachin is mentioned once."),
            None,
        )  # fmt: skip
        tx.insert_article(
            row(3, title="Лачинский коридор", source="rusnews",
                body="Движение по Лачинскому коридору заблокировано. МИРОТВОРЦЫ ведут переговоры."),
            None,
        )  # fmt: skip
        tx.insert_article(
            row(4, title="Լաչինի միջանցք", source="armenpress", body="Լաչինի միջանցքը փակ է։"),
            None,
        )
    return store


def ids(results: list[dict]) -> list[int]:
    return [r["id"] for r in results]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lachin", [1, 2]),  # ranked: the article about it first
        ("LACHIN corridor", [1]),  # every word must match, any case
        ('"corridor stayed"', [1]),
        ('"stayed corridor"', []),  # a phrase keeps its order
        ('"closed the"', []),  # nor spans the title's end and the body's start
        ("lachin NOT bread", [2]),
        ("bread OR миротворцы", {1, 3}),
        ("susa", [2]),  # diacritics folded
        ("миротворцы", [3]),  # case folded beyond ASCII
        ("коридор*", [3]),  # prefix
        ("Լաչինի", [4]),
        ("NEAR(lachin bread, 5)", [1]),  # five words between them
        ("NEAR(bread lachin, 4)", []),
        ('NEAR("corridor stayed" stepanakert)', [1]),
    ],
)
def test_search_semantics(archive, query, expected):
    found = ids(archive.search(query))
    assert (set(found) if isinstance(expected, set) else found) == expected
    assert archive.count_matches(query) == len(expected)


def test_search_filters_limit_and_snippets(archive):
    assert ids(archive.search("lachin", sources=["azpress"])) == [2]
    assert ids(archive.search("lachin", relevant=True)) == [1]
    assert ids(archive.search("lachin", limit=1)) == [1]
    (hit,) = archive.search("corridor stayed")
    assert "[corridor] [stayed]" in hit["snippet"]
    assert {"id", "published_at", "source", "title", "url", "relevant", "snippet"} <= set(hit)


def test_a_malformed_query_is_a_search_error(archive):
    with pytest.raises(SearchQueryError):
        archive.search('"unterminated')


# --- locks -------------------------------------------------------------------------------


def _hold_locks(url: str, held) -> None:
    with open_store(url) as store, store.source_locks(["a", "b"]) as locks:
        assert locks.acquire(0, run_id=7) == {}
        assert store.daemon_lock().try_acquire()
        held.set()
        time.sleep(120)  # until killed


def test_source_locks_are_exclusive_across_processes(store_url):
    open_store(store_url).close()
    held = SPAWN.Event()
    holder = SPAWN.Process(target=_hold_locks, args=(store_url, held))
    holder.start()
    try:
        assert held.wait(60)
        with open_store(store_url) as store:
            locks = store.source_locks(["a", "c"])
            busy = locks.acquire(0)
            assert list(busy) == ["a"] and locks.held == ["c"]
            assert busy["a"].pid == holder.pid and busy["a"].run_id == 7
            daemon = store.daemon_lock()
            assert not daemon.try_acquire() and daemon.holder().pid == holder.pid
            locks.release()
            with store.source_locks(["c"]) as again:
                assert again.acquire(0) == {}  # released by this process
            # a holder that dies without releasing leaves no stale lock
            holder.kill()
            holder.join(30)
            with store.source_locks(["a", "b"]) as again:
                assert again.acquire(5) == {} and again.held == ["a", "b"]
            assert daemon.try_acquire()
            daemon.release()
    finally:
        if holder.is_alive():
            holder.kill()
            holder.join(30)


# --- run history ---------------------------------------------------------------------------


def test_run_history_open_and_close(store):
    run_id = store.start_run(
        trigger="schedule", sources=["a", "b"], job_id="feeds", pid=4242, host="h1", pid_started=1.5
    )
    assert store.running_runs() == [(run_id, 4242, "h1", 1.5)]
    store.set_run_process(run_id, pid=4343, host="h2", pid_started=2.5)
    store.set_run_sources(run_id, ["a"])
    assert store.running_runs() == [(run_id, 4343, "h2", 2.5)]
    counts = {"a": {"pages_fetched": 3, "articles_new": 2}, "b": {"errors": 1}}
    assert store.finish_run(run_id, status="ok", per_source=counts, message="finish reason: x")
    assert not store.finish_run(run_id, status="abandoned", only_if_running=True)
    store.append_run_message(run_id, "skipped busy source(s): b")
    assert store.running_runs() == []
    summary = store.run_summary(run_id)
    assert summary == {"status": "ok", "pages_fetched": 3, "articles_new": 2, "errors": 1,
                       "message": "finish reason: x; skipped busy source(s): b"}  # fmt: skip
    (whole,) = store.runs()
    assert whole.sources == ["a"] and whole.counts["pages_fetched"] == 3 and whole.finished_at
    assert (whole.pid, whole.host, whole.pid_started) == (4343, "h2", 2.5)
    assert store.runs(source="b") == []  # the run was narrowed to "a"
    (of_a,) = store.runs(source="a")
    assert of_a.source_status == "ok" and of_a.source_counts["articles_new"] == 2

    manual = store.start_run(trigger="manual", sources=["b"])
    store.mark_run(manual, status="timeout", message="exceeded its timeout")
    assert [r.id for r in store.runs(exclude_statuses=("timeout",))] == [run_id]
    assert [r.id for r in store.runs(job_id="feeds")] == [run_id]
    assert [r.id for r in store.runs(limit=1)] == [manual]
    assert [r.id for r in store.runs(status="timeout")] == [manual]
    assert list(store.last_run_by_job()) == ["feeds"]
    assert store.source_names_in_history() == ["a", "b"]
    assert store.describe()["runs"] == 2


def test_a_run_records_the_scrapyd_node_and_job_that_carry_it(store):
    local = store.start_run(trigger="schedule", sources=["a"], job_id="feeds")
    remote = store.start_run(trigger="schedule", sources=["b"], job_id="all")
    store.set_run_node(remote, node="http://crawl1:6800", node_job="newsmon-run-2-ab")
    store.set_run_node(remote, node="http://crawl2:6800", node_job="newsmon-run-2-cd")  # moved
    rows = {r.id: r for r in store.runs(status="running")}
    assert (rows[local].node, rows[local].node_job) == (None, None)
    assert (rows[remote].node, rows[remote].node_job) == ("http://crawl2:6800", "newsmon-run-2-cd")
    store.finish_run(remote, status="ok")
    (closed,) = store.runs(status="ok")
    assert closed.node == "http://crawl2:6800"  # still told once the run is closed


# --- translation index and backfill ledger ----------------------------------------------


def test_translation_index_round_trip(store):
    with store.write() as tx:
        first, second = (tx.insert_article(row(n, source=f"s{n}"), None) for n in (1, 2))
        tx.index_translation(first, language="en", family="s1", signature="a", keys=["k1", "k2"])
        tx.index_translation(second, language="ru", family="s2", signature="b", keys=["k1"])
        # Signed again (a changed text): the signature is replaced, a key held stays one row.
        tx.index_translation(second, language="hy", family="s2", signature="c", keys=["k1", "k3"])
        tx.link_story(second, linked_id=first, story_id=first, kind="translation", evidence="{}",
                      at=at(1))  # fmt: skip
        tx.link_story(second, linked_id=first, story_id=first, kind="translation",
                      evidence='{"score": 1}', at=at(2))  # fmt: skip
    assert sorted(store.translation_key_holders(["k1", "k2", "k3", "none"], 5)) == [
        ("k1", first), ("k1", second), ("k2", first), ("k3", second)]  # fmt: skip
    assert store.translation_key_holders(["k1"], 1) == [("k1", second)]  # the newest
    (signed,) = store.translation_signatures([first, second], other_than="en")
    assert (signed[0], signed[1], signed[3:]) == (second, second, ("hy", "s2", "c"))


def test_read_windows_and_the_capture_ledger(store):
    assert store.read_windows() == {}
    store.save_read_windows({"https://a.example/feed": "2024-01-01", "https://b.example/map": "x"})
    store.save_read_windows({"https://a.example/feed": "2023-06-01"})
    assert store.read_windows() == {"https://a.example/feed": "2023-06-01",
                                    "https://b.example/map": "x"}  # fmt: skip
    listed = [("k1", "https://a.example/1", "20240105", None),
              ("k2", "https://a.example/2", "20240110", "f.warc.gz 10 20")]  # fmt: skip
    assert sorted(store.record_captures("wayback", "a", listed)) == listed
    # Listed again: an earlier capture of a URL not fetched yet replaces the later one.
    again = [("k1", "https://a.example/1", "20231201", "g.warc.gz 0 5"),
             ("k2", "https://a.example/2", "20240301", None)]  # fmt: skip
    assert sorted(store.record_captures("wayback", "a", again)) == [again[0], listed[1]]
    store.mark_captures("wayback", ["k1"], "fetched")
    assert store.pending_captures("wayback", "a", "20240101", None) == [listed[1]]
    assert store.pending_captures("wayback", "a", "20240101", "20240108") == []
    assert store.record_captures("wayback", "a", [again[0]]) == []  # fetched: not listed again
    assert store.capture_states() == {"a": {"fetched": 1, "listed": 1}}
    assert store.capture_states("warc") == {}


def test_listing_progress_is_saved_with_the_page_it_follows(store):
    assert store.listing("wayback", "a", "2023-01-01", None) is None
    page = Listing("2023-01-01", None, cursor="key1", pages=1)
    store.record_captures("wayback", "a", [("k1", "https://a.example/1", "20230105", None)], page)
    assert store.listing("wayback", "a", "2023-01-01", None) == page
    # Per window and per index: a closed window and a Common Crawl crawl are other listings.
    assert store.listing("wayback", "a", "2023-01-01", "2023-02-01") is None
    cc = Listing("2023-01-01", "2023-02-01", "CC-MAIN-2023-06", cursor="3/7", pages=3)
    store.record_captures("commoncrawl", "a", [], cc)
    assert store.listing("commoncrawl", "a", "2023-01-01", "2023-02-01", "CC-MAIN-2023-06") == cc
    assert store.listing("commoncrawl", "a", "2023-01-01", "2023-02-01") is None
    done = Listing("2023-01-01", None, cursor=None, pages=2, done=True)
    store.record_captures("wayback", "a", [], done)
    assert store.listing("wayback", "a", "2023-01-01", None) == done
    assert store.pending_captures("wayback", "a", "2023-01-01", None) == [
        ("k1", "https://a.example/1", "20230105", None)
    ]


# --- no SQL outside the store ------------------------------------------------------------

SCANNED = ("crawler", "pipelines", "schedules", "benchmarks")
STORE_PACKAGE = ("crawler", "store")
# Builds the large benchmark archives below the store's interface on purpose (page
# cache and sync pragmas, indexes dropped and rebuilt around COPY): never run by newsmon.
NOT_SCANNED = {"benchmarks/bulkload.py"}
SQL = re.compile(
    r"\bSELECT\b.*\bFROM\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\b(CREATE|DROP)\s+(TABLE|INDEX|TRIGGER|VIEW|VIRTUAL)\b|\bALTER\s+TABLE\b|\bPRAGMA\s+\w+"
    r"|\bBEGIN\s+(IMMEDIATE|EXCLUSIVE|DEFERRED|TRANSACTION)\b|\b(COMMIT|ROLLBACK)\b",
    re.S,
)
DRIVER_CALLS = {"execute", "executemany", "executescript"}


def sql_offenders(path: Path, name: str) -> list[str]:
    """``name:line: what`` for each SQL string literal (docstrings aside) and driver call in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings and SQL.search(node.value):
                found.append((node.lineno, f"SQL {node.value.strip()[:50]!r}"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in DRIVER_CALLS:
                found.append((node.lineno, f".{node.func.attr}() call"))
    return [f"{name}:{line}: {what}" for line, what in sorted(found)]


def test_feed_polls_listed_entries_and_lags(store):
    feed = "https://wire.example/rss"
    polls = [
        PollRow(feed, "wire", "2024-06-01T08:00:00+00:00", 200, 2,
                ("2024-06-01T07:50:00+00:00",), None, 600.0, 20),
        PollRow(feed, "wire", "2024-06-01T08:10:00+00:00", 429, 0, (), 120.0, None),
        PollRow("https://other.example/rss", "other", "2024-06-01T08:05:00+00:00", None),
    ]  # fmt: skip
    entries = [
        ListedEntry(feed, "wire.example/a/1", "wire", "2024-06-01T08:00:00+00:00"),
        ListedEntry(feed, "wire.example/a/2", "wire", "2024-06-01T08:00:00+00:00",
                    "2024-06-01T07:50:00+00:00"),
    ]  # fmt: skip
    store.record_polls(polls, entries, polls_since="2024-05-25", entries_since="2024-05-01")
    # Listed again later: the entry keeps its first listing.
    again = [ListedEntry(feed, "wire.example/a/1", "wire", "2024-06-01T09:00:00+00:00")]
    store.record_polls([], again, polls_since="2024-05-25", entries_since="2024-05-01")
    history = store.feed_polls("2024-06-01T00:00:00+00:00")
    assert history[feed] == polls[:2]
    assert history["https://other.example/rss"] == [polls[2]]
    assert store.feed_polls("2024-06-01T08:06:00+00:00", [feed]) == {feed: [polls[1]]}
    assert store.feed_polls("2000", []) == {}
    assert store.listed_before(feed, ["wire.example/a/1", "wire.example/a/9"]) == {
        "wire.example/a/1": "2024-06-01T08:00:00+00:00"
    }
    # Old polls of a feed recorded again are dropped; so are entries no longer listed.
    later = PollRow(feed, "wire", "2024-06-09T08:00:00+00:00", 304)
    store.record_polls(
        [later],
        [],
        polls_since="2024-06-02T00:00:00+00:00",
        entries_since="2024-06-01T08:30:00+00:00",
    )
    assert store.feed_polls("2000", [feed]) == {feed: [later]}
    assert store.listed_before(feed, ["wire.example/a/1", "wire.example/a/2"]) == {
        "wire.example/a/1": "2024-06-01T08:00:00+00:00"
    }

    with store.write() as tx:
        old = tx.insert_article(row(1, source="wire"), None)
        new = tx.insert_article(
            row(2, source="wire", first_seen_at="2024-06-01T08:00:40+00:00"), None
        )
        other = tx.insert_article(
            row(3, source="wire", first_seen_at="2024-06-01T08:02:00+00:00"), None
        )
        tx.add_aliases(other, ["wire.example/alias/3"])
    found = store.new_articles(
        ["wire.example/a/1", "wire.example/a/2", "wire.example/alias/3"],
        "2024-06-01T08:00:00+00:00",
    )
    assert sorted((f.key, f.article_id, f.first_seen_at) for f in found) == [
        ("wire.example/a/2", new, "2024-06-01T08:00:40+00:00"),
        ("wire.example/alias/3", other, "2024-06-01T08:02:00+00:00"),
    ]
    assert old not in {f.article_id for f in found}
    lags = [
        ArticleLag(new, "wire", "2024-06-01T08:00:40+00:00", None, "2024-06-01T08:00:00+00:00", None, 40.0),
        ArticleLag(other, "wire", "2024-06-01T08:02:00+00:00", "2024-06-01T07:00:00+00:00", None, 3720.0, None),
        ArticleLag(old, "old", "2024-01-01T00:00:00+00:00", None, None, 10.0, 10.0),
    ]  # fmt: skip
    store.record_lags(lags)
    store.record_lags([ArticleLag(new, "wire", "2024-06-01T08:00:40+00:00", lag_feed_s=1.0)])
    assert store.freshness("2024-06-01T00:00:00+00:00") == {
        "wire": SourceFreshness("wire", 2, 3720.0, 40.0, "2024-06-01T08:02:00+00:00")
    }


def test_the_freshness_median_of_an_even_and_an_odd_count(store):
    with store.write() as tx:
        ids = [tx.insert_article(row(n, source="s"), None) for n in range(5)]
    store.record_lags(
        [ArticleLag(i, "even" if n < 4 else "odd", "2024-06-01T00:00:00+00:00", lag_feed_s=float(v))
         for n, (i, v) in enumerate(zip(ids, (10, 40, 20, 1000, 7), strict=True))]
    )  # fmt: skip
    medians = {k: v.median_lag_feed_s for k, v in store.freshness("2024-01-01").items()}
    assert medians == {"even": 30.0, "odd": 7.0}


def test_no_sql_outside_the_store_package():
    offenders = [
        line
        for top in SCANNED
        for path in sorted((ROOT / top).rglob("*.py"))
        if path.relative_to(ROOT).parts[:2] != STORE_PACKAGE
        and str(path.relative_to(ROOT)) not in NOT_SCANNED
        for line in sql_offenders(path, str(path.relative_to(ROOT)))
    ]
    assert offenders == [], "SQL outside crawler/store/:\n" + "\n".join(offenders)


def test_the_scan_finds_sql(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Docstrings may say SELECT x FROM y."""\n'
        'QUERY = f"SELECT id FROM {table} WHERE x = ?"\n'
        "conn.executemany(QUERY, [])\n"
        'NOTE = "select the first from the list"\n'
    )
    assert sql_offenders(sample, "s") == ["s:2: SQL 'SELECT id FROM'", "s:3: .executemany() call"]


def test_the_daemon_side_never_imports_scrapy():
    code = (
        "import sys, crawler.store, crawler.store.sqlite, crawler.store.postgres, schedules.daemon, "
        "crawler.commands.status;"
        "print([m for m in sys.modules if m.split('.')[0] == 'scrapy'])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- helpers --------------------------------------------------------------------------------


def _in_processes(target, url: str, n: int) -> list:
    """Run ``target(url, barrier, results)`` in ``n`` processes at once; their results, sorted."""
    barrier, results = SPAWN.Barrier(n), SPAWN.Queue()
    processes = [SPAWN.Process(target=target, args=(url, barrier, results)) for _ in range(n)]
    for process in processes:
        process.start()
    try:
        collected = [results.get(timeout=120) for _ in processes]
    finally:
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.kill()
    assert all(p.exitcode == 0 for p in processes)
    return sorted(collected, key=str)


# --- alerts: their stories and the delivery ledger ---------------------------------------

T0 = "2024-06-01T00:00:00+00:00"


def at(hour: int) -> str:
    return f"2024-06-01T{hour:02d}:00:00+00:00"


def add_copy(store, n: int, story: int | None, *, source: str, hour: int, **kw) -> int:
    """Article ``n`` of ``source``, first seen at ``hour`` (a relevant copy unless told)."""
    values = {"relevant": 1, "topics": '["t1"]', "language": "en", **kw}
    with store.write() as tx:
        return tx.insert_article(row(n, source=source, first_seen_at=at(hour), **values), story)


@pytest.fixture
def alert_archive(store):
    a = add_copy(store, 1, None, source="wire", hour=2, published_at=at(1), body="Hakari bridge")
    add_copy(store, 2, a, source="rus", hour=3, published_at=at(0), language="ru", topics='["t2"]')
    b = add_copy(store, 3, None, source="wire", hour=4, topics='["t2"]')
    add_copy(store, 4, None, source="wire", hour=5, relevant=0, topics="[]")
    add_copy(store, 5, None, source="wire", hour=0)  # before the alert started
    return store, a, b


def test_alert_stories_fold_copies_into_one_story(alert_archive):
    store, a, b = alert_archive
    pending = store.alert_stories(since=at(1), pending_for=("x", "webhook"))
    assert [s.story_id for s in pending] == [a, b]  # oldest first; irrelevant and older left out
    first = pending[0]
    assert first.outlets == ["rus", "wire"] and first.languages == ["ru", "en"]  # by publication
    assert first.topics == ["t1", "t2"] and first.first_seen == at(2)
    assert first.title == "Title 2" and first.url == "https://rus.example/a/2"
    assert [s.story_id for s in store.alert_stories(since=at(1), topics=["t1"])] == [a]
    assert [s.story_id for s in store.alert_stories(since=at(1))] == [b, a]  # newest first
    assert [s.story_id for s in store.alert_stories(search="Hakari")] == [a]
    assert len(store.alert_stories(limit=1)) == 1
    with pytest.raises(SearchQueryError):
        store.alert_stories(search='"unbalanced')


def test_an_alert_story_is_pending_until_its_channel_accepted_it(alert_archive):
    store, a, b = alert_archive
    lease = dict(owner="me", now=at(6), lease_until=at(7))
    assert store.claim_alert_channel("x", "webhook", **lease).claimed
    (story_a,) = store.alert_stories(topics=["t1"], since=at(1))
    store.record_alert_delivery("x", "webhook", [story_a], **lease)

    def pending(channel="webhook", updates=False):
        found = store.alert_stories(since=at(1), pending_for=("x", channel), updates=updates)
        return [s.story_id for s in found]

    assert pending() == [b] and pending("email") == [a, b]
    add_copy(store, 6, a, source="third", hour=6)  # the story grows
    assert pending() == [b] and pending(updates=True) == [a, b]
    # Story b merged into a new story c: c holds b's first article, delivered as b
    store.record_alert_delivery("x", "webhook", store.alert_stories(topics=["t2"]), **lease)
    c = add_copy(store, 7, None, source="other", hour=8)
    assert pending() == [c]
    with store.write() as tx:
        tx.merge_story(c, b)
    assert pending() == []


def test_an_alert_channel_lease_is_exclusive_and_failures_back_off(store):
    assert store.alert_start("x", at(1)) == at(1) and store.alert_start("x", at(5)) == at(1)
    mine = store.claim_alert_channel("x", "email", owner="me", now=at(1), lease_until=at(2))
    assert mine.claimed and mine.failures == 0
    theirs = store.claim_alert_channel("x", "email", owner="you", now=at(1), lease_until=at(3))
    assert not theirs.claimed and theirs.busy_until == at(2)
    assert store.claim_alert_channel("x", "webhook", owner="you", now=at(1), lease_until=at(3))
    # a holder that died: its lease lapses
    lapsed = store.claim_alert_channel("x", "email", owner="you", now=at(2), lease_until=at(4))
    assert lapsed.claimed
    store.record_alert_failure("x", "email", owner="you", error="down", retry_at=at(6))
    waiting = store.claim_alert_channel("x", "email", owner="me", now=at(5), lease_until=at(7))
    assert not waiting.claimed and waiting.failures == 1 and waiting.next_attempt_at == at(6)
    due = store.claim_alert_channel("x", "email", owner="me", now=at(6), lease_until=at(8))
    assert due.claimed and due.failures == 1
    store.record_alert_delivery("x", "email", [], owner="me", now=at(6), lease_until=at(8))
    store.release_alert_channel("x", "email", owner="me")
    again = store.claim_alert_channel("x", "email", owner="you", now=at(6), lease_until=at(8))
    assert again.claimed and again.failures == 0 and again.next_attempt_at is None


# --- reading: stories, search by story, export ---------------------------------------------


@pytest.fixture
def stories_archive(store):
    copy = "YEREVAN — " + WIRE + "\n\nSource: Caucasus Wire"
    items = [item(1, WIRE, "wire"), item(2, copy, "kavkaz"), item(3, OTHER, "sport")]
    for n, date in ((0, "2024-01-02T00:00:00+00:00"), (1, "2024-01-03T00:00:00+00:00"),
                    (2, "2024-01-05T00:00:00+00:00")):  # fmt: skip
        items[n].published_at = date
    items[0].topics, items[1].topics = ["karabakh-blockade"], ["karabakh-blockade"]
    items[0].relevant = items[1].relevant = True
    store_articles(store, items)
    return store


def test_stories_are_newest_first_with_copies_in_order(stories_archive):
    found = list(stories_archive.stories())
    assert [s.outlets for s in found] == [["sport"], ["wire", "kavkaz"]]
    blockade = found[1]
    assert blockade.first_seen == "2024-01-02T00:00:00+00:00" and blockade.topics == [
        "karabakh-blockade"
    ]
    assert [a["source"] for a in blockade.articles] == ["wire", "kavkaz"]
    assert [
        s.outlets for s in stories_archive.stories(ArticleFilter(topic="karabakh-blockade"))
    ] == [["wire", "kavkaz"]]
    assert [s.outlets for s in stories_archive.stories(ArticleFilter(since="2024-01-03"))] == [
        ["sport"], ["kavkaz"]
    ]  # fmt: skip
    assert len(list(stories_archive.stories(limit=1))) == 1


def test_search_gives_one_hit_per_story(stories_archive):
    (hit,) = stories_archive.search_stories("Lachin corridor")
    assert (hit.source, hit.matching_copies) == ("kavkaz", 2)  # the newest copy
    assert [c["source"] for c in hit.also_in] == ["wire"]
    assert "[Lachin] [corridor]" in hit.snippet
    with pytest.raises(SearchQueryError):
        stories_archive.search_stories("Lachin OR")


def test_export_streams_selected_articles_and_a_subset_store(stories_archive, tmp_path):
    rows = list(stories_archive.export_articles(ArticleFilter(sources=("kavkaz", "sport"))))
    assert [r["source"] for r in rows] == ["kavkaz", "sport"] and list(rows[0]) == list(
        EXPORT_FIELDS
    )
    assert rows[0]["topics"] == ["karabakh-blockade"]
    assert stories_archive.has_value("topics", "karabakh-blockade")
    assert not stories_archive.has_value("source", "nope")
    assert stories_archive.known_values("source") == ["kavkaz", "sport", "wire"]
    subset = tmp_path / "subset.db"
    assert stories_archive.export_subset(str(subset), ArticleFilter(relevant=True)) == 2
    with open_store(subset, read_only=True) as handed:
        (story,) = handed.stories()
        assert story.outlets == ["wire", "kavkaz"]
        assert [h.source for h in handed.search_stories("Stepanakert")] == ["kavkaz"]


def test_search_by_story_reaches_past_many_copies_of_one_story(store):
    def dated(n: int, day: int, **kw) -> dict:
        return row(n, title="Hakari bridge", published_at=f"2024-01-{day:02d}T00:00:00+00:00", **kw)

    with store.write() as tx:
        older = tx.insert_article(dated(1, 1), None)
        newer = tx.insert_article(dated(2, 2), None)
        for n in range(3, 13):  # more copies than a first read of matches holds
            tx.insert_article(dated(n, 3, source=f"s{n}"), newer)
    hits = store.search_stories("Hakari", limit=2)
    assert [hit.story_id for hit in hits] == [newer, older]
    assert hits[0].matching_copies == 11 and len(hits[0].also_in) == 10


@pytest.mark.parametrize("few", [0, 20_000], ids=["date-walk", "every-match"])
def test_search_by_story_is_newest_first_whichever_way_the_matches_are_read(
    store, monkeypatch, few
):
    """PostgreSQL reads a query's matches through its GIN index when few articles match, else
    walks the date index; both give one answer (SQLite has one way, the same answer)."""
    from crawler.store.postgres import reading

    monkeypatch.setattr(reading, "FEW_MATCHES", few)
    bodies = {
        1: "The Hakari bridge was closed again.",
        2: "Closed for repairs, said the Hakari office; the bridge stays open.",
        3: "The Hakari bridge reopened.",
        4: "No bridge here.",
    }
    with store.write() as tx:
        ids = {
            n: tx.insert_article(
                row(
                    n,
                    body=body,
                    source=f"s{n}",
                    published_at=None if n == 3 else f"2024-01-0{n}T00:00:00+00:00",
                    first_seen_at=f"2024-01-0{n + 5}T00:00:00+00:00",
                ),
                None,
            )
            for n, body in bodies.items()
        }
    newest_first = [ids[3], ids[2], ids[1]]  # 3 has no publication time: its first sighting
    assert [hit.id for hit in store.search_stories("Hakari")] == newest_first
    assert [hit.id for hit in store.search_stories('"Hakari bridge"')] == [ids[3], ids[1]]
    assert [hit.id for hit in store.search_stories("NEAR(Hakari closed, 2)")] == [ids[1]]
    assert [hit.id for hit in store.search_stories("bridge", limit=2)] == [ids[3], ids[4]]


@pytest.mark.parametrize("walk", [250, 1], ids=["walk", "group"])
def test_newest_stories_rank_by_their_first_sighting_even_when_a_copy_is_newer(
    store, monkeypatch, walk
):
    """A story whose oldest copy is the oldest article ranks last, though its newest copy is the
    newest article: the walk down the date index must not stop at the copy it meets first; where
    the walk runs too long, grouping every article gives the same answer."""
    from crawler.store.sqlite import reading

    monkeypatch.setattr(reading, "STORY_WALK", walk)

    def dated(n: int, day: int, source: str) -> dict:
        return row(n, source=source, published_at=f"2024-01-{day:02d}T00:00:00+00:00")

    with store.write() as tx:
        late = tx.insert_article(dated(1, 1, "a"), None)
        tx.insert_article(dated(2, 10, "b"), late)  # a copy of the first story, much later
        middle = tx.insert_article(dated(3, 5, "c"), None)
        recent = tx.insert_article(dated(4, 8, "d"), None)
    everything = [story.story_id for story in store.stories()]
    assert everything == [recent, middle, late]
    assert [story.story_id for story in store.stories(limit=2)] == [recent, middle]
    (oldest,) = [s for s in store.stories(limit=3) if s.story_id == late]
    assert [a["source"] for a in oldest.articles] == ["a", "b"]
    assert oldest.first_seen == "2024-01-01T00:00:00+00:00"
    assert list(store.stories(ArticleFilter(sources=("zzz",)), limit=5)) == []
    LATER = "2024-02-01T00:00:00+00:00"
    with store.write() as tx:  # undated, stored at one time: ties broken by story, newest first
        tied = [tx.insert_article(row(n, source="e", first_seen_at=LATER), None) for n in (5, 6, 7)]
    assert [story.story_id for story in store.stories(limit=2)] == [tied[2], tied[1]]
    assert [story.story_id for story in store.stories(limit=4)] == [*tied[::-1], recent]


# --- topic filters: through article_topics, the same answer as the JSON lists ------------------


@pytest.fixture
def topic_archive(store):
    """Stories whose copies carry different topics, two articles rescored after they were
    stored (one to other topics, one from none to one) and articles with no topic."""

    def add(n: int, story: int | None, topics: list[str], *, source: str = "wire") -> int:
        return add_copy(
            store, n, story, source=source, hour=n, published_at=f"2024-05-{n:02d}T00:00:00+00:00",
            body=f"Hakari bridge, report {n}.", relevant=int(bool(topics)),
            topics=json.dumps(topics),
        )  # fmt: skip

    a = add(1, None, ["blockade"])
    add(2, a, ["blockade", "peacekeepers"], source="rus")
    add(3, a, [], source="third")  # a copy without the topic: left out of a topic's story
    add(4, None, ["peacekeepers"])
    rescored = add(5, None, ["blockade"], source="sport")
    add(6, None, [])
    add(7, None, ["blockade", "blockade"], source="rus")
    gained = add(8, None, [])
    add(9, gained, ["peacekeepers"], source="rus")
    with store.write() as tx:  # newsmon rescore with other topics
        assert tx.set_relevance(
            rescored, content_hash=content_hash(None, "Hakari bridge, report 5."),
            title="Title 5", relevant=True, topics='["peacekeepers"]', topic_terms="{}", score=1.0,
        )  # fmt: skip
        tx.update_article(gained, {"topics": '["blockade"]', "relevant": 1})
    return store


def _when(article: dict) -> str:
    return article["published_at"] or article["first_seen_at"]


def json_answer(store, topic: str) -> list[dict]:
    """The articles carrying ``topic`` by their JSON lists, read unfiltered."""
    return [r for r in store.export_articles() if topic in r["topics"]]


@pytest.mark.parametrize("topic", ["blockade", "peacekeepers", "sanctions"])
def test_topic_filters_give_the_answer_of_the_json_lists(topic_archive, topic):
    store, wanted = topic_archive, json_answer(topic_archive, topic)
    selected = ArticleFilter(topic=topic)
    assert list(store.export_articles(selected)) == wanted
    by_story: dict[int, list[dict]] = {}
    for article in sorted(wanted, key=lambda r: (_when(r), r["id"])):
        by_story.setdefault(article["story_id"], []).append(article)
    expected = sorted(
        ((min(map(_when, arts)), sid, [r["url"] for r in arts]) for sid, arts in by_story.items()),
        reverse=True,
    )
    found = [
        (s.first_seen, s.story_id, [r["url"] for r in s.articles]) for s in store.stories(selected)
    ]
    assert found == expected
    assert [
        (s.first_seen, s.story_id, [r["url"] for r in s.articles])
        for s in store.stories(selected, limit=2)
    ] == expected[:2]
    newest = sorted(wanted, key=lambda r: (_when(r), r["id"]), reverse=True)
    hits = store.search_stories("Hakari", selected)
    assert [h.id for h in hits] == [r["id"] for r in newest if r is by_story[r["story_id"]][-1]]
    assert store.has_value("topics", topic) == bool(wanted)


def test_the_stored_topics_and_an_alert_s_topics_follow_a_rescore(topic_archive):
    store, rows = topic_archive, list(topic_archive.export_articles())
    assert store.known_values("topics") == sorted({t for r in rows for t in r["topics"]})
    assert store.known_values("topics") == ["blockade", "peacekeepers"]
    first_seen = {}
    for r in rows:
        first_seen[r["story_id"]] = min(
            first_seen.get(r["story_id"], r["first_seen_at"]), r["first_seen_at"]
        )
    for topics in (["blockade"], ["peacekeepers"], ["blockade", "peacekeepers"], ["sanctions"]):
        carried = {r["story_id"] for r in rows if r["relevant"] and set(topics) & set(r["topics"])}
        expected = sorted(carried, key=lambda sid: (first_seen[sid], sid), reverse=True)
        assert [s.story_id for s in store.alert_stories(topics=topics)] == expected
