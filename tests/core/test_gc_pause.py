"""gc_paused: the cyclic collector is off inside and as it was after, also after an error."""

from __future__ import annotations

import gc

import pytest

from aiddesk.gc_pause import gc_paused


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_and_put_back_as_it_was(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(RuntimeError):
            with gc_paused():
                assert not gc.isenabled()
                raise RuntimeError("an import fails midway")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
