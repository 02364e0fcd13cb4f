"""The ageing model against the published models and the review's claim on V2G ageing.

Provenance of the reference numbers (please read before trusting the tolerances):

- The measured points of Schmalstieg et al. 2014 (calendar: storage at 50 °C over SoC for
  ~500 days; cycling: 35 °C, 1C, around 50 % SoC, DoD 1-100 %) could NOT be read off here:
  no copy of the paper's figures was available offline. The references below are therefore
  the paper's *fitted equations* (alpha_cap, beta_cap; the curves drawn through those points
  in the paper) evaluated independently with ``math`` at the test conditions, with cell
  voltages from the paper's Fig. 1 OCV curve as digitised by NREL BLAST-Lite (finer than the
  model's 10-point table). What this checks: coefficients, units (days, Ah, K, DoD as a
  fraction), the OCV mapping and the stepping, within ±2 percentage points of capacity.
  TODO(lead): replace with points digitised from the paper's figures, same tolerance.
- Wang et al. 2011 (LFP): the reference is their Eq. with the B values documented in
  ``simulators.ev_fleet.ageing`` (not re-checked against the PDF either).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulators.ev_fleet.ageing import age_step
from simulators.ev_fleet.ageing_params import AgeingParams, AgeingState, Chemistry

DAY_S = 86_400
NMC = AgeingParams()
CELL_AH = 2.05  # Sanyo UR18650E (Ecker et al. 2014)
TOL_PP = 0.02  # ± 2 percentage points of capacity

# OCV of the UR18650E at SoC 0, 0.5, 1 from Schmalstieg 2014 Fig. 1 (digitised by NREL
# BLAST-Lite, nmc111_gr_Sanyo2Ah_2014): 3.331 V, 3.697 V, 4.162 V.
OCV_FIG1 = {0.0: 3.331, 0.5: 3.697, 1.0: 4.162}


def _alpha_cap(v: float, temp_c: float) -> float:
    return (7.543 * v - 23.75) * 1e6 * math.exp(-6976.0 / (temp_c + 273.15))


def _beta_cap(v: float, dod: float) -> float:
    return 7.348e-3 * (v - 3.667) ** 2 + 7.6e-4 + 4.081e-3 * dod


def test_calendar_capacity_after_500_days_at_50c_over_storage_soc() -> None:
    """Schmalstieg 2014, calendar tests at 50 °C: remaining capacity after 500 days.

    Published fit at these conditions: SoC 0 -> 93.9 %, SoC 0.5 -> 81.6 %, SoC 1 -> 65.9 %.
    """
    socs = np.array(list(OCV_FIG1))
    s = AgeingState.new(socs.size)
    for _ in range(500):  # daily steps, as a fleet run would age them
        s = age_step(
            s,
            soc_mean=socs,
            temp_c=50.0,
            dt_s=DAY_S,
            throughput_kwh=0.0,
            dod=0.0,
            c_rate=0.0,
            capacity_kwh=1.0,
            params=NMC,
        )
    expected = [1.0 - _alpha_cap(v, 50.0) * 500**0.75 for v in OCV_FIG1.values()]
    np.testing.assert_allclose(s.soh, expected, atol=TOL_PP)
    np.testing.assert_allclose(expected, [0.939, 0.816, 0.659], atol=0.001)
    # storage at full charge loses over five times the capacity of storage when empty
    assert s.total_fade[2] > 5 * s.total_fade[0]


@pytest.mark.parametrize(
    ("dod", "n_fec", "capacity_pct"),
    # published fit: cycle term + calendar term over the test time (2 h per FEC at 1C)
    [(0.1, 3000, 83.1), (0.2, 3000, 78.6), (0.5, 2000, 71.8), (1.0, 1000, 67.3)],
)
def test_cycle_capacity_at_35c_1c_around_half_soc(
    dod: float, n_fec: int, capacity_pct: float
) -> None:
    """Schmalstieg 2014, cycling at 35 °C, 1C, mean SoC 50 %: capacity after n_fec FEC."""
    t_days = n_fec * 2.0 / 24.0
    q_ah = 2.0 * n_fec * CELL_AH  # charge + discharge throughput of one cell
    v = OCV_FIG1[0.5]
    expected = 1.0 - _alpha_cap(v, 35.0) * t_days**0.75 - _beta_cap(v, dod) * math.sqrt(q_ah)
    assert expected == pytest.approx(capacity_pct / 100.0, abs=0.001)

    cap_kwh = 60.0
    n_steps = 200
    s = AgeingState.new(1)
    for _ in range(n_steps):
        s = age_step(
            s,
            soc_mean=0.5,
            temp_c=35.0,
            dt_s=t_days * DAY_S / n_steps,
            throughput_kwh=2.0 * n_fec * cap_kwh / n_steps,
            dod=dod,
            c_rate=1.0,
            capacity_kwh=cap_kwh,
            params=NMC,
        )
    assert s.soh[0] == pytest.approx(expected, abs=TOL_PP)


def test_deep_cycles_fade_about_four_times_faster_per_ah_than_shallow_ones() -> None:
    """Schmalstieg 2014: beta_cap at 100 % DoD is ~4x that at 10 % DoD (same mean SoC)."""
    s = age_step(
        AgeingState.new(2),
        soc_mean=0.5,
        temp_c=35.0,
        dt_s=0.0,
        throughput_kwh=5000.0,
        dod=np.array([0.1, 1.0]),
        c_rate=1.0,
        capacity_kwh=60.0,
        params=NMC,
    )
    assert 3.5 < s.cycle_fade[1] / s.cycle_fade[0] < 4.5


def test_lfp_capacity_loss_after_1000_cycles_at_45c_matches_wang_2011() -> None:
    """Wang 2011: 1000 cycles, 90 % DoD, C/2, 45 °C; Ah = cycles x DoD x 2.2 Ah (discharge)."""
    ah = 1000 * 0.9 * 2.2
    loss_pct = 31630.0 * math.exp(-(31700.0 - 370.3 * 0.5) / (8.314 * 318.15)) * ah**0.55
    assert loss_pct == pytest.approx(13.8, abs=0.1)
    cap_kwh = 50.0
    s = age_step(
        AgeingState.new(1),
        soc_mean=0.5,
        temp_c=45.0,
        dt_s=1000 * 2 * 0.9 / 0.5 * 3600.0,
        throughput_kwh=2 * 1000 * 0.9 * cap_kwh,  # charge + discharge
        dod=0.9,
        c_rate=0.5,
        capacity_kwh=cap_kwh,
        params=AgeingParams(chemistry=Chemistry.LFP),
    )
    assert s.total_fade[0] == pytest.approx(loss_pct / 100.0, abs=0.005)


def test_twenty_v2g_events_a_year_add_little_fade_but_daily_peak_shaving_does() -> None:
    """Review (Gonzalez Venegas et al. 2021, §3.3.1): limited V2G (~20 energy-intensive events a
    year) has minor effects on battery life [Wang et al. 2016], daily peak shaving a
    significant one [Jafari et al. 2018].

    Ten years, 60 kWh NMC pack at 25 °C, mean SoC 0.6, daily driving of 12 kWh (24 kWh
    throughput, DoD 0.2). An event discharges 30 kWh and recharges it (60 kWh, DoD 0.5).
    EV 0 only drives; EV 1 adds 20 events a year; EV 2 adds one event every day.
    """
    drive_kwh, drive_dod, event_kwh, event_dod = 24.0, 0.2, 60.0, 0.5
    mixed_dod = (drive_kwh * drive_dod + event_kwh * event_dod) / (drive_kwh + event_kwh)
    s = AgeingState.new(3)
    for day in range(10 * 365):
        event_today = (day % 365) % 18 == 0  # 21 days a year, roughly every 2.5 weeks
        events = np.array([False, event_today, True])
        s = age_step(
            s,
            soc_mean=0.6,
            temp_c=25.0,
            dt_s=DAY_S,
            throughput_kwh=drive_kwh + events * event_kwh,
            dod=np.where(events, mixed_dod, drive_dod),
            c_rate=0.2,
            capacity_kwh=60.0,
            params=NMC,
        )
    base, few, daily = s.total_fade
    assert 0.15 < base < 0.35  # a plausible 10-year fade from driving and calendar ageing
    assert few - base < 0.1 * base  # ~20 events a year: minor (< 10 % more fade)
    assert daily - base > 0.5 * base  # daily peak shaving: significant (> 50 % more fade)
    assert daily - base > 5 * (few - base)
