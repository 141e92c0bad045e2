"""Numbers about availability: from finished traces, from models, and from both.

Outages and availability are computed from traces (``outages``, ``report``, ``availability``);
closed forms (``closed_form``) and failure models (``failures``) need no world at all. The one
place this package drives the simulator is the year-scale estimator (``estimate``): it runs
short packet-level windows of the scenario to *measure* each kind of failover gap, so that the
Monte Carlo over years draws outages from the protocol model rather than from a typed constant.
It only builds worlds and reads their traces; it never reaches into one another layer is running.
``sweep`` runs that estimator over a grid of design parameters on any concurrent.futures
executor (a process pool, a Dask cluster).
"""
