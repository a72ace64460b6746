"""The gate relay: a GPIO pin held high for the pulse (gpiozero's mock pins stand in for
a Pi's), the simulated gate that records pulses, and no relay at all."""

from __future__ import annotations

import pytest

from drivers.factories import RELAYS
from drivers.relay import GpioRelay, NoRelay
from drivers.sim.relay import SimRelay
from drivers.state import DeviceState
from kiosk import config
from tests.waiting import wait_until

mock = pytest.importorskip("gpiozero.pins.mock")


@pytest.fixture
def factory():
    f = mock.MockFactory()
    yield f
    f.reset()


def _changes(pin) -> list[tuple[bool, float]]:
    """The pin's changes after its first state, each with how long the state before it lasted.
    Read after the fact, so a loaded machine that runs the test late cannot miss a change."""
    return [(bool(s.state), s.timestamp) for s in pin.states[1:]]


def _pin(factory, number: int):
    pin = factory.pin(number)
    pin.clear_states()          # from here on: what the relay set up is not a change
    return pin


def test_gpio_pulse_opens_then_closes(factory):
    relay = GpioRelay(17, pin_factory=factory)
    pin = _pin(factory, 17)
    assert pin.state == 0
    relay.pulse(100)
    wait_until(lambda: len(_changes(pin)) >= 2, 10, "the gate to open and close again")
    (opened, _), (closed, held) = _changes(pin)
    assert opened and not closed
    assert held >= 0.099        # never shorter than asked (a loaded machine may hold it longer)
    relay.close()


def test_a_second_pulse_keeps_the_gate_open(factory):
    relay = GpioRelay(17, pin_factory=factory)
    pin = _pin(factory, 17)
    relay.pulse(1000)
    relay.pulse(1500)           # while open: the gate closes 1.5 s from now, not 1 s from the first
    wait_until(lambda: pin.state == 0, 15, "the gate to close after the second pulse")
    (opened, _), (closed, held) = _changes(pin)
    assert opened and not closed
    assert held >= 1.499, f"held {held:.3f} s: the second pulse did not extend the first"
    relay.close()


def test_active_low_relay(factory):
    relay = GpioRelay(5, active_high=False, pin_factory=factory)
    pin = _pin(factory, 5)
    assert pin.state == 1
    relay.pulse(50)
    wait_until(lambda: len(_changes(pin)) >= 2, 10, "the active-low gate to open and close again")
    assert [state for state, _ in _changes(pin)] == [False, True]      # low opens it
    relay.close()


def test_close_locks_the_gate_at_once(factory):
    relay = GpioRelay(17, pin_factory=factory)
    pin = factory.pin(17)
    relay.pulse(10_000)
    relay.close()
    assert pin.state == 0


def test_sim_relay_records_pulses():
    relay = SimRelay()
    relay.pulse(300)
    assert [ms for _, ms in relay.pulses] == [300]
    assert relay.is_open()
    assert not relay.is_open(relay.pulses[0][0] + 0.31)


def test_no_relay_configured_means_no_pulse():
    cfg = config.from_dict({})
    relay = RELAYS[cfg.relay.type](cfg, {})
    assert isinstance(relay, NoRelay) and relay.state == DeviceState.DISABLED
    relay.pulse(100)            # nothing to move, nothing raised
