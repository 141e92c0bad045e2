"""The real-host driver: runs :mod:`simlab.core` on Linux with raw sockets and netlink.

Will also hold the network-namespace helpers the interop tests against keepalived and ucarp use.
A peer of :mod:`simlab.sim`: neither imports the other.
"""
