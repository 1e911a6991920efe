"""``pytest --cygrad-conformance``: cygrad's conformance checks on every installed component.

Installed with cygrad-core as a ``pytest11`` entry point, so the option exists in any test
session once cygrad-core is installed. With it, pytest also runs one test per registered
layer, activation and optimizer (cygrad's own and every installed plugin's) and one test
that no plugin has a problem, after the session's own tests; ``-k gru`` picks some of them.
Without it, this plugin adds nothing.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

# cygrad itself is imported only when the option is given: pytest loads this plugin in every
# session of an environment holding cygrad-core, and those sessions should not pay for it.

OPTION = "--cygrad-conformance"
# The tests' node ids: cygrad-conformance::plugins, cygrad-conformance::layers[gru], ...
NODE = "cygrad-conformance"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("cygrad").addoption(
        OPTION,
        action="store_true",
        default=False,
        help="also run cygrad's conformance checks on every registered layer, activation and "
        "optimizer of cygrad and of the installed plugins",
    )


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect, so that they apply to these too
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if config.getoption(OPTION):
        # genitems reports the collection like pytest's own, so counts and errors show.
        items.extend(session.genitems(Conformance.from_parent(session, name=NODE, nodeid=NODE)))


class Conformance(pytest.Collector):
    """The conformance tests, one per registered component, as children of the session."""

    def collect(self) -> Iterable[pytest.Item]:
        from cygrad.testing.conformance import registered_components

        yield PluginProblems.from_parent(self, name="plugins")
        for kind, name in registered_components():
            yield ComponentCheck.from_parent(self, name=f"{kind}[{name}]", kind=kind, component=name)


class _Check(pytest.Item):
    """A conformance test: its failure is the check's message, without a traceback."""

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, AssertionError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"cygrad conformance: {self.name}"


class PluginProblems(_Check):
    """No installed plugin was skipped or has a problem (``cygrad plugins`` lists them)."""

    def runtest(self) -> None:
        from cygrad.registry import REGISTRY

        problems = [
            f"{row.plugin} ({row.distribution or 'in-process'}): {problem}"
            for row in REGISTRY.plugins(strict=False)
            for problem in row.problems
        ]
        if problems:
            raise AssertionError("cygrad plugins have problems:\n  " + "\n  ".join(problems))


class ComponentCheck(_Check):
    """``check_registered(kind, name)`` for one registered component."""

    def __init__(self, *, kind: str, component: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.kind = kind
        self.component = component

    def runtest(self) -> None:
        from cygrad.testing.conformance import check_registered

        check_registered(self.kind, self.component)
