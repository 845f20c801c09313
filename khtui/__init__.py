"""khtui: a terminal workbench for tobacco account managers (客户经理)."""

__version__ = "0.1.0"
