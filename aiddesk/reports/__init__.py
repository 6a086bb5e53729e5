"""Printed documents (reportlab): one module per form."""
