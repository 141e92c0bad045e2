"""The real-host driver: runs :mod:`simlab.core` on Linux with raw sockets and netlink.

Will also hold the network-namespace helpers the interop tests against keepalived and ucarp use.
A peer of :mod:`simlab.sim`: neither imports the other.

* :mod:`simlab.host.driver` - :class:`~simlab.host.driver.HostDriver` runs one VRRP instance or
  CARP vhid on a Linux interface (AF_PACKET socket with a BPF filter for protocol 112, multicast
  membership, monotonic clock, pyroute2 for the service IP, a macvlan for a virtual MAC,
  link watch, graceful stop on SIGTERM/SIGINT). ``simlab host vrrp|carp`` is its command line.
* :mod:`simlab.host.netns` - :class:`~simlab.host.netns.SeedLab`, the seed topology (bridge,
  server1, server2, client, optional router) in network namespaces, with processes ended by PID,
  link/port faults, address views and a client prober that measures outages.
* :mod:`simlab.host.probe` - the prober run inside the client namespace (ICMP every 50 ms).
* :mod:`simlab.host.interop` - start keepalived, ucarp and simlab on a SeedLab as the captures
  were made, and the timer-formula predictions the interop tests compare outages with.

See docs/real-hosts.md.
"""
