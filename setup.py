"""The root distribution depends on the split distributions through their local paths.

So `pip install .` installs cygrad-core, -layers, -models and -optimizers themselves (one copy
of every module) and only adds the `cygrad` command.
"""
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent
SIBLINGS = ["core", "layers", "models", "optimizers"]

setup(
    install_requires=[
        f"cygrad-{name} @ {(HERE / 'packages' / name).as_uri()}" for name in SIBLINGS
    ],
)
