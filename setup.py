"""Kept so the root distribution has the same shape as every package; pyproject.toml holds all
of its metadata and build settings, so this only hands over to setuptools."""
from setuptools import setup

setup()
