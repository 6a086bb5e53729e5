"""Entry script for the packaged program (PyInstaller needs a file, not a console script)."""

import sys

from aiddesk.cli import main

sys.exit(main())
