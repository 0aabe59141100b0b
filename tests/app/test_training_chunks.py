"""Continuous training's chunks (app/controls.py): a light network keeps its short chunks; a heavy one,
whose chunks end with large costs of their own (its captured step, the test set, the views' redraw),
trains longer between redraws and rests only briefly."""
from types import SimpleNamespace

import panel as pn
import pytest

from app import controls
from app.controls import CHUNK_SECONDS, MAX_CHUNK_SECONDS, MAX_IDLE_SECONDS, Controls
from app.session import Session


@pytest.fixture
def clocked(monkeypatch):
    """Controls over a session whose chunks cost `costs["end"]` seconds beyond their training, on a fake clock."""
    clock = [0.0]
    monkeypatch.setattr(controls, "time", SimpleNamespace(perf_counter=lambda: clock[0]))
    monkeypatch.setattr(pn.state, "add_periodic_callback",
                        lambda cb, period: type("CB", (), {"stop": lambda self: None})())
    session, asked, costs = Session(), [], {"end": 0.0}

    def train_for(seconds):
        asked.append(seconds)
        clock[0] += seconds + costs["end"]
    session.train_for = train_for
    c = Controls(session)
    c.start()

    def chunks(n):
        for _ in range(n):
            c._due = 0
            c.tick()
        return c._due - clock[0]           # the rest after the last chunk
    return asked, costs, chunks


def test_a_light_network_trains_in_short_chunks(clocked):
    asked, costs, chunks = clocked
    costs["end"] = 0.01
    rest = chunks(3)
    assert asked == [CHUNK_SECONDS] * 3
    assert rest == pytest.approx(CHUNK_SECONDS + 0.01)     # as long as the chunk took (IDLE_SHARE 0.5)


def test_a_heavy_network_trains_twice_as_long_as_its_chunks_cost_and_rests_briefly(clocked):
    asked, costs, chunks = clocked
    costs["end"] = 0.3                                      # e.g. LeNet on MNIST in the browser
    rest = chunks(3)
    assert asked == pytest.approx([CHUNK_SECONDS, 0.6, 0.6])
    assert rest == pytest.approx(MAX_IDLE_SECONDS)
    costs["end"] = 2.0                                      # never so long that Pause waits for more than a second
    chunks(2)
    assert asked[-1] == MAX_CHUNK_SECONDS
