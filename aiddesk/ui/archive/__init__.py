"""The archive area of the window: list, household form, status changes, history."""
