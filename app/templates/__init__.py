"""The templates shipped with Scenarist: Make's official patterns and one scenario that runs
with no account, each a blueprint with a title, a description and a sample payload.

They live in `resources/templates/<slug>/` (`blueprint.json`, `template.json`), so they ship
inside the package. No Qt here: the welcome screen and the tests read the same list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

import resources

__all__ = ["FIRST_SCENARIO", "TEMPLATES_DIR", "Template", "load_templates", "template"]

TEMPLATES_DIR = Path(resources.__file__).parent / "templates"
FIRST_SCENARIO = "first-scenario"  # runs offline: the one to try first


@dataclass(frozen=True)
class Template:
    slug: str
    title: str
    description: str
    sample_payload: Any  # the body a webhook-started template is tried with; None: no trigger
    folder: Path
    order: int = 100

    @property
    def blueprint_path(self) -> Path:
        return self.folder / "blueprint.json"

    def blueprint(self) -> dict[str, Any]:
        data: dict[str, Any] = orjson.loads(self.blueprint_path.read_bytes())
        return data

    @property
    def starts_with_webhook(self) -> bool:
        """Run once waits for a request (or takes the sample payload) before it runs."""
        flow = self.blueprint().get("flow") or []
        return bool(flow) and flow[0].get("module") == "gateway:CustomWebHook"

    def sample_text(self) -> str | None:
        """The sample payload as the Run once dialog takes it (indented JSON)."""
        if self.sample_payload is None:
            return None
        return orjson.dumps(self.sample_payload, option=orjson.OPT_INDENT_2).decode()


ECHO_HOST = "httpbin.org"  # where the patterns' HTTP calls go: works with no account
ECHO_NOTICE = (f" Its HTTP calls go to {ECHO_HOST}, a public service that echoes what it "
               "receives: put your own API's URL in before you send real data.")


def _read(folder: Path) -> Template:
    meta = orjson.loads((folder / "template.json").read_bytes())
    description = str(meta.get("description") or "")
    if ECHO_HOST.encode() in (folder / "blueprint.json").read_bytes():
        description += ECHO_NOTICE  # nothing leaves the computer unannounced
    return Template(slug=folder.name, title=str(meta["title"]),
                    description=description,
                    sample_payload=meta.get("sample_payload"), folder=folder,
                    order=int(meta.get("order", 100)))


def load_templates(folder: Path = TEMPLATES_DIR) -> list[Template]:
    """Every template, the no-account one first."""
    found = [_read(sub) for sub in folder.iterdir()
             if (sub / "template.json").is_file() and (sub / "blueprint.json").is_file()]
    return sorted(found, key=lambda t: (t.order, t.title.lower()))


def template(slug: str) -> Template:
    """One template by its folder name (KeyError when there is none)."""
    for found in load_templates():
        if found.slug == slug:
            return found
    raise KeyError(slug)
