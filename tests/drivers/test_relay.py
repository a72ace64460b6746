"""The gate relay: a GPIO pin held high for the pulse (gpiozero's mock pins stand in for
a Pi's), the simulated gate that records pulses, and no relay at all."""

from __future__ import annotations

import time

import pytest

from drivers.registry import RELAYS
from drivers.relay import GpioRelay, NoRelay
from drivers.sim.relay import SimRelay
from drivers.state import DeviceState
from kiosk import config

mock = pytest.importorskip("gpiozero.pins.mock")


@pytest.fixture
def factory():
    f = mock.MockFactory()
    yield f
    f.reset()


def _wait(pred, timeout=2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.005)
    return False


def test_gpio_pulse_opens_then_closes(factory):
    relay = GpioRelay(17, pin_factory=factory)
    pin = factory.pin(17)
    assert pin.state == 0
    relay.pulse(100)
    assert pin.state == 1
    time.sleep(0.05)
    assert pin.state == 1
    assert _wait(lambda: pin.state == 0)
    relay.close()


def test_a_second_pulse_keeps_the_gate_open(factory):
    relay = GpioRelay(17, pin_factory=factory)
    pin = factory.pin(17)
    relay.pulse(150)
    time.sleep(0.1)
    relay.pulse(150)
    time.sleep(0.1)             # the first pulse would have ended by now
    assert pin.state == 1
    assert _wait(lambda: pin.state == 0)
    relay.close()


def test_active_low_relay(factory):
    relay = GpioRelay(5, active_high=False, pin_factory=factory)
    pin = factory.pin(5)
    assert pin.state == 1
    relay.pulse(50)
    assert pin.state == 0
    assert _wait(lambda: pin.state == 1)
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
