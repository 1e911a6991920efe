"""Builds cygrad-core's Cython extension modules; metadata lives in pyproject.toml."""
import glob
import os

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

# CYGRAD_SANITIZE=1 (set by tools/sanitize) builds for AddressSanitizer and
# UndefinedBehaviorSanitizer, with debug information and frame pointers for readable reports,
# in place of the release flags (which would come last on the command line and win).
SANITIZE = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g"]
if os.environ.get("CYGRAD_SANITIZE") == "1":
    COMPILE_ARGS, LINK_ARGS = ["-O1", *SANITIZE], SANITIZE
else:
    COMPILE_ARGS, LINK_ARGS = ["-O2", "-g0"], []

# Every extension is named explicitly; generated C goes to build/, never into wheels.
# The engine's sections (.pxi files included by _core.pyx) are listed as its dependencies, so
# that a change to any of them rebuilds the module.
EXTENSIONS = [
    Extension(
        "cygrad.variable._core",
        ["src/cygrad/variable/_core.pyx"],
        depends=sorted(glob.glob("src/cygrad/variable/*.pxi")) + ["src/cygrad/variable/_core.pxd"],
    ),
]

for ext in EXTENSIONS:
    ext.include_dirs.append(numpy.get_include())
    ext.define_macros.append(("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION"))
    ext.extra_compile_args += COMPILE_ARGS
    ext.extra_link_args += LINK_ARGS

setup(
    ext_modules=cythonize(
        EXTENSIONS,
        build_dir="build/cython",
        include_path=["src"],
        compiler_directives={"language_level": 3},
    ),
)
