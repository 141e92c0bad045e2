"""Numbers computed from finished traces.

Will hold outage detection, availability and nines, Monte Carlo and closed-form models, and
parameter sweeps (local processes or Dask). It reads results; it never drives a running world.
"""
