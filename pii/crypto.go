package pii

import (
	"crypto/sha256"
	"strings"
)

// scoreCrypto is the score of a Bitcoin address whose checksum verifies.
const scoreCrypto = 1.0

// cryptoAt finds a Bitcoin address filling text[a:b]: legacy Base58Check
// (P2PKH "1...", P2SH "3...") or SegWit bech32/bech32m ("bc1...").
func (st *state) cryptoAt(a, b int) bool {
	s := st.text[a:b]
	switch {
	case (s[0] == '1' || s[0] == '3') && len(s) >= 26 && len(s) <= 35 && base58Check(s):
		st.add(Crypto, a, b, scoreCrypto, "base58check")
		return true
	case len(s) >= 14 && len(s) <= 74 && strings.EqualFold(s[:3], "bc1") && segwit(s):
		st.add(Crypto, a, b, scoreCrypto, "bech32")
		return true
	}
	return false
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var base58Value = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base58Alphabet); i++ {
		t[base58Alphabet[i]] = int8(i)
	}
	return t
}()

// base58Check reports whether s decodes to 25 bytes (version 0x00 or 0x05,
// a 20-byte hash, 4 checksum bytes) whose checksum is the first four bytes of
// the double SHA-256 of the rest.
func base58Check(s string) bool {
	var out [25]byte
	for k := 0; k < len(s); k++ {
		v := base58Value[s[k]]
		if v < 0 {
			return false
		}
		carry := int(v)
		for x := len(out) - 1; x >= 0; x-- {
			carry += int(out[x]) * 58
			out[x] = byte(carry)
			carry >>= 8
		}
		if carry != 0 {
			return false // more than 25 bytes
		}
	}
	// Leading '1's encode leading zero bytes.
	ones := 0
	for ones < len(s) && s[ones] == '1' {
		ones++
	}
	zeros := 0
	for zeros < len(out) && out[zeros] == 0 {
		zeros++
	}
	if zeros != ones || (out[0] != 0x00 && out[0] != 0x05) {
		return false
	}
	h := sha256.Sum256(out[:21])
	h = sha256.Sum256(h[:])
	return h[0] == out[21] && h[1] == out[22] && h[2] == out[23] && h[3] == out[24]
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// segwit reports whether s is a valid mainnet SegWit address: one case
// throughout, "bc1" then data in the bech32 alphabet, a bech32 checksum for
// witness version 0 and bech32m for versions 1-16, and a program of a length
// its version allows.
func segwit(s string) bool {
	lower := strings.ToLower(s)
	if lower != s && strings.ToUpper(s) != s {
		return false
	}
	data := make([]byte, 0, len(lower)-3)
	for k := 3; k < len(lower); k++ {
		v := strings.IndexByte(bech32Charset, lower[k])
		if v < 0 {
			return false
		}
		data = append(data, byte(v))
	}
	if len(data) < 7 {
		return false
	}
	c := bech32Polymod("bc", data)
	version := data[0]
	if version > 16 || (version == 0 && c != 1) || (version > 0 && c != 0x2bc830a3) {
		return false
	}
	// Program: the 5-bit groups between version and checksum, as bytes.
	bitsN := (len(data) - 7) * 5
	if bitsN%8 >= 5 {
		return false
	}
	n := bitsN / 8
	if n < 2 || n > 40 || (version == 0 && n != 20 && n != 32) {
		return false
	}
	return true
}

// bech32Polymod computes the BIP-173 checksum polynomial over the expanded
// human-readable part and the data.
func bech32Polymod(hrp string, data []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	step := func(v byte) {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	for k := 0; k < len(hrp); k++ {
		step(hrp[k] >> 5)
	}
	step(0)
	for k := 0; k < len(hrp); k++ {
		step(hrp[k] & 31)
	}
	for _, v := range data {
		step(v)
	}
	return chk
}
