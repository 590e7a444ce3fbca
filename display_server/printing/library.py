"""python-escpos, imported on first use and leaving nothing behind.

Importing python-escpos parses its printer database with PyYAML (about 0.3 s, a fifth of a
server's start here) and pickles it into a new `mkdtemp()` folder that nothing removes: every
process that imported it left a 76 KB folder in /tmp, a server start or an `antrian` command
alike. So it is imported only where a slip is made or a printer is asked (a server whose kiosks
print does that while it starts), and the folder goes as soon as the import is done.
"""

from __future__ import annotations

import functools
import os
import shutil
from types import ModuleType


@functools.cache
def escpos_printers() -> ModuleType:
    """`escpos.printer` (Dummy, Network, Usb, Serial), imported once per process."""
    import escpos.capabilities as capabilities
    import escpos.printer as printers

    if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:  # then the folder is the library's own mkdtemp()
        shutil.rmtree(capabilities.pickle_dir, ignore_errors=True)
    return printers
