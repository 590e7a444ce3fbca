"""HTML pages: TV screens, admin status. (Filled in by the screens work.)"""

routes: list = []
