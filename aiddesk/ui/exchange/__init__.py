"""The exchange area of the window: export, import, and the centre's cross-unit checks (跨单位重复)."""
