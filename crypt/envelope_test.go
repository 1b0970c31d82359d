package crypt_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

var recordAAD = crypt.AAD{Tenant: "t1", Subject: "s1", Kind: crypt.KindRecord, Name: "user.contact.email", Ref: "r1"}

func TestEnvelopeRoundTrip(t *testing.T) {
	k := newTestKey(t, 3)
	for _, size := range []int{0, 1, 15, 16, 17, 100, 4096, 1 << 20} {
		pt := pseudoRandom(size, uint64(size))
		ct := crypt.Seal(k, pt, recordAAD.Bytes())
		if len(ct) != size+crypt.EnvelopeOverhead {
			t.Errorf("Seal(%d bytes) gave %d bytes; want %d", size, len(ct), size+crypt.EnvelopeOverhead)
		}
		if size >= 16 && bytes.Contains(ct, pt[:16]) {
			t.Errorf("ciphertext of %d bytes contains plaintext", size)
		}
		got, err := crypt.Open(k, ct, recordAAD.Bytes())
		if err != nil || !bytes.Equal(got, pt) {
			t.Errorf("Open(Seal(%d bytes)) = %d bytes, %v; want the plaintext", size, len(got), err)
		}
		if id, err := crypt.EnvelopeKeyID(ct); id != 3 || err != nil {
			t.Errorf("EnvelopeKeyID = %d, %v; want 3, nil", id, err)
		}
		got, err = crypt.OpenWith(lookupOf(newTestKey(t, 1), k), ct, recordAAD.Bytes())
		if err != nil || !bytes.Equal(got, pt) {
			t.Errorf("OpenWith(%d bytes) = %v", size, err)
		}
	}
}

func TestEnvelopeNoncesDiffer(t *testing.T) {
	k := newTestKey(t, 1)
	a := crypt.Seal(k, []byte("same"), nil)
	b := crypt.Seal(k, []byte("same"), nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are identical: nonce reuse")
	}
}

func TestEnvelopeEveryByteFlipFails(t *testing.T) {
	k := newTestKey(t, 0x01020304)
	pt := []byte("a secret value of some length")
	ct := crypt.Seal(k, pt, recordAAD.Bytes())
	for i := range ct {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(ct)
			bad[i] ^= bit
			got, err := crypt.Open(k, bad, recordAAD.Bytes())
			if err == nil || got != nil {
				t.Fatalf("flip of byte %d bit %#x: Open = %q, %v; want an error", i, bit, got, err)
			}
			assertNoLeak(t, err, pt)
		}
	}
}

func TestEnvelopeTruncationFails(t *testing.T) {
	k := newTestKey(t, 1)
	ct := crypt.Seal(k, []byte("value"), nil)
	for n := 0; n < len(ct); n++ {
		if _, err := crypt.Open(k, ct[:n], nil); !isRejection(err) {
			t.Errorf("Open(first %d of %d bytes) = %v; want a rejection", n, len(ct), err)
		}
	}
	if _, err := crypt.Open(k, append(bytes.Clone(ct), 0), nil); !errors.Is(err, crypt.ErrAuthFailed) {
		t.Errorf("Open(with a byte appended) = %v; want ErrAuthFailed", err)
	}
}

func TestEnvelopeWrongAADFails(t *testing.T) {
	k := newTestKey(t, 1)
	ct := crypt.Seal(k, []byte("value"), recordAAD.Bytes())
	moved := []crypt.AAD{
		{Tenant: "t2", Subject: "s1", Kind: crypt.KindRecord, Name: "user.contact.email", Ref: "r1"},
		{Tenant: "t1", Subject: "s2", Kind: crypt.KindRecord, Name: "user.contact.email", Ref: "r1"},
		{Tenant: "t1", Subject: "s1", Kind: crypt.KindFile, Name: "user.contact.email", Ref: "r1"},
		{Tenant: "t1", Subject: "s1", Kind: crypt.KindRecord, Name: "user.contact.phone", Ref: "r1"},
		{Tenant: "t1", Subject: "s1", Kind: crypt.KindRecord, Name: "user.contact.email", Ref: "r2"},
		{Tenant: "t1s1", Kind: crypt.KindRecord, Name: "user.contact.email", Ref: "r1"},
		{},
	}
	for _, a := range moved {
		if _, err := crypt.Open(k, ct, a.Bytes()); !errors.Is(err, crypt.ErrAuthFailed) {
			t.Errorf("Open with AAD %+v = %v; want ErrAuthFailed", a, err)
		}
	}
	if _, err := crypt.Open(k, ct, nil); !errors.Is(err, crypt.ErrAuthFailed) {
		t.Errorf("Open with nil AAD = %v; want ErrAuthFailed", err)
	}
}

func TestEnvelopeWrongKey(t *testing.T) {
	k1, k1b, k2 := newTestKey(t, 1), newTestKey(t, 1), newTestKey(t, 2)
	ct := crypt.Seal(k1, []byte("value"), nil)
	if _, err := crypt.Open(k1b, ct, nil); !errors.Is(err, crypt.ErrAuthFailed) {
		t.Errorf("Open with another key of the same id = %v; want ErrAuthFailed", err)
	}
	if _, err := crypt.Open(k2, ct, nil); err == nil || steward.ErrorCode(err) != steward.EINTERNAL {
		t.Errorf("Open with key id 2 of a key-1 envelope = %v; want an EINTERNAL error", err)
	}
	if _, err := crypt.OpenWith(lookupOf(k2), ct, nil); steward.ErrorCode(err) != steward.ENOTFOUND {
		t.Errorf("OpenWith without key 1 = %v; want ENOTFOUND", err)
	}
}

func TestNewKeyRejectsBadLength(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := crypt.NewKey(1, make([]byte, n)); steward.ErrorCode(err) != steward.EINVALID {
			t.Errorf("NewKey(%d bytes) = %v; want EINVALID", n, err)
		}
	}
}

func TestEnvelopeAllocations(t *testing.T) {
	k := newTestKey(t, 1)
	pt := make([]byte, 256)
	aad := recordAAD.Bytes()
	dst := make([]byte, 0, 1024)
	ct := crypt.Seal(k, pt, aad)
	out := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() { _ = crypt.AppendSeal(dst[:0], k, pt, aad) }); n != 0 {
		t.Errorf("AppendSeal with capacity allocates %v times; want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = crypt.AppendOpen(out[:0], k, ct, aad) }); n != 0 {
		t.Errorf("AppendOpen with capacity allocates %v times; want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = crypt.Seal(k, pt, aad) }); n != 1 {
		t.Errorf("Seal allocates %v times; want 1 (the result)", n)
	}
}
