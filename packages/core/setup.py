"""Builds cygrad-core's Cython extension modules; metadata lives in pyproject.toml."""
import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

# Every extension is named explicitly; generated C goes to build/, never into wheels.
EXTENSIONS = [
    Extension(
        "cygrad.variable._core",
        ["src/cygrad/variable/_core.pyx"],
    ),
]

for ext in EXTENSIONS:
    ext.include_dirs.append(numpy.get_include())
    ext.define_macros.append(("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION"))
    ext.extra_compile_args += ["-O2", "-g0"]

setup(
    ext_modules=cythonize(
        EXTENSIONS,
        build_dir="build/cython",
        include_path=["src"],
        compiler_directives={"language_level": 3},
    ),
)
