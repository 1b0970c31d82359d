//go:build !unix

package main

// restrictNewFiles does nothing where there is no umask; the data folder's
// own permissions apply.
func restrictNewFiles() {}
