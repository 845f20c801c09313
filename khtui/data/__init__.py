"""The store (SQLite through sqlite-utils), importers, exporters, demo data and documents."""
