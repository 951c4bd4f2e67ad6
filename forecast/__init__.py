"""Weekly crisis-risk forecast (issue 8): events calendar, history simulator, forecasters and rolling backtest.

The models consume a :class:`forecast.history.DailyHistory` (daily counts per province × topic); the simulator is
only one producer of it, the index / alert-store adapter (``forecast.sources``) is the real one. ``forecast.run``
and ``forecast.cli`` make the weekly forecast (JSON + ``forecast.report``'s Vietnamese HTML/PDF) and its schedule.
"""
