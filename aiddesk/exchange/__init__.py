"""Workbooks in and out: the exchange format (EXCHANGE.md) and other programs' tables."""
