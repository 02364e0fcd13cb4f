"""Wholesale price CSV files: read, write and place on scenario time.

Format (UTF-8, comma separated, one header line)::

    timestamp,price_eur_mwh
    2024-03-31T00:00:00+01:00,61.2
    2024-03-31T01:00:00+01:00,58.9
    2024-03-31T03:00:00+02:00,55.0

- ``timestamp``: ISO 8601 start of the delivery interval **with a UTC offset** (or ``Z``),
  as ENTSO-E / EPEX exports give; rows sorted in time, any constant or varying resolution
  (hourly, 15-min). Offsets may change across the year (daylight saving time).
- ``price_eur_mwh``: price of the interval [EUR/MWh]; negative values are allowed.
- Other columns are ignored. The last row lasts as long as the median interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from simulators.tariff.series import PriceSeries

__all__ = ["PriceTable", "read_price_csv", "to_series", "write_price_csv"]

TIME_COLUMN = "timestamp"
PRICE_COLUMN = "price_eur_mwh"
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"


@dataclass(frozen=True)
class PriceTable:
    """Prices on absolute time.

    Parameters
    ----------
    utc : ndarray of datetime64[s] (n,)
        Interval starts in UTC.
    price_eur_mwh : ndarray (n,)
        Prices [EUR/MWh].
    """

    utc: NDArray[np.datetime64]
    price_eur_mwh: NDArray[np.float64]


def read_price_csv(path: str | Path) -> PriceTable:
    """Read a price CSV in the documented format.

    Raises
    ------
    ValueError
        Missing column, timestamp without offset, unsorted or duplicate times, missing
        prices; the message names the file, the row and the fix.
    """
    path = Path(path)
    frame = pd.read_csv(path, dtype={TIME_COLUMN: str})
    missing = [c for c in (TIME_COLUMN, PRICE_COLUMN) if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{path}: missing column(s) {missing}; found {list(frame.columns)}. The header must "
            f"contain '{TIME_COLUMN}' (ISO 8601 with offset) and '{PRICE_COLUMN}' [EUR/MWh]"
        )
    stamps = frame[TIME_COLUMN].astype(str).str.strip()
    no_offset = ~stamps.str.contains(_OFFSET, regex=True)
    if no_offset.any():
        row = int(np.flatnonzero(no_offset.to_numpy())[0])
        raise ValueError(
            f"{path}: row {row + 2} timestamp {stamps.iloc[row]!r} has no UTC offset; write it "
            f"as e.g. '{stamps.iloc[row]}+01:00' so that local and daylight saving time are "
            "unambiguous"
        )
    utc = pd.to_datetime(stamps, utc=True, format="ISO8601")
    values = pd.to_numeric(frame[PRICE_COLUMN], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        row = int(np.flatnonzero(~np.isfinite(values))[0])
        raise ValueError(
            f"{path}: row {row + 2} has no valid {PRICE_COLUMN} "
            f"({frame[PRICE_COLUMN].iloc[row]!r}); fill or remove the row"
        )
    times = utc.dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    if times.size == 0:
        raise ValueError(f"{path}: no price rows")
    steps = np.diff(times).astype(np.int64)
    if np.any(steps <= 0):
        row = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise ValueError(
            f"{path}: row {row + 2} ({stamps.iloc[row]}) is not after the row before; sort the "
            "file by time and remove duplicate timestamps"
        )
    return PriceTable(utc=times, price_eur_mwh=values)


def write_price_csv(path: str | Path, table: PriceTable, *, timezone: str = "UTC") -> None:
    """Write ``table`` in the documented format, timestamps in ``timezone`` with offsets."""
    local = pd.DatetimeIndex(table.utc).tz_localize(UTC).tz_convert(timezone)
    frame = pd.DataFrame(
        {TIME_COLUMN: local.map(lambda t: t.isoformat()), PRICE_COLUMN: table.price_eur_mwh}
    )
    frame.to_csv(Path(path), index=False)


def to_series(table: PriceTable, start: datetime, *, source: str = "price CSV") -> PriceSeries:
    """Place ``table`` on scenario time (seconds since ``start``, a timezone-aware datetime)."""
    base = np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "s")
    time_s = (table.utc - base).astype(np.int64)
    last = int(np.median(np.diff(time_s))) if time_s.size > 1 else 3600
    return PriceSeries(time_s, table.price_eur_mwh, end_s=int(time_s[-1]) + last, source=source)
