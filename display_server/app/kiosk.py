"""kiosk routes (filled in by its own work)."""

routes: list = []
