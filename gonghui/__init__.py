"""Gonghui (工会): an open-source 互联网+工会 platform for Chinese trade unions."""

__version__ = "0.1.0"
