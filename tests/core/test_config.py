"""no_grad, test_mode and using_config: nesting, decorators, threads and async tasks."""
import asyncio
import inspect
import threading

import numpy as np
import pytest

import cygrad.functions as F
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


def test_a_decorated_coroutine_has_the_setting_while_its_body_runs():
    seen = []

    @V.test_mode()
    async def evaluate(other_ran):
        seen.append(config.train)
        await other_ran.wait()
        seen.append(config.train)
        return F.dropout(np.ones(4), 0.5).data

    async def other(other_ran):
        seen.append(("other", config.train))
        other_ran.set()

    async def main():
        other_ran = asyncio.Event()
        y, _ = await asyncio.gather(evaluate(other_ran), other(other_ran))
        return y, config.train

    y, after = asyncio.run(main())
    np.testing.assert_array_equal(y, np.ones(4))  # dropout was the identity
    assert seen == [False, ("other", True), False] and after is True
    assert inspect.iscoroutinefunction(evaluate) and evaluate.__name__ == "evaluate"


def test_a_coroutine_driven_by_hand_restores_the_setting_between_resumptions():
    @no_grad
    async def body():
        first = config.enable_backprop
        second = await Pause()
        return first, second, config.enable_backprop

    class Pause:
        def __await__(self):
            return (yield "paused")

    coro = body()
    assert coro.send(None) == "paused" and config.enable_backprop is True
    with pytest.raises(StopIteration) as stop:
        coro.send("resumed")
    assert stop.value.value == (False, "resumed", False) and config.enable_backprop is True


def test_a_decorated_coroutine_passes_exceptions_and_cancellation_through():
    @no_grad()
    async def fails():
        await asyncio.sleep(0)
        raise KeyError("x")

    @no_grad()
    async def waits(log):
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            log.append(config.enable_backprop)
            raise

    async def main():
        with pytest.raises(KeyError):
            await fails()
        log = []
        task = asyncio.ensure_future(waits(log))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return log, config.enable_backprop

    assert asyncio.run(main()) == ([False], True)


def test_a_decorated_generator_has_the_setting_in_each_step_and_not_between():
    log = []

    @V.test_mode
    def steps():
        try:
            received = yield config.train
            log.append(("sent", received, config.train))
            try:
                yield config.train
            except ValueError:
                log.append(("thrown", config.train))
            yield config.train
            return "done"
        finally:
            log.append(("finally", config.train))

    g = steps()
    assert next(g) is False and config.train is True
    assert g.send(7) is False and config.train is True
    assert g.throw(ValueError("v")) is False and config.train is True
    g.close()
    assert config.train is True
    assert log == [("sent", 7, False), ("thrown", False), ("finally", False)]
    assert list(steps()) == [False, False, False]
    assert inspect.isgeneratorfunction(steps)

    @no_grad()
    def returns():
        yield 1
        return "value"

    def outer():
        return (yield from returns())

    g = outer()
    next(g)
    with pytest.raises(StopIteration) as stop:
        next(g)
    assert stop.value.value == "value"


def test_a_decorated_async_generator_has_the_setting_in_each_step_and_not_between():
    @no_grad()
    async def values():
        for i in range(3):
            await asyncio.sleep(0)
            yield i, config.enable_backprop

    async def main():
        out = []
        async for item in values():
            out.append((item, config.enable_backprop))
        agen = values()
        first = await agen.__anext__()
        await agen.aclose()
        return out, first, config.enable_backprop

    out, first, after = asyncio.run(main())
    assert out == [((i, False), True) for i in range(3)]
    assert first == (0, False) and after is True
    assert inspect.isasyncgenfunction(values)


def test_one_manager_object_shared_by_threads_restores_each_threads_setting():
    # The first thread to enter leaves first, while the second is still inside.
    shared = no_grad()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen, errors = {}, []

    def first():
        try:
            with shared:
                first_in.set()
                second_in.wait(5)
                seen["first inside"] = config.enable_backprop
            seen["first after"] = config.enable_backprop
        except Exception as e:  # an exception in a thread would go unnoticed
            errors.append(e)
        first_out.set()

    def second():
        first_in.wait(5)
        try:
            with shared:
                second_in.set()
                first_out.wait(5)
                seen["second inside"] = config.enable_backprop
            seen["second after"] = config.enable_backprop
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert errors == []
    assert seen == {"first inside": False, "first after": True,
                    "second inside": False, "second after": True}
    assert config.enable_backprop is True


def test_one_manager_object_shared_by_async_tasks_and_reentered():
    shared = V.test_mode()

    async def task(delay):
        with shared:
            await asyncio.sleep(delay)  # the first task to enter leaves first
            inside = config.train
        return inside, config.train

    async def main():
        return await asyncio.gather(task(0.0), task(0.02))

    assert asyncio.run(main()) == [(False, True), (False, True)]
    with shared:
        with shared:
            assert config.train is False
        assert config.train is False
    assert config.train is True


@pytest.mark.parametrize("value", ["False", 0, 1, None, 1.0])
def test_a_setting_takes_only_a_bool(value):
    with pytest.raises(TypeError, match=f"using_config: train must be a bool, got {value!r}"):
        using_config("train", value)
    assert config.train is True


def test_a_numpy_bool_is_a_bool():
    with using_config("train", np.False_):
        assert config.train is False


def test_leaving_a_manager_that_this_context_did_not_enter_is_an_error():
    with pytest.raises(RuntimeError, match="exited in a thread or task that did not enter it"):
        no_grad().__exit__(None, None, None)
    assert config.enable_backprop is True
