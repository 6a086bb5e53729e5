"""Administrator dialogs: units, user accounts, 低保 lines."""
