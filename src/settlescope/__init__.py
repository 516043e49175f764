"""settlescope: social media and newcomer settlement research toolkit."""

__version__ = "0.1.0"
