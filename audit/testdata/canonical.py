#!/usr/bin/env python3
"""An independent implementation of steward's audit chain hash (docs/audit.md),
used to produce the known answers of audit/encode_test.go. Run it with no
arguments; it prints the hex hashes of the two events of the test chain."""
import hashlib
import struct


def s(v: str) -> bytes:
    b = v.encode()
    return struct.pack(">I", len(b)) + b


def lst(vs) -> bytes:
    return struct.pack(">I", len(vs)) + b"".join(s(v) for v in vs)


def canonical(e: dict) -> bytes:
    return (bytes([1]) + s(e["tenant_id"]) + struct.pack(">q", e["seq"]) + struct.pack(">q", e["time_us"])
            + s(e["actor"]) + s(e["action"]) + s(e["subject_id"]) + lst(e["categories"]) + s(e["purpose"])
            + s(e["decision"]) + lst(e["reasons"]) + s(e["justification"]) + s(e["request_id"])
            + s(e["client_ip"]) + s(e["target"]))


def chain(events):
    prev = bytes(32)
    out = []
    for e in events:
        h = hashlib.sha256(prev + canonical(e)).digest()
        out.append(h.hex())
        prev = h
    return out


first = dict(tenant_id="ten_kat", seq=1, time_us=1795341600000000, actor="api_key:key_kat", action="record.read",
             subject_id="sub_kat", categories=["user.contact.email", "user.device.ip_address"],
             purpose="essential.service", decision="allow", reasons=["policy.allow"], justification="",
             request_id="0011223344556677", client_ip="203.0.113.0", target="")
second = dict(tenant_id="ten_kat", seq=2, time_us=1795341600000001, actor="system:retention", action="retention.purge",
              subject_id="", categories=[], purpose="", decision="", reasons=[], justification="", request_id="",
              client_ip="", target="file_kat")
for h in chain([first, second]):
    print(h)
