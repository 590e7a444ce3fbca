"""Jinja2 templates and static files: the repository's `screens/`, installed as `display_server.screens`.

Pages carry no inline script (the Content-Security-Policy forbids it): data a page needs at
first paint goes in a `<script type="application/json">` block written with the `script_json`
filter, and the page's own script reads it with `Antrian.pageData(id)`.

Every template gets `base`, the hall's base (app/base.py): links and form actions are
`{{ base }}/...`, and each page's `<meta name="antrian-base">` gives it to the scripts
(`Antrian.url`, `Antrian.socketUrl`). Static files stay at `/static/...`.
"""

import json
from importlib.resources import files
from pathlib import Path

from markupsafe import Markup
from starlette.templating import Jinja2Templates

from .base import template_base

SCREENS_DIR = Path(str(files("display_server.screens")))
templates = Jinja2Templates(directory=str(SCREENS_DIR / "templates"), context_processors=[template_base])
STATIC_DIR = SCREENS_DIR / "static"

# `<` `>` `&` as \u escapes: no `</script>` or `<!--` can end or confuse the element.
_SCRIPT_UNSAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def script_safe_json(value: object) -> str:
    """JSON that is safe inside any `<script>` element, as a data block or as a literal.

    ASCII only, so no U+2028/U+2029 either (line breaks to an ES5 parser). The one helper for
    every JSON written into a page or a script.
    """
    return json.dumps(value, ensure_ascii=True, sort_keys=True).translate(_SCRIPT_UNSAFE)


def _script_json_filter(value: object) -> Markup:
    return Markup(script_safe_json(value))  # escaped above, so no HTML escaping on top


templates.env.filters["script_json"] = _script_json_filter
