"""The Flask application class: Flask's own, with what it works out for every request
remembered once per app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask


class CarePlanFlask(Flask):
    """Flask, remembering which request hooks and views are plain functions.

    Flask asks `ensure_sync` of every before- and after-request hook, every view and
    every teardown function, on every request (fifteen times for an API request here),
    and each time inspects the function's code flags to see whether it is a coroutine.
    The answer for a given function never changes, so it is kept: a plain function is
    looked up in a dictionary instead. Coroutine functions (`async def` views, which
    need Flask's `async` extra) still go to Flask each time, so Flask decides how they
    run, as its documentation for overriding this method intends.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain_functions: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """`func` itself if it is a plain function, else Flask's synchronous wrapper of
        it (raises RuntimeError, as Flask does, if the `async` extra is missing)."""
        try:
            return self._plain_functions[func]
        except KeyError:
            pass
        except TypeError:  # a callable that cannot be a dictionary key: ask Flask
            return super().ensure_sync(func)
        made = super().ensure_sync(func)
        if made is func:
            self._plain_functions[func] = func
        return made
