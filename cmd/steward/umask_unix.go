//go:build unix

package main

import "syscall"

// restrictNewFiles makes every file and folder the process creates from now
// on private to its user (umask 077): the SQLite database and its WAL, file
// blobs, temporary files. They hold only ciphertext, but least privilege
// costs nothing here.
func restrictNewFiles() { syscall.Umask(0o077) }
