"""A keyboard-first terminal explorer for news coverage of an event."""

__version__ = "0.1.0"
