"""Pure tariff model: price, H-step price forecast, ToU period and the running bill.

A tariff's price per step [EUR/MWh] is an *energy* part chosen by ``kind`` plus a *network*
part shared by all kinds:

=============  ===========================================  ==============================
kind           energy part                                  needs
=============  ===========================================  ==============================
``flat``       ``energy_eur_mwh``                           —
``tou``        the ToU schedule's price (incl. network)     ``tou``
``dynamic``    the wholesale series, mean over the step     a price series (CSV/synthetic)
``capacity``   ``energy_eur_mwh``                           ``capacity``
=============  ===========================================  ==============================

network part = ``network_eur_mwh`` (fixed adder: grid fee, taxes, margin) + the price of the
optional ``network_tou`` schedule. A ``capacity`` charge may be attached to any kind.

``period`` is the rank of the ToU period (0 = cheapest of that day) of ``tou``, else of
``network_tou``, else 0.

Forecast: ``price_forecast_eur_mwh[k]`` is the price of step ``t + k·step_s``; element 0 is
the current price. Flat and ToU parts are known exactly. For dynamic prices,
``forecast="perfect"`` returns the series itself; ``forecast="day_ahead"`` knows the
wholesale prices only as the day-ahead auction publishes them: the next local day's prices
become known at ``publish_hour`` (13:00, after the 12:00 CET gate closure of the SDAC
auction and its publication at about 12:45); beyond that the forecast repeats the last
known day's price at the same time of day. Past the end of a price file the forecast also
repeats the last known day (only the current step must lie inside the file).

Billing: the energy drawn at ``p_kw`` [kW] during one step of ``dt_s`` costs
``p_kw · dt_s/3600 · price / 1000`` [EUR] (consumer sign: injection earns), plus capacity
charges. Cost is cumulative over the run.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from cosim.timebase import DAY_S
from simulators.tariff.capacity import CapacityBill
from simulators.tariff.clock import Calendar
from simulators.tariff.params import ForecastMode, TariffKind, TariffParams, TariffState
from simulators.tariff.series import PriceSeries
from simulators.tariff.synthetic import SyntheticPrices
from simulators.tariff.window import StepTable, repeat_runs

__all__ = ["TariffModel"]

#: steps of quotes tabulated beyond a forecast window (see :mod:`simulators.tariff.window`)
_AHEAD_STEPS = 2_000
#: "every price is known" [s]: np.iinfo costs ~1 µs a call, and _known_end runs every step
_KNOWN_FOREVER_S = int(np.iinfo(np.int64).max)


class Clock(Protocol):
    """Scenario seconds → local calendar (see :class:`~simulators.tariff.clock.LocalClock`)."""

    def __call__(self, time_s: NDArray[np.int64]) -> Calendar: ...


class TariffModel:
    """One tariff: quotes prices and bills the energy drawn.

    Parameters
    ----------
    params : TariffParams
        The tariff.
    step_s : int
        Simulation step [s].
    clock : Clock
        Scenario seconds → local calendar.
    wholesale : PriceSeries or SyntheticPrices or None
        Wholesale prices of a ``dynamic`` tariff.

    Examples
    --------
    >>> from simulators.tariff.clock import LocalClock
    >>> flat = TariffModel(TariffParams(kind="flat", energy_eur_mwh=200.0), step_s=900,
    ...                    clock=LocalClock("2024-01-01T00:00:00+01:00"))
    >>> state = flat.step(0, p_kw=4.0)   # 4 kW for 15 min = 1 kWh at 0.2 EUR/kWh
    >>> round(state.cost_step_eur, 6)
    0.2
    """

    def __init__(
        self,
        params: TariffParams,
        *,
        step_s: int,
        clock: Clock,
        wholesale: PriceSeries | SyntheticPrices | None = None,
    ) -> None:
        if params.kind == TariffKind.DYNAMIC and wholesale is None:
            raise ValueError(
                "a dynamic tariff needs wholesale prices (a CSV or the synthetic generator)"
            )
        if not (isinstance(step_s, int) and step_s > 0):
            raise ValueError(f"step_s={step_s!r} must be a positive integer number of seconds")
        self.params = params
        self.step_s = step_s
        self.clock = clock
        self.wholesale = wholesale
        self.capacity = (
            None if params.capacity is None else CapacityBill(params.capacity, step_s=step_s)
        )
        self.cost_eur = 0.0
        #: actual (price [EUR/MWh], billing month) of recently quoted steps, by start time
        self._quoted: dict[int, tuple[float, int]] = {}
        ahead = max(_AHEAD_STEPS, params.forecast_steps)
        self._calendar = StepTable(self._calendar_parts, step_s=step_s, ahead_steps=ahead)
        self._wholesale = StepTable(
            lambda t: (self._wholesale_eur_mwh(t),),
            step_s=step_s,
            ahead_steps=ahead,
            last_step=self._last_wholesale_step,
        )

    def _last_wholesale_step(self) -> int | None:
        """Last step wholly inside a price file (``None``: a generator without end)."""
        if isinstance(self.wholesale, PriceSeries):
            return (self.wholesale.end_s - self.step_s) // self.step_s
        return None

    def _calendar_parts(self, time_s: NDArray[np.int64]) -> tuple[NDArray, ...]:
        """What a quote takes from the calendar: time of day, billing month, the price
        parts other than the wholesale energy and the period, per time."""
        cal = self.clock(time_s)
        par = self.params
        energy = np.zeros(time_s.shape)
        if par.kind == TariffKind.TOU:
            assert par.tou is not None
            energy = par.tou.price_eur_mwh(cal)
        elif par.kind != TariffKind.DYNAMIC:
            energy = np.full(time_s.shape, par.energy_eur_mwh)
        ntou = energy if par.network_tou is None else par.network_tou.price_eur_mwh(cal)
        return cal.sec_of_day, cal.month_key, energy, ntou, self._period(cal)

    def _period(self, cal: Calendar) -> NDArray[np.int64]:
        ranked = self.params.tou if self.params.tou is not None else self.params.network_tou
        return np.zeros(cal.time_s.shape, np.int64) if ranked is None else ranked.period(cal)

    def _wholesale_eur_mwh(self, t0_s: NDArray[np.int64]) -> NDArray[np.float64]:
        source = self.wholesale
        if isinstance(source, SyntheticPrices):
            source = source.ensure(int(t0_s.max()) + self.step_s)
        assert source is not None  # checked in __init__
        return source.mean_eur_mwh(t0_s, self.step_s)

    def _quote(
        self, cal: Calendar, wholesale_s: NDArray[np.int64]
    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        par = self.params
        if par.kind == TariffKind.TOU:
            assert par.tou is not None
            energy = par.tou.price_eur_mwh(cal)
        elif par.kind == TariffKind.DYNAMIC:
            energy = self._wholesale_eur_mwh(wholesale_s)
        else:
            energy = np.full(cal.time_s.shape, par.energy_eur_mwh)
        price = energy + par.network_eur_mwh
        if par.network_tou is not None:
            price = price + par.network_tou.price_eur_mwh(cal)
        return price, self._period(cal)

    def prices(
        self, time_s: NDArray[np.int64] | list[int]
    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Actual price [EUR/MWh] and period of the steps starting at ``time_s`` [s]."""
        t = np.asarray(time_s, dtype=np.int64)
        return self._quote(self.clock(t), t)

    def forecast(self, time_s: int) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Prices and periods of the next H steps as known at ``time_s`` (element 0 = now)."""
        t = time_s + self.step_s * np.arange(self.params.forecast_steps, dtype=np.int64)
        quoted = self._tabulated_window(time_s) or self._tabulated(t)
        if quoted is None:
            cal = self.clock(t)
            known = t
            if self.params.kind == TariffKind.DYNAMIC:
                known = self._known_times(t, int(cal.sec_of_day[0]))
            price, period = self._quote(cal, known)
            month_key = int(cal.month_key[0])
        else:
            price, period, month_key = quoted
        # the current price is actual, not forecast: keep it to bill this step later
        self._quoted = {k: v for k, v in self._quoted.items() if k >= time_s - self.step_s}
        self._quoted[time_s] = (float(price[0]), month_key)
        return price, period

    def _tabulated(
        self, t: NDArray[np.int64]
    ) -> tuple[NDArray[np.float64], NDArray[np.int64], int] | None:
        """:meth:`forecast`'s prices, periods and billing month from the step tables
        (same values as :meth:`_quote`); ``None`` for times off the step grid."""
        parts = self._calendar.get(t)
        if parts is None:
            return None
        sec_of_day, month_key, energy, ntou, period = parts
        par = self.params
        if par.kind == TariffKind.DYNAMIC:
            wholesale = self._wholesale.get(self._known_times(t, int(sec_of_day[0])))
            if wholesale is None:
                return None
            energy = wholesale[0]
        return self._priced(energy, ntou), period, int(month_key[0])

    def _priced(self, energy: NDArray[np.float64], ntou: NDArray[np.float64]) -> NDArray:
        """Price from the energy part and the ToU network part [EUR/MWh]."""
        price = energy + self.params.network_eur_mwh
        return price if self.params.network_tou is None else price + ntou

    def _tabulated_window(
        self, time_s: int
    ) -> tuple[NDArray[np.float64], NDArray[np.int64], int] | None:
        """:meth:`_tabulated` from slices of the step tables (the wholesale prices in runs
        of known days); ``None`` off the step grid or before the price series starts."""
        n = self.params.forecast_steps
        if time_s % self.step_s:
            return None
        first = time_s // self.step_s
        parts = self._calendar.window(first, n)
        if parts is None:
            return None
        sec_of_day, month_key, energy, ntou, period = parts
        par = self.params
        if par.kind == TariffKind.DYNAMIC:
            known_end = self._known_end(time_s, int(sec_of_day[0]))
            runs = repeat_runs(first, n, step_s=self.step_s, known_end_s=known_end, period_s=DAY_S)
            start = self._wholesale_start_s()
            if runs is None or min(f for f, _ in runs) * self.step_s < start:
                return None  # ``_known_times`` moves these to the next day
            wholesale = self._wholesale.runs(runs)
            if wholesale is None:
                return None
            energy = wholesale[0]
        return self._priced(energy, ntou), period.copy(), int(month_key[0])

    def _known_end(self, t0_s: int, sec_of_day_now: int) -> int:
        """Start of the first step whose wholesale price is not known at ``t0_s`` [s]."""
        known_end = _KNOWN_FOREVER_S
        if self.params.forecast == ForecastMode.DAY_AHEAD:
            next_midnight = t0_s + DAY_S - sec_of_day_now
            published = sec_of_day_now >= round(self.params.publish_hour * 3600)
            known_end = next_midnight + (DAY_S if published else 0)
        if isinstance(self.wholesale, PriceSeries):
            known_end = min(known_end, self.wholesale.end_s - self.step_s + 1)
        return max(known_end, t0_s + 1)  # the current step is always the actual price

    def _known_times(self, t: NDArray[np.int64], sec_of_day_now: int) -> NDArray[np.int64]:
        """Map forecast steps beyond what is known to the same time on an earlier day.

        Known: everything in ``perfect`` mode, the published day-ahead horizon in
        ``day_ahead`` mode; never beyond the end of a finite price file (so a CSV covering
        exactly the scenario still gives a full forecast on its last day).
        """
        known_end = self._known_end(int(t[0]), sec_of_day_now)
        days_back = np.where(t >= known_end, (t - known_end) // DAY_S + 1, 0)
        known = t - days_back * DAY_S
        # at the very start the "same time yesterday" may predate the series: use tomorrow's
        first = self._wholesale_start_s()
        return np.where(known < first, known + DAY_S, known)

    def _wholesale_start_s(self) -> int:
        source = self.wholesale
        series = source.series if isinstance(source, SyntheticPrices) else source
        return 0 if series is None else series.start_s

    def bill(self, time_s: int, *, p_kw: float) -> float:
        """Bill ``p_kw`` [kW] drawn during ``[time_s, time_s + step_s)``; returns the cost [EUR]."""
        quote = self._quoted.get(time_s)
        if quote is None:
            cal = self.clock(np.array([time_s]))
            quote = (float(self._quote(cal, cal.time_s)[0][0]), int(cal.month_key[0]))
        price, month_key = quote
        cost = float(p_kw) * self.step_s / 3600.0 * price / 1000.0
        if self.capacity is not None:
            cost += self.capacity.bill(time_s, month_key=month_key, p_kw=float(p_kw))
        self.cost_eur += cost
        return cost

    def step(
        self, time_s: int, *, p_kw: float | None = None, p_kw_lag_steps: int = 0
    ) -> TariffState:
        """Quote the step starting at ``time_s`` and bill ``p_kw`` of the step it belongs to.

        Parameters
        ----------
        time_s : int
            Current scenario time [s].
        p_kw : float or None
            Mean power drawn [kW] (consumer sign); ``None`` bills nothing.
        p_kw_lag_steps : int
            How many steps ago the interval of ``p_kw`` started: 1 for a time-shifted
            connection (the power of ``[t - step, t)`` arrives at ``t``), 0 otherwise.
            Power belonging to before the scenario start is ignored.
        """
        forecast, period = self.forecast(time_s)
        cost_step = 0.0
        billed_s = time_s - p_kw_lag_steps * self.step_s
        if p_kw is not None and billed_s >= 0:
            cost_step = self.bill(billed_s, p_kw=p_kw)
        cap = self.capacity
        return TariffState(
            price_eur_mwh=float(forecast[0]),
            price_forecast_eur_mwh=forecast,
            period=int(period[0]),
            cost_eur=self.cost_eur,
            cost_step_eur=cost_step,
            cost_capacity_eur=0.0 if cap is None else cap.cost_eur,
            p_peak_kw=0.0 if cap is None else cap.p_peak_kw,
        )
