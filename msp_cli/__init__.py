"""msp: Making Safeguarding Personal, recorded and counted."""

__version__ = "0.1.0"
