//go:build pprof

package main

// Built with -tags pprof, steward serves Go's profiler on the address in
// STEWARD_PPROF (a loopback address), for performance work only. Release
// builds never include it.

import (
	"net/http"
	_ "net/http/pprof" // registers the /debug/pprof handlers on the default mux
	"os"
)

func init() {
	if addr := os.Getenv("STEWARD_PPROF"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
