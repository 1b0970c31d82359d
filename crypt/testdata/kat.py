#!/usr/bin/env python3
"""Independent implementation of steward's ciphertext formats (docs/crypto.md).

It writes known-answer vectors that the Go tests decrypt, so the documented
formats, this script and the Go code are checked against each other. An auditor
can also use decrypt_envelope/decrypt_stream below on real data.

Needs the 'cryptography' package. Run: python3 kat.py (from this directory).
"""
import hashlib, hmac, struct
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

def aad(tenant, subject, kind, name, ref=""):
    out = b"\x01"
    for f in (tenant, subject, kind, name, ref):
        f = f.encode()
        out += struct.pack(">I", len(f)) + f
    return out

def seal_envelope(key, key_id, nonce, plaintext, ad):
    header = b"\x01" + struct.pack(">I", key_id)
    return header + nonce + AESGCM(key).encrypt(nonce, plaintext, header + ad)

def decrypt_envelope(key, env, ad):
    assert env[0] == 1
    return AESGCM(key).decrypt(env[5:17], env[17:], env[:5] + ad)

SEG = 1 << 16

def file_key(key, salt):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"steward stream v1").derive(key)

def seal_stream(key, key_id, salt, plaintext, ad):
    header = bytes([0x11, 16]) + struct.pack(">I", key_id) + salt
    aead = AESGCM(file_key(key, salt))
    segs = [plaintext[i:i + SEG] for i in range(0, len(plaintext), SEG)] or [b""]
    out = header
    for i, s in enumerate(segs):
        last = 1 if i == len(segs) - 1 else 0
        out += aead.encrypt(bytes(7) + struct.pack(">IB", i, last), s, header + ad)
    return out

def decrypt_stream(key, data, ad):
    header, body = data[:38], data[38:]
    assert header[0] == 0x11 and header[1] == 16
    aead, out, i = AESGCM(file_key(key, header[6:38])), b"", 0
    while True:
        seg, body = body[:SEG + 16], body[SEG + 16:]
        last = 0 if body else 1
        out += aead.decrypt(bytes(7) + struct.pack(">IB", i, last), seg, header + ad)
        i += 1
        if last:
            return out

def blind_index(key, kind, value):
    msg = b"steward blind index v1" + struct.pack(">I", len(kind)) + kind.encode() + value.encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()

if __name__ == "__main__":
    key = bytes(range(32))
    rec = aad("t1", "s1", "record", "user.contact.email", "r1")
    env = seal_envelope(key, 7, bytes(range(100, 112)), b"alice@example.com", rec)
    assert decrypt_envelope(key, env, rec) == b"alice@example.com"
    print("aad", rec.hex())
    print("envelope", env.hex())
    print("blind email", blind_index(key, "email", "alice@example.com"))
    print("blind phone", blind_index(key, "phone", "+15551234567"))
    f = aad("t1", "s1", "file", "f1")
    pt = bytes(i % 251 for i in range(SEG + 5))
    stream = seal_stream(key, 9, bytes(range(200, 232)), pt, f)
    assert decrypt_stream(key, stream, f) == pt
    open("stream_v1.bin", "wb").write(stream)
    print("stream_v1.bin", len(stream), "bytes, sha256", hashlib.sha256(stream).hexdigest())
