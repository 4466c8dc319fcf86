"""Writes the expected values the packet tests compare against, using scapy as an
independent oracle. Run with Debian's python3-scapy:

    python3 packet/testdata/make_vectors.py

It reads the loopback captures in this folder (made with tcpdump while
capture_traffic.py talked to local listeners on 127.0.0.1 and ::1) and builds
reference packets from fixed fields.
"""
import json, os
from scapy.all import *

HERE = os.path.dirname(os.path.abspath(__file__))

OPT = {"MSS": "mss", "SAckOK": "sackPermitted", "Timestamp": "timestamp", "NOP": "nop",
       "WScale": "wscale", "EOL": "eol", "SAck": "sack"}

def tcp_opts(t):
    out = []
    for name, val in t.options:
        k = OPT.get(name, "unknown")
        o = {"kind": k}
        if k == "mss": o["value"] = val
        elif k == "wscale": o["shift"] = val
        elif k == "timestamp": o["value"], o["echo"] = val
        elif k == "sack": o["blocks"] = [list(val[i:i+2]) for i in range(0, len(val), 2)]
        elif k == "unknown": o["code"] = name if isinstance(name, int) else None
        out.append(o)
    return out

def checksum_of(layer_cls, p):
    q = p.copy()
    del q[layer_cls].chksum
    return Ether(bytes(q))[layer_cls].chksum if q.haslayer(Ether) else q.__class__(bytes(q))[layer_cls].chksum

def summary(p):
    d = {}
    ip = p.getlayer(IP) or p.getlayer(IPv6)
    if ip is None: return d
    if isinstance(ip, IP):
        d["ip"] = {"version": 4, "src": ip.src, "dst": ip.dst, "ttl": ip.ttl, "id": ip.id,
                   "df": bool(ip.flags.DF), "totalLength": ip.len}
    else:
        d["ip"] = {"version": 6, "src": ip.src, "dst": ip.dst, "ttl": ip.hlim,
                   "totalLength": 40 + ip.plen}
    if p.haslayer(TCP) and not p.haslayer(TCPerror):
        t = p[TCP]
        d["tcp"] = {"srcPort": t.sport, "dstPort": t.dport, "seq": t.seq, "ack": t.ack,
                    "flags": int(t.flags), "window": t.window, "urgent": t.urgptr,
                    "options": tcp_opts(t)}
        q = ip.copy(); del q[TCP].chksum
        d["tcp"]["checksum"] = ip.__class__(bytes(q))[TCP].chksum
    if p.haslayer(UDP) and not p.haslayer(UDPerror):
        u = p[UDP]
        d["udp"] = {"srcPort": u.sport, "dstPort": u.dport, "length": u.len}
        q = ip.copy(); del q[UDP].chksum
        d["udp"]["checksum"] = ip.__class__(bytes(q))[UDP].chksum
    if p.haslayer(ICMP):
        i = p[ICMP]
        d["icmp"] = {"type": i.type, "code": i.code}
        if i.type in (0, 8, 13, 14): d["icmp"].update(id=i.id, seq=i.seq)
        if p.haslayer(IPerror):
            e = p[IPerror]
            qd = {"src": e.src, "dst": e.dst, "protocol": e.proto}
            inner = p.getlayer(UDPerror) or p.getlayer(TCPerror)
            if inner is not None: qd.update(srcPort=inner.sport, dstPort=inner.dport)
            d["icmp"]["quoted"] = qd
    for cls in (ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6DestUnreach, ICMPv6ND_NS, ICMPv6ND_NA):
        if p.haslayer(cls):
            i = p[cls]
            d["icmpv6"] = {"type": i.type, "code": i.code}
            if cls in (ICMPv6EchoRequest, ICMPv6EchoReply): d["icmpv6"].update(id=i.id, seq=i.seq)
            if cls in (ICMPv6ND_NS, ICMPv6ND_NA): d["icmpv6"]["targetAddress"] = i.tgt
            if p.haslayer(ICMPv6NDOptSrcLLAddr): d["icmpv6"]["sourceLinkAddress"] = p[ICMPv6NDOptSrcLLAddr].lladdr
            if p.haslayer(IPerror6):
                e = p[IPerror6]
                qd = {"src": e.src, "dst": e.dst, "protocol": e.nh}
                inner = p.getlayer(UDPerror) or p.getlayer(TCPerror)
                if inner is not None: qd.update(srcPort=inner.sport, dstPort=inner.dport)
                d["icmpv6"]["quoted"] = qd
    return d

captures = {}
for name in ("lo_en10mb", "any_sll", "any_sll2"):
    pk = rdpcap(os.path.join(HERE, name + ".pcap"))
    captures[name] = [summary(p) for p in pk]

OPTS = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (123456789, 0)), ("NOP", None), ("WScale", 7)]
built = {
    "syn4": IP(src="127.0.0.1", dst="127.0.0.2", ttl=53, id=0x1234, flags="DF") /
        TCP(sport=40000, dport=443, seq=0xdeadbeef, flags="S", window=1024, options=OPTS),
    "syn6": IPv6(src="::1", dst="::1", hlim=47, fl=0x12345) /
        TCP(sport=40001, dport=22, seq=1, flags="S", window=65535, options=OPTS),
    "udp4": IP(src="127.0.0.1", dst="127.0.0.1", ttl=64, id=7) / UDP(sport=5353, dport=53) / Raw(b"\x12\x34hello"),
    "udp6": IPv6(src="::1", dst="::1") / UDP(sport=5353, dport=53) / Raw(b"hello!"),
    "echo4": IP(src="127.0.0.1", dst="127.0.0.1", id=99) / ICMP(type=8, id=0x4242, seq=3) / Raw(b"ping-payload"),
    "echo6": IPv6(src="::1", dst="::1") / ICMPv6EchoRequest(id=0x4243, seq=4, data=b"ping6"),
    "tstamp4": IP(src="127.0.0.1", dst="127.0.0.1") / ICMP(type=13, id=5, seq=6, ts_ori=1000, ts_rx=0, ts_tx=0),
    "ns6": IPv6(src="fe80::1", dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt="fe80::2") /
        ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:01"),
    "na6": IPv6(src="fe80::2", dst="fe80::1", hlim=255) / ICMPv6ND_NA(tgt="fe80::2", R=0, S=1, O=1) /
        ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:02"),
}
frames = {
    "arp": Ether(src="02:00:00:00:00:01", dst="ff:ff:ff:ff:ff:ff") /
        ARP(op=1, hwsrc="02:00:00:00:00:01", psrc="127.0.0.1", pdst="127.0.0.2"),
    "vlan": Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / Dot1Q(vlan=100) / Dot1Q(vlan=7) /
        IP(src="127.0.0.1", dst="127.0.0.3") / TCP(sport=1, dport=2, flags="SA", seq=5, ack=6,
        options=[("SAck", (100, 200, 300, 400)), (30, b"\x01\x02\x03"), ("NOP", None), ("NOP", None), ("EOL", None)]),
    "ext6": Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
        IPv6(src="::1", dst="::2") / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting(addresses=["::3"]) /
        IPv6ExtHdrDestOpt() / IPv6ExtHdrFragment(id=0xabcdef, offset=0, m=0) /
        TCP(sport=1234, dport=80, flags="S", seq=77),
    "fragneeded": Ether() / IP(src="127.0.0.9", dst="127.0.0.1") / ICMP(type=3, code=4, nexthopmtu=1280) /
        IP(src="127.0.0.1", dst="127.0.0.9", id=555, ttl=1) / TCP(sport=40000, dport=8080, seq=0xcafef00d, flags="S"),
    "unreach6": Ether() / IPv6(src="::9", dst="::1") / ICMPv6DestUnreach(code=4) /
        IPv6(src="::1", dst="::9", hlim=1) / TCP(sport=40002, dport=9090, seq=0x0badcafe, flags="S"),
}
out = {"captures": captures, "built": {}, "frames": {}}
for k, p in built.items():
    raw = bytes(p)
    out["built"][k] = {"hex": raw.hex(), "fields": summary(p.__class__(raw))}
for k, p in frames.items():
    raw = bytes(p)
    f = summary(Ether(raw))
    if k == "arp":
        a = Ether(raw)[ARP]
        f["arp"] = {"op": a.op, "senderMac": a.hwsrc, "senderIp": a.psrc, "targetMac": a.hwdst, "targetIp": a.pdst}
    if k == "vlan": f["vlans"] = [100, 7]
    if k == "fragneeded": f["icmp"]["mtu"] = 1280; f["icmp"]["quoted"]["seq"] = 0xcafef00d; f["icmp"]["quoted"]["id"] = 555
    if k == "unreach6": f["icmpv6"]["quoted"]["seq"] = 0x0badcafe
    if k == "ext6": f["fragmentId"] = 0xabcdef
    out["frames"][k] = {"hex": raw.hex(), "fields": f}
with open(os.path.join(HERE, "scapy_vectors.json"), "w") as fh:
    json.dump(out, fh, indent=1, sort_keys=True)
print("ok")
