"""The chat page and the embed loader are served locally (no CDN) with the right types; no browser needed here."""
import re

from web.routers.pages import WEB_DIR


def test_chat_page_is_korean_and_loads_only_local_assets(client):
    resp = client.get("/")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    html = resp.text
    assert '<html lang="ko">' in html and 'name="viewport"' in html
    assert '<script src="/widget.js" data-target="#gj-chat" defer></script>' in html
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith(("/", "#", "data:")), f"external asset {url}"


def test_widget_loader_and_styles_are_served(client):
    js = client.get("/widget.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "max-age" in js.headers["cache-control"]
    css = client.get("/static/widget.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_widget_never_writes_html_from_text():
    source = (WEB_DIR / "static" / "widget.js").read_text(encoding="utf-8")
    assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", source)
    assert not re.search(r"https?://(?!HOST)", source.split("*/", 1)[1]), "no hard-coded external URL"
