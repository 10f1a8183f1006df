"""The cyclic garbage collector's pace: rare while a command starts, the default for a long run.

Start-up creates some 30,000 objects that live as long as the process
(modules, classes, functions). At the default pace (a pass per 700 new
containers) the collector walks them about 40 times and frees nothing:
~5 ms of a ~100 ms ``cstool search``. A one-shot command is over before
garbage cycles matter, so the console script raises the first threshold;
a command that stays open (``search -i``, ``serve``) calls
:func:`pace_for_long_run` once it is ready, which moves everything made so
far out of the collector's view and restores the default pace.
"""

import gc

DEFAULT_THRESHOLDS = gc.get_threshold()
START_UP_THRESHOLD = 100_000  # new containers between passes while starting (default 700)


def pace_for_start_up() -> None:
    gc.set_threshold(START_UP_THRESHOLD)


def pace_for_long_run() -> None:
    gc.freeze()  # start-up objects stay for good: later passes skip them
    gc.set_threshold(*DEFAULT_THRESHOLDS)
