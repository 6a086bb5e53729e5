"""The verification (核查) part of the window: SMS notices, phone spot checks, visits, satisfaction, the checklist."""
