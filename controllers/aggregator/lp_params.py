"""Parameters of the receding-horizon policies (:mod:`controllers.aggregator.scheduling`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LPParams"]


@dataclass(frozen=True)
class LPParams:
    """Parameters shared by the LP policies.

    Parameters
    ----------
    horizon_steps : int
        Optimisation horizon [steps] (>= 1); shortened to the price forecast's length.
    resolve_every_steps : int
        Re-plan an EV at least every this many steps (>= 1; 1 = every step, as a plain
        receding horizon); with a shared coupling, re-solve the whole fleet this often
        (events in between re-plan only the EVs concerned).
    resolve_on_arrival : bool
        Re-plan a controllable EV that has no plan or whose departure time changed.
    replan_tol_kwh : float
        Re-plan an EV whose battery energy strayed from its plan, since it was planned, by
        more than this [kWh] (>= 0; e.g. charger current steps, part-load efficiency).
    v2g : bool
        Allow discharging on bidirectional chargers (V2G).
    wear_eur_mwh : float
        Battery wear cost per MWh discharged [EUR/MWh] (>= 0).
    p_fleet_max_kw : float or None
        Limit on the fleet's net AC power [kW] (> 0), including the predicted uncontrolled
        charging of opted-out EVs; ``None``: no limit.
    """

    horizon_steps: int = 96
    resolve_every_steps: int = 16
    resolve_on_arrival: bool = True
    replan_tol_kwh: float = 0.5
    v2g: bool = False
    wear_eur_mwh: float = 0.0
    p_fleet_max_kw: float | None = None

    def __post_init__(self) -> None:
        problems = []
        if not (isinstance(self.horizon_steps, int) and self.horizon_steps >= 1):
            problems.append(f"horizon_steps={self.horizon_steps!r} must be an integer >= 1")
        if not (isinstance(self.resolve_every_steps, int) and self.resolve_every_steps >= 1):
            problems.append(
                f"resolve_every_steps={self.resolve_every_steps!r} must be an integer >= 1"
            )
        if not self.replan_tol_kwh >= 0:
            problems.append(f"replan_tol_kwh={self.replan_tol_kwh} must be >= 0 kWh")
        if not self.wear_eur_mwh >= 0:
            problems.append(f"wear_eur_mwh={self.wear_eur_mwh} must be >= 0 EUR/MWh")
        if self.p_fleet_max_kw is not None and not self.p_fleet_max_kw > 0:
            problems.append(f"p_fleet_max_kw={self.p_fleet_max_kw} must be > 0 kW or None")
        if problems:
            raise ValueError(f"invalid {type(self).__name__}: " + "; ".join(problems))
