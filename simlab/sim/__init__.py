"""The simulated world, built on SimPy.

Hosts (FreeBSD/Linux servers, a router, clients) with named NICs and a small IPv4 stack, learning
switches and links that carry real frame bytes; the protocol core (VRRP as keepalived, CARP as
FreeBSD/ucarp) runs on the hosts through :class:`~simlab.sim.daemon.Daemon`; faults and admin
actions can be scheduled or applied live; everything lands in a :class:`~simlab.sim.trace.Trace`.
docs/world.md describes the model and the API.

    from simlab.sim import World, seed_pair, S
    world = World(seed=1)
    pair = seed_pair(world, "carp")
    world.at(10 * S, "power-off", "hosta")
    world.run(20 * S)
"""

from simlab.sim.daemon import Daemon
from simlab.sim.host import AddressInfo, Dummy, Host, Nic, Service
from simlab.sim.link import Link
from simlab.sim.probes import Pinger, Requester
from simlab.sim.switch import Switch, SwitchPort
from simlab.sim.topologies import SeedPair, seed_pair
from simlab.sim.trace import (
    AddressChange,
    FaultRecord,
    FrameSent,
    LogLine,
    Probe,
    StateChange,
    Trace,
)
from simlab.sim.world import (
    ACTIONS,
    DEFAULT_LATENCY_NS,
    NS_PER_MS,
    NS_PER_S,
    NS_PER_US,
    LivelockError,
    World,
)

S = NS_PER_S
MS = NS_PER_MS
US = NS_PER_US

__all__ = [
    "ACTIONS",
    "DEFAULT_LATENCY_NS",
    "MS",
    "NS_PER_MS",
    "NS_PER_S",
    "NS_PER_US",
    "US",
    "AddressChange",
    "AddressInfo",
    "Daemon",
    "Dummy",
    "FaultRecord",
    "FrameSent",
    "Host",
    "Link",
    "LivelockError",
    "LogLine",
    "Nic",
    "Pinger",
    "Probe",
    "Requester",
    "S",
    "SeedPair",
    "Service",
    "StateChange",
    "Switch",
    "SwitchPort",
    "Trace",
    "World",
    "seed_pair",
]
