"""The simulated world, built on SimPy.

Will hold the world and its parts (hosts, NICs, links, switches, routers, clients), fault
injection and the trace that records every frame as bytes (so it can be written as pcap).
"""
