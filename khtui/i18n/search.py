"""Retailer lookup."""

ZH: dict[str, str] = {}

EN: dict[str, str] = {}
