"""Jinja2 templates and static files: the repository's `screens/`, installed as `display_server.screens`."""

from importlib.resources import files
from pathlib import Path

from starlette.templating import Jinja2Templates

SCREENS_DIR = Path(str(files("display_server.screens")))
templates = Jinja2Templates(directory=str(SCREENS_DIR / "templates"))
STATIC_DIR = SCREENS_DIR / "static"
