"""simlab: a discrete-event simulator and teaching lab for service-IP high availability.

The protocol is written once, in :mod:`simlab.core` (pure state machines, time passed in) over
:mod:`simlab.wire` (byte-exact codecs). Everything else drives it: the SimPy world in
:mod:`simlab.sim`, real Linux hosts in :mod:`simlab.host`.
"""

__version__ = "0.1.0"
