"""The single exception type raised by every decoder in :mod:`simlab.wire`.

Callers (the protocol core, the pcap tools, the tests) only ever need to catch one thing when they
feed untrusted bytes to a decoder. The exception names the protocol layer and the byte offset where
decoding gave up, so a learner looking at a hex dump can find the culprit byte.
"""

from __future__ import annotations

__all__ = ["DecodeError", "require"]


class DecodeError(ValueError):
    """Bytes that cannot be a valid instance of the layer being decoded.

    ``layer`` is a short protocol name ("ipv4", "vrrp", "pcap", ...), ``offset`` the position of the
    offending byte. Decoders that are called on a slice report offsets relative to that slice;
    :func:`simlab.wire.frames.parse_frame` rebases them onto the whole Ethernet frame.
    """

    def __init__(self, layer: str, offset: int, message: str) -> None:
        self.layer = layer
        self.offset = offset
        self.message = message
        super().__init__(f"{layer}: {message} (at offset {offset})")

    def __reduce__(self):  # keep the exception picklable across process pools
        return (type(self), (self.layer, self.offset, self.message))

    def shifted(self, base: int) -> DecodeError:
        """The same error with its offset moved by ``base`` (used when a layer is nested)."""
        return DecodeError(self.layer, self.offset + base, self.message)


def require(data: bytes, length: int, layer: str, what: str, offset: int = 0) -> None:
    """Raise a truncation error unless ``data`` holds at least ``length`` bytes.

    The reported offset is where the missing bytes should have started, i.e. the current end of the
    data, which is what a reader needs to locate the cut in a dump.
    """
    if len(data) < length:
        raise DecodeError(
            layer,
            max(offset, len(data)),
            f"truncated {what}: need {length} bytes, have {len(data)}",
        )
