"""Read the report's DOM (as written, or as chromium dumped it after its scripts ran)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class ReportDom:
    body: dict[str, str] = field(default_factory=dict)
    panels: dict[str, dict[str, str]] = field(default_factory=dict)
    errors_text: str = ""
    scripts_with_src: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.dom = ReportDom()
        self._in_errors = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "body":
            self.dom.body = values
        elif tag == "section" and "panel" in values.get("class", "").split():
            self.dom.panels[values["data-chart"]] = values
        elif tag == "pre" and values.get("id") == "report-errors":
            self._in_errors = True
        elif tag == "script" and "src" in values:
            self.dom.scripts_with_src.append(values["src"])
        elif tag in {"link", "img", "iframe", "object", "embed"}:
            self.dom.links.append(values.get("href") or values.get("src") or tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._in_errors = False

    def handle_data(self, data: str) -> None:
        if self._in_errors:
            self.dom.errors_text += data


def parse_report(html: str) -> ReportDom:
    parser = _Parser()
    parser.feed(html)
    return parser.dom
