"""Services: one user action each, in one transaction, audited. Called by the GUI and the CLI alike."""
