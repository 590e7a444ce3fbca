"""Jinja2 templates and static files from the `screens` package."""

from pathlib import Path

from starlette.templating import Jinja2Templates

import screens

SCREENS_DIR = Path(screens.__file__).parent
templates = Jinja2Templates(directory=str(SCREENS_DIR / "templates"))
STATIC_DIR = SCREENS_DIR / "static"
