// Package crypt holds steward's cryptographic building blocks: secrets that never
// print, the versioned AES-256-GCM envelope for small values, canonical additional
// authenticated data (AAD), the key hierarchy (master key → tenant keys → per-subject
// data keys) and the KeyProvider interface behind which the master key lives, the
// segmented streaming format for files, and keyed blind indexes.
//
// Every primitive is from the standard library (crypto/aes, crypto/cipher,
// crypto/hmac, crypto/sha256) and golang.org/x/crypto/hkdf. The formats are described
// byte by byte in docs/crypto.md so that an auditor can check them.
//
// Errors: decryption failures return ErrAuthFailed (code EINTERNAL: a stored
// ciphertext that does not authenticate is corruption or an attack, never a client
// mistake); unknown key versions return an ENOTFOUND error; bad arguments an
// EINVALID error. No error message ever contains key material or plaintext.
package crypt
