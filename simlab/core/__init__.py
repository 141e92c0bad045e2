"""The protocol core: VRRP v2/v3 and CARP as pure (sans-I/O) state machines.

Inputs are small immutable events carrying ``now`` (integer nanoseconds); outputs are small
immutable actions. Nothing here reads a clock, opens a socket or imports a simulation library:
the same objects drive simulated hosts (:mod:`simlab.sim`) and real ones (:mod:`simlab.host`).
"""
