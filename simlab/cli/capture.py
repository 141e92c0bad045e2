"""``simlab decode``: the VRRP, CARP and ARP packets of a capture, one line or JSON object each."""

from __future__ import annotations

import json
from ipaddress import ip_address
from pathlib import Path
from typing import Annotated

import typer

from simlab.cli.app import app, fail


@app.command()
def decode(
    file: Annotated[Path, typer.Argument(help="A pcap or pcapng capture (Ethernet).")],
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per packet instead of text.")
    ] = False,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help="CARP pass (checks each HMAC) or VRRPv2 auth_pass (compared with the packet).",
        ),
    ] = None,
    vip: Annotated[
        list[str] | None,
        typer.Option(
            "--vip",
            help="A service IP of the vhid (repeatable). The CARP HMAC covers them; without "
            "--vip they are inferred from the capture's gratuitous ARPs.",
        ),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Also say which checksum and CARP/VRRP rule applied."),
    ] = False,
) -> None:
    """Decode the VRRP, CARP and ARP packets of a capture, one line (or JSON object) each."""
    from simlab.analysis.capture import summarize_capture
    from simlab.render.packets import packet_line
    from simlab.wire.errors import DecodeError
    from simlab.wire.pcap import read_pcap

    vips = vip or []
    for address in vips:
        try:
            ip_address(address)
        except ValueError:
            raise fail(
                f"--vip {address!r} is not an IP address (expected e.g. 192.0.2.50)"
            ) from None
    try:
        records = list(read_pcap(file))
    except FileNotFoundError:
        raise fail(f"{file}: no such file") from None
    except IsADirectoryError:
        raise fail(f"{file}: is a directory, expected a pcap file") from None
    except DecodeError as exc:
        raise fail(f"{file}: not a readable capture: {exc}") from None
    report = summarize_capture(records, password=password, vips=vips)
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)
    for packet in report.packets:
        if as_json:
            typer.echo(json.dumps(packet.as_dict(), sort_keys=False))
        else:
            typer.echo(packet_line(packet, verbose=verbose))
