"""Entry script for the packaged program (PyInstaller needs a file, not a console script)."""

import os
import sys

# The windowed Windows build has no console: sys.stdout/sys.stderr are None there, and a message written to them
# (a CLI result, a warning) would raise instead of being dropped.
for _name in ("stdout", "stderr"):
    if getattr(sys, _name) is None:
        setattr(sys, _name, open(os.devnull, "w", encoding="utf-8"))

from aiddesk.cli import main  # noqa: E402 - after the stream fix above

sys.exit(main())
