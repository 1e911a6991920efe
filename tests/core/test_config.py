"""no_grad, test_mode and using_config: nesting, decorators, threads and async tasks."""
import asyncio
import threading

import pytest

import cygrad.variable as V
from cygrad.variable import Variable, config, no_grad, using_config


def test_defaults():
    assert config.enable_backprop is True
    assert config.train is True


def test_nested_no_grad_restores_each_level():
    with no_grad():
        assert config.enable_backprop is False
        with using_config("enable_backprop", True):
            assert config.enable_backprop is True
            assert (Variable(1.0) * 2).creator is not None
            with no_grad():
                assert config.enable_backprop is False
            assert config.enable_backprop is True
        assert config.enable_backprop is False
    assert config.enable_backprop is True


def test_restored_after_an_exception():
    with pytest.raises(KeyError):
        with V.test_mode():
            raise KeyError("x")
    assert config.train is True


def test_usable_as_decorators_even_recursively():
    @no_grad()
    def count(n):
        assert config.enable_backprop is False
        return 0 if n == 0 else 1 + count(n - 1)

    assert count(3) == 3
    assert config.enable_backprop is True

    @V.test_mode()
    def mode():
        return config.train

    assert mode() is False and config.train is True


def test_bare_decorators_work_like_pytorchs():
    @no_grad
    def recorded():
        return (Variable(1.0) * 2).creator is not None

    @V.test_mode
    def mode():
        return config.train

    assert recorded() is False and mode() is False
    assert config.enable_backprop is True and config.train is True
    assert recorded.__name__ == "recorded"


def test_a_non_callable_argument_is_a_type_error():
    with pytest.raises(TypeError, match="no_grad: takes no arguments"):
        no_grad(3)


def test_unknown_setting_is_rejected():
    with pytest.raises(ValueError, match="unknown setting 'gpu'"):
        using_config("gpu", True)


def test_config_view_is_read_only():
    with pytest.raises(AttributeError, match="read-only"):
        config.train = False
    assert "enable_backprop=True" in repr(config)


def test_no_grad_in_one_thread_does_not_affect_another():
    entered = threading.Event()
    checked = threading.Event()
    seen = {}

    def worker():
        with no_grad():
            seen["worker"] = config.enable_backprop
            entered.set()
            checked.wait(5)

    t = threading.Thread(target=worker)
    t.start()
    assert entered.wait(5)
    seen["main"] = config.enable_backprop
    seen["recorded"] = (Variable(1.0) * 2).creator is not None
    checked.set()
    t.join(5)
    assert seen == {"worker": False, "main": True, "recorded": True}


def test_a_new_thread_starts_from_the_defaults():
    seen = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append(config.enable_backprop))
        t.start()
        t.join(5)
    assert seen == [True]


def test_async_tasks_are_isolated():
    async def task(flag, results):
        with using_config("train", flag):
            await asyncio.sleep(0.01)
            results.append((flag, config.train))

    async def main():
        results = []
        await asyncio.gather(task(True, results), task(False, results))
        return results

    assert sorted(asyncio.run(main())) == [(False, False), (True, True)]
