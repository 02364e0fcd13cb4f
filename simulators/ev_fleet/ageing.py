"""Battery ageing of the fleet: semi-empirical calendar + cycle capacity fade (pure, vectorised).

Capacity fade is the sum of a calendar part and a cycle part (superposition, as fitted by
Schmalstieg et al. 2014):

.. math::

    f = f_{cal} + f_{cyc}, \\qquad
    f_{cal} = \\alpha(V, T)\\, t^{0.75}, \\qquad
    f_{cyc} = \\beta(\\bar V, DoD)\\, Q^{0.5}

**NMC** (Schmalstieg et al. 2014, Sanyo UR18650E, 2.05 Ah, graphite / Li(NiMnCo)O2):

- ``alpha_cap = (7.543 V - 23.75) 1e6 exp(-6976 / T)`` [day^-0.75], ``V`` cell voltage [V],
  ``T`` cell temperature [K], ``t`` time [day]. Fitted on storage over SoC at 50 °C and
  over temperature (35-50 °C) at 50 % SoC.
- ``beta_cap = 7.348e-3 (V_avg - 3.667)^2 + 7.6e-4 + 4.081e-3 DoD`` [Ah^-0.5], ``V_avg``
  average voltage of the cycle [V], ``DoD`` depth of discharge as a fraction [-], ``Q`` charge
  throughput of one cell [Ah]. Fitted on 1C cycling at 35 °C; no temperature or C-rate term.
- Coefficients: as printed in the paper's model equations; the same values appear in two
  independent replications (NREL BLAST-Lite ``nmc111_gr_Sanyo2Ah_2014``, TUM SimSES
  ``nmc_sanyo_ur18650e``). Voltages here are OCV at the step's mean SoC (no IR drop).
- Throughput convention: ``Q`` counts charge *and* discharge ampere-hours (one full
  equivalent cycle = 2 x 2.05 Ah), as in the NREL BLAST-Lite replication of the model. The
  paper's figures were not checked; if ``Q`` there is discharge-only, cycle fade here is
  sqrt(2) too high: verify against the paper before quoting NMC cycle-fade results.

**LFP** (Wang et al. 2011, A123 26650 cells, 2.2 Ah, graphite / LiFePO4), cycle fade only:

- ``Q_loss[%] = B(C) exp(-(31700 - 370.3 C) / (R T)) Ah^0.55``, ``C`` C-rate [1/h], ``Ah``
  discharge throughput of one cell [Ah], ``R`` = 8.314 J/(mol K);
  ``B`` = 31630 (C/2), 21681 (2C), 12934 (6C), 15512 (10C), linearly interpolated in ``C``;
  ``C`` is clamped to the tested 0.5-10 C. Wang's cells aged while they cycled, so their fit
  already contains the calendar loss of the test; calendar fade is zero for LFP here.
- The four B values and the 2.2 Ah cell capacity are recalled from the paper (its
  rate-dependent fit) and were NOT re-checked against the PDF: verify before quoting LFP
  results.

**Time-varying stress (equivalent time).** A power law ``f = k x^z`` with a stress-dependent
``k`` is stepped with the *equivalent* (virtual) time/throughput method: at each step the
state's fade is converted into the ``x_eq = (f / k_new)^(1/z)`` that gives the same fade under
the new stress, then ``f' = k_new (x_eq + dx)^z``. Under constant stress this is exact, so
any split of an interval into steps gives the same fade as one step; summing
``k dt^z`` per step (wrong) would grow fade with the number of steps.

**OCV(SoC)** for NMC: piecewise-linear table (``NMC_OCV_SOC``, ``NMC_OCV_V``) of the Sanyo
UR18650E at 25 °C, read from Schmalstieg et al. 2014 Fig. 1 (values as digitised in NREL
BLAST-Lite ``nmc111_gr_Sanyo2Ah_2014``), rounded to 10 mV, at SoC 0, 0.1, ..., 1.

Pack scaling: every cell of a pack sees the same normalised throughput, so the cell charge
throughput is ``throughput_kwh / capacity_kwh * cell_capacity_ah``; the pack topology is not
needed. ``capacity_kwh`` is the nominal (beginning-of-life) pack capacity.

References
----------
.. [1] J. Schmalstieg, S. Käbitz, M. Ecker, D. U. Sauer, "A holistic aging model for
   Li(NiMnCo)O2 based 18650 lithium-ion batteries", J. Power Sources 257 (2014) 325-334,
   doi:10.1016/j.jpowsour.2014.02.012.
.. [2] M. Ecker et al., "Calendar and cycle life study of Li(NiMnCo)O2-based 18650
   lithium-ion batteries", J. Power Sources 248 (2014) 839-851 (the 2.05 Ah cell data).
.. [3] J. Wang et al., "Cycle-life model for graphite-LiFePO4 cells", J. Power Sources 196
   (2011) 3942-3948.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.errors import ModelError
from cosim.timebase import DAY_S
from simulators.ev_fleet.ageing_laws import (
    _K0,
    _LFP_Z_CYC,
    _NMC_Z_CAL,
    _NMC_Z_CYC,
    lfp_cycle_factor,
    nmc_alpha_cap,
    nmc_beta_cap,
    ocv_nmc_v,
)
from simulators.ev_fleet.ageing_params import AgeingParams, AgeingState, Chemistry

__all__ = ["age_step", "usable_capacity_kwh"]

FloatArray = NDArray[np.float64]


def _power_law_step(
    fade: FloatArray, k: FloatArray, dx: FloatArray, z: float
) -> tuple[FloatArray, FloatArray]:
    """Advance ``f = k x^z`` by ``dx`` with the equivalent-x method; returns (fade, x_eq_new)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(k > 0.0, fade / k, 0.0)
        if z == 0.5:  # sqrt is 4x faster than a general power
            x_new = ratio * ratio + dx
            grown = k * np.sqrt(x_new)
        else:  # exp(log) is 2x faster than a general power; exact to a few ulp
            x_new = np.exp(np.log(ratio) / z) + dx
            grown = k * np.exp(z * np.log(x_new))
    # fmax: the round trip f -> x_eq -> f may lose an ulp (fade never decreases), and a
    # zero factor (k = 0, NaN product) leaves the fade as it was
    return np.fmax(grown, fade), x_new


def _rows(name: str, value: ArrayLike, n: int) -> FloatArray:
    try:
        return np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))
    except ValueError as err:
        raise ModelError(
            f"age_step: {name} has shape {np.shape(value)}, expected a scalar or ({n},) "
            "(one value per EV, in the order of the AgeingState)"
        ) from err


def _check(problems: list[str], name: str, arr: FloatArray, lo: float, hi: float) -> None:
    bad = ~((arr >= lo) & (arr <= hi))  # also catches NaN
    if bad.any():
        i = int(np.argmax(bad))
        problems.append(f"{name}[{i}]={arr[i]!r} outside [{lo}, {hi}] ({int(bad.sum())} EVs)")


def age_step(
    state: AgeingState,
    *,
    soc_mean: ArrayLike,
    temp_c: ArrayLike | None,
    dt_s: ArrayLike,
    throughput_kwh: ArrayLike,
    dod: ArrayLike,
    c_rate: ArrayLike,
    capacity_kwh: ArrayLike,
    params: AgeingParams,
) -> AgeingState:
    """Age ``n_ev`` batteries by one step (pure; the input state is not modified).

    Parameters
    ----------
    state : AgeingState
        State before the step.
    soc_mean : array_like, shape (n_ev,) or scalar
        Mean SoC over the step [-]; sets the storage voltage and the cycles' mean voltage.
    temp_c : array_like or None
        Mean cell temperature over the step [°C]; ``None`` uses ``params.temp_c``.
    dt_s : array_like
        Step length [s], >= 0.
    throughput_kwh : array_like
        Pack energy throughput in the step, charge + discharge, at the cells [kWh], >= 0.
    dod : array_like
        Depth of discharge of the cycles the throughput belongs to [-], in [0, 1]. Per step
        it can be approximated by the SoC swing of the ongoing half-cycle (SoC at the last
        charge/discharge reversal to SoC now), or by ``dod_from_soc_history`` over a
        recent window. Unused for LFP.
    c_rate : array_like
        Mean C-rate while current flows [1/h], >= 0. Used for LFP only (the NMC fit has
        no C-rate term: it holds near 1C).
    capacity_kwh : array_like
        Nominal pack capacity [kWh], > 0.
    params : AgeingParams
        Chemistry and cell data.

    Returns
    -------
    AgeingState
        State after the step.

    Raises
    ------
    ModelError
        When an input is out of range or has the wrong shape (lists every problem).

    Examples
    --------
    A year at 25 °C and SoC 0.5 with no driving, in one step:

    >>> s = age_step(AgeingState.new(1), soc_mean=0.5, temp_c=25.0, dt_s=365 * 86400,
    ...              throughput_kwh=0.0, dod=0.0, c_rate=0.0, capacity_kwh=60.0,
    ...              params=AgeingParams())
    >>> round(float(s.total_fade[0]), 4)
    0.0239
    """
    n = state.n_ev
    soc = _rows("soc_mean", soc_mean, n)
    t_c = _rows("temp_c", params.temp_c if temp_c is None else temp_c, n)
    dt = _rows("dt_s", dt_s, n)
    e_kwh = _rows("throughput_kwh", throughput_kwh, n)
    depth = _rows("dod", dod, n)
    c = _rows("c_rate", c_rate, n)
    cap = _rows("capacity_kwh", capacity_kwh, n)
    problems: list[str] = []
    _check(problems, "soc_mean", soc, 0.0, 1.0)
    _check(problems, "temp_c", t_c, -40.0, 80.0)
    _check(problems, "dt_s", dt, 0.0, np.inf)
    _check(problems, "throughput_kwh", e_kwh, 0.0, np.inf)
    _check(problems, "dod", depth, 0.0, 1.0)
    _check(problems, "c_rate", c, 0.0, np.inf)
    _check(problems, "capacity_kwh", cap, 1e-9, np.inf)
    if problems:
        raise ModelError(
            "age_step: invalid input: " + "; ".join(problems) + ". Pass physical values "
            "(SoC and DoD as fractions, temperatures in °C, non-negative energies and times)."
        )
    temp_k = t_c + _K0
    dq_ah = e_kwh / cap * float(params.cell_capacity_ah)  # type: ignore[arg-type]
    if params.chemistry is Chemistry.NMC:
        volt = ocv_nmc_v(soc)
        cal, t_eq = _power_law_step(
            state.calendar_fade, nmc_alpha_cap(volt, temp_k), dt / DAY_S, _NMC_Z_CAL
        )
        cyc, q_eq = _power_law_step(state.cycle_fade, nmc_beta_cap(volt, depth), dq_ah, _NMC_Z_CYC)
    else:
        cal, t_eq = state.calendar_fade, state.t_eq_days + dt / DAY_S
        cyc, q_eq = _power_law_step(
            state.cycle_fade, lfp_cycle_factor(c, temp_k), 0.5 * dq_ah, _LFP_Z_CYC
        )
    return AgeingState(
        calendar_fade=cal,
        cycle_fade=cyc,
        total_fade=np.minimum(cal + cyc, params.max_fade),
        throughput_kwh=state.throughput_kwh + e_kwh,
        cell_throughput_ah=state.cell_throughput_ah + dq_ah,
        t_eq_days=t_eq,
        q_eq_ah=q_eq,
        age_s=state.age_s + dt,
    )


def usable_capacity_kwh(nominal_kwh: ArrayLike, state: AgeingState) -> FloatArray:
    """Usable pack capacity after fade: ``nominal_kwh * (1 - total_fade)`` [kWh].

    >>> usable_capacity_kwh(60.0, AgeingState.new(2))
    array([60., 60.])
    """
    return np.asarray(nominal_kwh, dtype=np.float64) * (1.0 - state.total_fade)
