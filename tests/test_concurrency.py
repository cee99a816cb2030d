"""Sessions run on their own threads in one server process. Rounding, checking and formatting a view while another
session's table is turned into pandas (as Streamlit does to draw it) must never deadlock: with a Python callback
inside a Polars query it did, and the whole interpreter stopped (issue 15: six sessions opening at once on two
servers). The work runs in a child process so a deadlock fails this test instead of hanging the suite."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from leo_dash.core.paths import PROJECT_ROOT

_SESSIONS_AT_ONCE = textwrap.dedent(
    """
    import threading
    import polars as pl
    from leo_dash import sdc
    from leo_dash.present.views import python_column, format_number

    frame = pl.DataFrame({"num": [i * 0.37 for i in range(20_000)], "den": [1000.0] * 20_000})
    stop = threading.Event()
    done = [0, 0]

    def view_work():
        while not stop.is_set():
            rounded = sdc.with_rounded(frame, {"rate": (pl.col("num") / pl.col("den") * 100, 0.1)})
            rounded.select(sdc.not_multiple_of(pl.col("rate"), 0.1).alias("off"), sdc.round_half_up_expr(pl.col("num"), 5))
            python_column(rounded.head(200), "text", lambda v: format_number(v, "%", 1), "rate")
            done[0] += 1

    def drawing():
        while not stop.is_set():
            pl.concat([frame, frame]).to_pandas()
            done[1] += 1

    threads = [threading.Thread(target=f, daemon=True) for f in (view_work, drawing, view_work, drawing)]
    for thread in threads:
        thread.start()
    stop.wait(3)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads), "a session thread never finished"
    print("rounds", *done)
    """
)


def test_view_work_and_drawing_on_four_threads_never_deadlock() -> None:
    # Before the fix this stopped within a second, every thread waiting; a generous bound only catches the hang.
    result = subprocess.run(
        [sys.executable, "-c", _SESSIONS_AT_ONCE], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rounds = [int(n) for n in result.stdout.split()[1:3]]
    assert all(n > 0 for n in rounds), result.stdout  # both kinds of work really ran side by side
