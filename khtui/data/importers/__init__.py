"""Importers, one module per kind of file."""
