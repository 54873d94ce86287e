#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""sctp_inject - hostile and odd SCTP traffic for sctpalg's end-to-end tests.

Builds whole Ethernet frames (so IP lengths, header lengths and fragment
fields are exactly what the kind says: a raw IP socket would fix them up)
and sends them on one interface with an AF_PACKET socket, toward the next
hop's MAC.  Python's standard library only; the SCTP checksum is CRC32c
(RFC 9260 appendix A, RFC 3309), computed here, so a packet is malformed
only where its kind says so.

  sctp_inject.py --ifname lan0 --dst-mac MAC --src A --dst A
                 [--assoc SPORT:DPORT:VTAG] [--kinds K,K,...|all]
                 [--rounds N] [--pace-us US] [--list]

Kinds not aimed at an association use random ports and tags (they are
out of the blue for a NAT).  With --assoc, the assoc-* kinds carry the
given ports and verification tag, so they reach the live association's
state in the NAT and test that a malformed packet of a live association is
dropped whole, never half-rewritten, and that well-formed odd chunks (the
four "unknown chunk type" actions of RFC 9260 section 3.2) pass without
harm.  Nothing here may be a valid packet that would legitimately end the
association (no DATA without user data, no ABORT, no SHUTDOWN).

Prints one line per kind, then a total:
  SENT kind=NAME packets=N bytes=B
  TOTAL packets=N bytes=B kinds=K
Exit: 0 when everything was sent, 1 on a send error, 2 on bad usage.
"""

import argparse
import os
import random
import socket
import struct
import sys
import time

# ---- checksums ----

def _crc32c_table():
    poly = 0x82F63B78  # Castagnoli, reflected
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def inet_csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

# ---- builders ----


def sctp(sport, dport, vtag, chunks, good_crc=True):
    hdr = struct.pack("!HHII", sport, dport, vtag, 0)
    pkt = hdr + chunks
    c = crc32c(pkt)
    if not good_crc:
        c ^= 0x5A5A5A5A
    # RFC 9260 appendix A: the CRC goes out least significant byte first
    return pkt[:8] + struct.pack("<I", c) + pkt[12:]


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def chunk(ctype, flags, body, length=None, pad=True):
    ln = 4 + len(body) if length is None else length
    c = struct.pack("!BBH", ctype, flags, ln) + body
    return pad4(c) if pad else c


def param(ptype, value, length=None, pad=True):
    ln = 4 + len(value) if length is None else length
    p = struct.pack("!HH", ptype, ln) + value
    return pad4(p) if pad else p


def init_body(itag, params=b""):
    # Initiate Tag, a_rwnd, outbound streams, inbound streams, initial TSN
    return struct.pack("!IIHHI", itag, 65536, 10, 10, random.getrandbits(32)) \
        + params


def ipv4_addr_param(a):
    return param(5, socket.inet_aton(a))


def ip4(src, dst, proto, payload, ident=None, frag=0, ttl=64,
        tot_len=None, ihl=5, version=4, options=b""):
    if ident is None:
        ident = random.getrandbits(16)
    hlen = ihl * 4
    tl = hlen + len(payload) if tot_len is None else tot_len
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | (ihl & 0xF), 0,
                      tl & 0xFFFF, ident, frag, ttl, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst)) + options
    if len(hdr) >= 20:
        cs = inet_csum(hdr[:max(20, min(len(hdr), hlen))])
        hdr = hdr[:10] + struct.pack("!H", cs) + hdr[12:]
    return hdr + payload


def ip6(src, dst, nh, payload, plen=None):
    ln = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", 6 << 28, ln, nh, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def icmp4(itype, code, rest, quote):
    body = struct.pack("!BBHI", itype, code, 0, rest) + quote
    cs = inet_csum(body)
    return body[:2] + struct.pack("!H", cs) + body[4:]


def icmp6(src, dst, itype, code, rest, quote):
    body = struct.pack("!BBHI", itype, code, 0, rest) + quote
    pseudo = (socket.inet_pton(socket.AF_INET6, src) +
              socket.inet_pton(socket.AF_INET6, dst) +
              struct.pack("!IxxxB", len(body), 58))
    cs = inet_csum(pseudo + body)
    return body[:2] + struct.pack("!H", cs) + body[4:]


CID_DATA, CID_INIT, CID_SACK, CID_ASCONF = 0, 1, 3, 0xC1
CID_SHUTDOWN_COMPLETE = 14
UNKNOWN_TYPES = (0x3E, 0x7E, 0xBE, 0xFE)  # upper bits 00, 01, 10, 11


class Injector:
    def __init__(self, a):
        self.a = a
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind((a.ifname, 0))
        self.src_mac = self.sock.getsockname()[4]
        self.dst_mac = bytes.fromhex(a.dst_mac.replace(":", ""))
        self.counts = {}
        self.errors = 0

    def rport(self):
        return random.randint(1024, 65535)

    def send(self, kind, l3, ethertype=0x0800):
        frame = self.dst_mac + self.src_mac + struct.pack("!H", ethertype) + l3
        try:
            self.sock.send(frame)
        except OSError as e:
            self.errors += 1
            print("ERROR kind=%s len=%d: %s" % (kind, len(frame), e),
                  file=sys.stderr)
            return
        n, b = self.counts.get(kind, (0, 0))
        self.counts[kind] = (n + 1, b + len(frame))
        if self.a.pace_us:
            time.sleep(self.a.pace_us / 1e6)

    def sctp4(self, kind, sctp_bytes, **ip):
        self.send(kind, ip4(self.a.src, self.a.dst, 132, sctp_bytes, **ip))

    def ootb(self, chunks, vtag=None, good_crc=True):
        return sctp(self.rport(), self.a.dport_ootb or self.rport(),
                    random.getrandbits(32) if vtag is None else vtag,
                    chunks, good_crc)

    # -- header level: the packet is rejected before any lookup --
    def k_sctp_truncated(self, k):
        self.sctp4(k, struct.pack("!HHI", self.rport(), self.rport(), 1))

    def k_no_chunks(self, k):
        self.sctp4(k, self.ootb(b""))

    def k_port_zero(self, k):
        self.sctp4(k, sctp(0, self.rport(), 1, chunk(CID_SACK, 0, bytes(12))))

    def k_first_chunk_zero_length(self, k):
        self.sctp4(k, self.ootb(chunk(CID_DATA, 0, bytes(16), length=0)))

    def k_first_chunk_too_short(self, k):
        self.sctp4(k, self.ootb(chunk(CID_DATA, 0, bytes(16), length=2)))

    def k_first_chunk_truncated(self, k):
        self.sctp4(k, self.ootb(chunk(CID_DATA, 0, bytes(16), length=500)))

    # -- INIT: walked whole before anything is created --
    def init(self, body_params=b"", vtag=0, itag=None, extra=b"",
             good_crc=True, length=None):
        itag = random.getrandbits(32) | 1 if itag is None else itag
        c = chunk(CID_INIT, 0, init_body(itag, body_params), length=length)
        return sctp(self.rport(), self.a.dport_ootb or self.rport(), vtag,
                    c + extra, good_crc)

    def k_init_bundled(self, k):
        # RFC 9260 section 6.10: INIT must be the only chunk
        self.sctp4(k, self.init(extra=chunk(0xBE, 0, bytes(4))))

    def k_init_nonzero_vtag(self, k):
        self.sctp4(k, self.init(vtag=0x1234))

    def k_init_zero_itag(self, k):
        self.sctp4(k, self.init(itag=0))

    def k_init_param_zero_length(self, k):
        self.sctp4(k, self.init(param(0x8008, bytes(4), length=0)))

    def k_init_param_short(self, k):
        self.sctp4(k, self.init(param(0x8008, bytes(4), length=2)))

    def k_init_param_overrun(self, k):
        self.sctp4(k, self.init(param(0x8008, bytes(8), length=400)))

    def k_init_param_truncated(self, k):
        # two bytes left in the chunk after the last parameter
        self.sctp4(k, self.init(ipv4_addr_param("192.0.2.1") + b"\x00\x05"))

    def k_init_ipv4_param_bad_length(self, k):
        self.sctp4(k, self.init(param(5, bytes(8))))

    def k_init_bad_padding(self, k):
        # a chunk of odd length that is not the last, padding missing
        c = chunk(CID_INIT, 0, init_body(random.getrandbits(31) | 1,
                                         b"\x01\x02"), pad=False)
        # 22 bytes, then one byte where its padding needs two
        self.sctp4(k, sctp(self.rport(), self.rport(), 0, c + b"\x00"))

    def many_addrs(self, n):
        # every address of the sender's /24 (inside addresses a NAT must
        # map, far more than max-addresses), then addresses it cannot map
        net = self.a.src.rsplit(".", 1)[0]
        return b"".join(ipv4_addr_param("%s.%d" % (net, i + 1) if i < 254
                                        else "198.18.%d.%d" % (i // 250,
                                                               i % 250 + 1))
                        for i in range(n))

    def k_init_many_addrs(self, k):
        # hundreds of address parameters (max-addresses is at most 16)
        self.sctp4(k, self.init(self.many_addrs(300)))

    def k_init_jumbo_addrs(self, k):
        # ~8 KB of address parameters: a multi-buffer frame on the box
        self.sctp4(k, self.init(self.many_addrs(1000)))

    def k_init_bad_crc(self, k):
        self.sctp4(k, self.init(good_crc=False))

    def k_unknown_chunks_ootb(self, k):
        for t in UNKNOWN_TYPES:
            self.sctp4(k, self.ootb(chunk(t, 0, bytes(8))))

    # -- aimed at the live association (its ports and tag) --
    def assoc(self, chunks):
        sp, dp, vt = self.a.assoc_t
        return sctp(sp, dp, vt, chunks)

    def k_assoc_zero_length(self, k):
        self.sctp4(k, self.assoc(chunk(0xBE, 0, bytes(4)) +
                                 chunk(CID_SACK, 0, bytes(12), length=0)))

    def k_assoc_too_short(self, k):
        self.sctp4(k, self.assoc(chunk(0xBE, 0, bytes(4)) +
                                 chunk(CID_SACK, 0, bytes(12), length=3)))

    def k_assoc_truncated(self, k):
        self.sctp4(k, self.assoc(chunk(0xBE, 0, bytes(4)) +
                                 chunk(CID_SACK, 0, bytes(12), length=300)))

    def k_assoc_bad_padding(self, k):
        # 9 bytes, then one byte where its padding needs three
        self.sctp4(k, self.assoc(chunk(0xBE, 0, bytes(5), pad=False) +
                                 b"\x00"))

    def k_assoc_chunk_after_init(self, k):
        # INIT after another chunk, and SHUTDOWN COMPLETE bundled
        self.sctp4(k, self.assoc(chunk(0xBE, 0, bytes(4)) +
                                 chunk(CID_INIT, 0, init_body(7))))
        self.sctp4(k, self.assoc(chunk(0xBE, 0, bytes(4)) +
                                 chunk(CID_SHUTDOWN_COMPLETE, 0, b"")))

    def k_assoc_asconf_no_address(self, k):
        # RFC 5061 section 4.1.1: an ASCONF starts with an address
        body = struct.pack("!I", 1) + param(0x8008, bytes(4))
        self.sctp4(k, self.assoc(chunk(CID_ASCONF, 0, body)))

    def k_assoc_too_many_chunks(self, k):
        self.sctp4(k, self.assoc(chunk(0xBE, 0, b"") * 300))

    def k_assoc_unknown_chunks(self, k):
        # well-formed: the NAT translates, the peer applies the action
        for t in UNKNOWN_TYPES:
            self.sctp4(k, self.assoc(chunk(t, 0, bytes(8))))

    # -- IP level --
    def k_ip_truncated(self, k):
        self.sctp4(k, self.ootb(chunk(CID_SACK, 0, bytes(12))), tot_len=1400)

    def k_ip_bad_ihl(self, k):
        self.sctp4(k, self.ootb(chunk(CID_SACK, 0, bytes(12))), ihl=4)

    def k_ip_options(self, k):
        # a legal header with options (NOPs); out of the blue
        self.sctp4(k, self.ootb(chunk(CID_SACK, 0, bytes(12))), ihl=6,
                   options=b"\x01\x01\x01\x00")

    def k_ip_oversized_frame(self, k):
        # over the largest frame the box takes (9238 bytes)
        self.sctp4(k, self.ootb(chunk(0xBE, 0, bytes(10000))))

    # -- IP fragments of SCTP --
    def frags(self, k, pieces, ident, total):
        for off, end, more in pieces:
            fl = (0x2000 if more else 0) | (off // 8)
            self.send(k, ip4(self.a.src, self.a.dst, 132, total[off:end],
                             ident=ident, frag=fl))

    def k_frag_overlap(self, k):
        total = self.ootb(chunk(0xBE, 0, bytes(2000)))
        ident = random.getrandbits(16)
        self.frags(k, [(0, 1000, True), (800, 1600, True),
                       (1600, len(total), False)], ident, total)

    def k_frag_out_of_order(self, k):
        total = self.ootb(chunk(0xBE, 0, bytes(2000)))
        ident = random.getrandbits(16)
        self.frags(k, [(1600, len(total), False), (800, 1600, True),
                       (0, 800, True)], ident, total)

    def k_frag_never_complete(self, k):
        total = self.ootb(chunk(0xBE, 0, bytes(2000)))
        self.frags(k, [(0, 800, True)], random.getrandbits(16), total)

    def k_frag_beyond_64k(self, k):
        total = self.ootb(chunk(0xBE, 0, bytes(2000)))
        fl = 0x2000 | (65000 // 8)
        self.send(k, ip4(self.a.src, self.a.dst, 132, total[:1000],
                         ident=random.getrandbits(16), frag=fl))

    # -- ICMP errors quoting forged SCTP headers --
    def quote4(self, sctp_hdr):
        return ip4(self.a.dst, self.a.src, 132, sctp_hdr, tot_len=1500)

    def k_icmp_forged(self, k):
        q = self.quote4(struct.pack("!HHI", self.rport(), self.rport(),
                                    random.getrandbits(32)) + bytes(8))
        self.send(k, ip4(self.a.src, self.a.dst, 1, icmp4(3, 4, 1400, q)))

    def k_icmp_truncated_quote(self, k):
        q = self.quote4(struct.pack("!H", self.rport()))
        self.send(k, ip4(self.a.src, self.a.dst, 1, icmp4(3, 4, 1400, q)))

    def k_icmp_forged_assoc_tag(self, k):
        # the association's ports (reversed: the error is about a packet
        # sent toward us) and a wrong tag
        if not self.a.assoc_t:
            return
        sp, dp, vt = self.a.assoc_t
        q = self.quote4(struct.pack("!HHI", dp, sp, vt ^ 0xFFFF) + bytes(8))
        self.send(k, ip4(self.a.src, self.a.dst, 1, icmp4(3, 4, 576, q)))

    def k_icmp6_forged(self, k):
        s6, d6 = "2001:db8:1::10", "2001:db8:2::100"
        q = ip6(d6, s6, 132, struct.pack("!HHI", self.rport(), self.rport(),
                                         random.getrandbits(32)) + bytes(8),
                plen=1400)
        self.send(k, ip6(s6, d6, 58, icmp6(s6, d6, 2, 0, 1280, q)), 0x86DD)


KINDS = [n[2:] for n in dir(Injector) if n.startswith("k_")]
ASSOC_KINDS = [k for k in KINDS if k.startswith("assoc_")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ifname")
    ap.add_argument("--dst-mac")
    ap.add_argument("--src")
    ap.add_argument("--dst")
    ap.add_argument("--dport-ootb", type=int, default=0,
                    help="destination port of the out-of-the-blue kinds "
                         "(default random)")
    ap.add_argument("--assoc", help="SPORT:DPORT:VTAG of a live association")
    ap.add_argument("--kinds", default="all")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--pace-us", type=int, default=200)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    if a.list:
        print("\n".join(k.replace("_", "-") for k in KINDS))
        return 0
    if not (a.ifname and a.dst_mac and a.src and a.dst):
        ap.error("--ifname, --dst-mac, --src and --dst are needed")
    random.seed(a.seed if a.seed is not None else os.getpid())
    a.assoc_t = None
    if a.assoc:
        a.assoc_t = tuple(int(x, 0) for x in a.assoc.split(":"))
    kinds = KINDS if a.kinds == "all" else \
        [k.replace("-", "_") for k in a.kinds.split(",")]
    for k in kinds:
        if k not in KINDS:
            ap.error("unknown kind %s (--list)" % k)
    if not a.assoc_t:
        kinds = [k for k in kinds if k not in ASSOC_KINDS]
    inj = Injector(a)
    for _ in range(a.rounds):
        for k in kinds:
            getattr(inj, "k_" + k)(k.replace("_", "-"))
    tp = tb = 0
    for k in kinds:
        n, b = inj.counts.get(k.replace("_", "-"), (0, 0))
        tp += n
        tb += b
        print("SENT kind=%s packets=%d bytes=%d" % (k.replace("_", "-"),
                                                     n, b))
    print("TOTAL packets=%d bytes=%d kinds=%d errors=%d" %
          (tp, tb, len(kinds), inj.errors))
    sys.stdout.flush()
    return 1 if inj.errors else 0


if __name__ == "__main__":
    sys.exit(main())
