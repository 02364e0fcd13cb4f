"""The base of every config table: strict types, unknown fields refused, frozen once valid.

Each simulator's section (``simulators/<name>/config.py``, ``controllers/<name>/config.py``)
derives from :class:`StrictSection`; :mod:`cosim.config` assembles them into the scenario.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Strict

__all__ = ["LAX", "StrictSection"]

#: a choice (StrEnum) field accepts its value as a TOML string; every other field is strict
LAX = Strict(False)


class StrictSection(BaseModel):
    """A config table: unknown fields are errors, values are frozen once validated.

    Types are strict, so a TOML value of the wrong type is an error rather than a silent
    conversion: ``true`` is not a number, ``"yes"`` is not a boolean, ``"3"`` is not an
    integer (an integer is still accepted where a float belongs). NaN and infinity are
    refused everywhere. Choice fields are annotated ``Annotated[SomeEnum, LAX]`` to take
    their value from a string.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
