"""``python -m aiddesk`` runs the same entry as the ``aiddesk`` command."""

import sys

from .cli import main

sys.exit(main())
