"""The RSS app through `scenarist run`, against feeds a local HTTP server serves: RSS 2.0 and
Atom items in Make's article shape, the watch trigger's new-items-only cursor, retrieval
between two dates (the real export's module), basic auth, and refused XML entities."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.mail.helpers import Cli, module, scenario
from tests.secrets.scan import leaks
from tests.support.http_stub import Answer, Recorded, recording

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "blueprints"


def rss(*items: tuple[str, str]) -> str:
    """An RSS 2.0 feed, the newest item first as feeds list them: (guid, RFC 822 date)."""
    body = "".join(f"""
    <item>
      <title>Post {guid}</title>
      <link>https://blog.example.com/{guid}</link>
      <guid isPermaLink="false">{guid}</guid>
      <pubDate>{date}</pubDate>
      <description>Short {guid}</description>
      <content:encoded><![CDATA[<p>Full <b>{guid}</b></p>]]></content:encoded>
      <dc:creator>Ada</dc:creator>
      <category>news</category><category>tech</category>
      <comments>https://blog.example.com/{guid}#comments</comments>
      <enclosure url="https://cdn.example.com/{guid}.mp3" type="audio/mpeg" length="1234"/>
    </item>""" for guid, date in items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel><title>Blog</title><link>https://blog.example.com</link>{body}
  </channel>
</rss>"""


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Data centers</title>
  <entry>
    <title>Second entry</title><id>urn:2</id>
    <link rel="alternate" href="https://dc.example.com/2"/>
    <published>2026-03-02T09:00:00Z</published><updated>2026-03-03T09:00:00Z</updated>
    <summary>Two, short</summary><content type="html">&lt;p&gt;Two, long&lt;/p&gt;</content>
    <author><name>Grace</name></author><category term="power"/>
  </entry>
  <entry>
    <title>First entry</title><id>urn:1</id>
    <link href="https://dc.example.com/1"/>
    <published>2026-03-01T09:00:00Z</published>
    <summary>One</summary>
  </entry>
</feed>"""


class Feeds:
    def __init__(self) -> None:
        self.files: dict[str, tuple[str, str]] = {}
        self.requests: list[Recorded] = []
        self.url = ""


@pytest.fixture
def feeds() -> Iterator[Feeds]:
    served = Feeds()

    def respond(request: Recorded) -> Answer:
        served.requests.append(request)
        if request.path == "/private.xml" and request.headers.get("authorization") != (
                "Basic " + base64.b64encode(b"reader:feed-pass-3e").decode()):
            return Answer.of(401, {"error": "login"})
        if request.path not in served.files:
            return Answer.of(404, {"error": "no feed"})
        text, ctype = served.files[request.path]
        return Answer.of(200, text, ctype)

    with recording(respond) as stub:
        served.url = stub.url
        yield served


def watch(url: str, **more: Any) -> dict[str, Any]:
    parameters = {"url": url, "maxResults": 10, "gzip": True, "include": [],
                  "password": "", "username": ""}
    parameters.update(more)
    return module(1, "rss:TriggerNewArticle", 4, parameters=parameters)


def _titles(report: dict[str, Any], module_id: str = "1") -> list[str]:
    return [a["title"] for a in report["modules"][module_id]["outputs"]]


def test_a_feed_yields_new_items_only(feeds: Feeds, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(tmp_path / "ws", capsys)
    feeds.files["/feed.xml"] = (rss(("b", "Tue, 03 Mar 2026 08:00:00 GMT"),
                                    ("a", "Mon, 02 Mar 2026 08:00:00 GMT")), "application/rss+xml")
    blueprint = scenario("Blog", watch(feeds.url + "/feed.xml"),
                         module(2, "util:ComposeTransformer", mapper={"value": "{{1.url}}"}))
    report = cli.run(blueprint)
    assert report["status"] == "success", report
    assert _titles(report) == ["Post a", "Post b"]  # oldest first
    article = report["modules"]["1"]["outputs"][0]
    assert article["description"] == "<p>Full <b>a</b></p>"
    assert article["summary"] == "Short a" and article["author"] == "Ada"
    assert article["url"] == "https://blog.example.com/a"
    assert article["dateCreated"] == "2026-03-02T08:00:00.000Z"
    assert article["categories"] == ["news", "tech"]
    assert article["enclosures"] == [{"url": "https://cdn.example.com/a.mp3",
                                      "type": "audio/mpeg", "length": 1234}]
    assert article["rssFields"]["guid"] == "a"
    assert article["rssFields"]["pubdate"] == "Mon, 02 Mar 2026 08:00:00 GMT"
    assert [b["value"] for b in report["modules"]["2"]["outputs"]] == [
        "https://blog.example.com/a", "https://blog.example.com/b"]

    assert _titles(cli.run(blueprint)) == []
    feeds.files["/feed.xml"] = (rss(("c", "Wed, 04 Mar 2026 08:00:00 GMT"),
                                    ("b", "Tue, 03 Mar 2026 08:00:00 GMT"),
                                    ("a", "Mon, 02 Mar 2026 08:00:00 GMT")),
                                "application/rss+xml")
    assert _titles(cli.run(blueprint)) == ["Post c"]
    assert _titles(cli.run(blueprint)) == []


def test_an_atom_feed_with_a_maximum_per_run(feeds: Feeds, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(tmp_path / "ws", capsys)
    feeds.files["/atom"] = (ATOM, "application/atom+xml")
    blueprint = scenario("Atom", watch(feeds.url + "/atom", maxResults=1))
    first = cli.run(blueprint)
    assert _titles(first) == ["First entry"]
    entry = cli.run(blueprint)["modules"]["1"]["outputs"][0]
    assert entry["title"] == "Second entry"
    assert entry["description"] == "<p>Two, long</p>" and entry["summary"] == "Two, short"
    assert entry["author"] == "Grace" and entry["categories"] == ["power"]
    assert entry["dateCreated"] == "2026-03-02T09:00:00.000Z"
    assert entry["dateUpdated"] == "2026-03-03T09:00:00.000Z"
    assert _titles(cli.run(blueprint)) == []


def test_the_real_exports_retrieve_module_between_dates(
        feeds: Feeds, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`rss:ActionReadArticles` exactly as Aaditya-Patel's export configures it (its date
    filter mapped, two items at most), pointed at the local server."""
    export = json.loads((CORPUS / "Aaditya-Patel__make-com-workflow__Integration RSS."
                         "blueprint_old.json").read_text(encoding="utf-8"))
    read = next(m for m in export["flow"] if m["module"] == "rss:ActionReadArticles")
    read = {**read, "id": 1, "mapper": {**read["mapper"], "url": feeds.url + "/feed.xml",
                                        "filterDateTo": "2026-03-05T00:00:00Z",
                                        "filterDateFrom": "2026-03-02T00:00:00Z"}}
    feeds.files["/feed.xml"] = (rss(("d", "Fri, 06 Mar 2026 08:00:00 GMT"),
                                    ("c", "Wed, 04 Mar 2026 08:00:00 GMT"),
                                    ("b", "Tue, 03 Mar 2026 08:00:00 GMT"),
                                    ("a", "Mon, 02 Mar 2026 08:00:00 GMT"),
                                    ("z", "Sun, 01 Mar 2026 08:00:00 GMT")), "text/xml")
    report = Cli(tmp_path / "ws", capsys).run(scenario("Read", read))
    assert report["status"] == "success", report
    assert _titles(report) == ["Post c", "Post b"]  # feed order, two at most
    assert feeds.requests[-1].headers.get("accept-encoding", "").startswith("gzip")


def test_basic_auth_and_refused_entities(feeds: Feeds, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(tmp_path / "ws", capsys)
    feeds.files["/private.xml"] = (rss(("p", "Mon, 02 Mar 2026 08:00:00 GMT")), "text/xml")
    read = module(1, "rss:ActionReadArticles", 4, parameters={"include": []}, mapper={
        "url": feeds.url + "/private.xml", "username": "reader", "password": "feed-pass-3e",
        "maxResults": "5", "gzip": True})
    assert _titles(cli.run(scenario("Private", read))) == ["Post p"]
    cli("history", "list", "--json")
    assert leaks(["feed-pass-3e"], tmp_path / "ws", cli.printed) == []
    bomb = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;">]><rss><channel><item><title>&b;</title>'
            '</item></channel></rss>')
    feeds.files["/bomb.xml"] = (bomb, "text/xml")
    read["mapper"]["url"] = feeds.url + "/bomb.xml"
    report = cli.run(scenario("Bomb", read), code=1)
    assert "entities" in report["modules"]["1"]["errors"][0]["message"]
