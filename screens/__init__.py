"""Jinja2 templates and static files for the TV screens, the kiosk and the web counter."""
