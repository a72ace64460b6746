"""People dropped into the simulator's inbox arrive at once; junk files do no harm."""

from __future__ import annotations

import time

from drivers.sim.inbox import Inbox, LiveScenario
from drivers.sim.scenario import Scenario
from tests.waiting import holds_for, wait_until


def test_a_dropped_person_arrives_now_and_leaves_after_show_s(tmp_path):
    live = LiveScenario(Scenario.from_dict({"person": [{"code": "EARLY", "at_s": 100}]}), time.monotonic())
    inbox = Inbox(tmp_path / "inbox", live, poll_s=0.01)
    inbox.start()
    try:
        assert live.at(0.0) is None
        (tmp_path / "inbox" / "p.toml").write_text('code = "LATE-1"\ntemperature_c = 36.9\nshow_s = 2\n')
        who = wait_until(lambda: live.at(0.0), 20, "the dropped person to arrive")     # shown 2 s: long enough for a loaded machine to look
        assert (who.code, who.temperature_c) == ("LATE-1", 36.9)
        assert not (tmp_path / "inbox" / "p.toml").exists()
        wait_until(lambda: live.at(0.0) is None, 20, "the dropped person to leave")
        assert live.at(100.5).code == "EARLY"          # the scripted scenario plays on
    finally:
        inbox.stop()


def test_a_file_that_is_not_a_person_is_set_aside(tmp_path):
    live = LiveScenario(Scenario.from_dict({}), time.monotonic())
    inbox = Inbox(tmp_path / "inbox", live, poll_s=0.01)
    inbox.start()
    try:
        (tmp_path / "inbox" / "junk.toml").write_text('code = "A"\nimage = "b.png"\n')
        (tmp_path / "inbox" / "broken.toml").write_bytes(b"\xff\xfe not toml")
        inbox_dir = tmp_path / "inbox"
        wait_until(lambda: (inbox_dir / "junk.bad").exists() and (inbox_dir / "broken.bad").exists(), 20,
                   "both bad files set aside")
        assert live.at(0.0) is None
    finally:
        inbox.stop()


def test_a_person_who_walks_up_stays_until_they_walk_off():
    live = LiveScenario(Scenario.from_dict({}), time.monotonic())
    (someone,) = Scenario.from_dict({"person": [{"code": "WAITS", "show_s": 0.1}]}).arrivals
    person = live.walk_up(someone)
    assert live.at(0.0).code == "WAITS"
    holds_for(lambda: live.at(0.0) is not None, 0.3, "the person still there past their show_s")
    live.walk_off(person)
    assert live.at(0.0) is None
