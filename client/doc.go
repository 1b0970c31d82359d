// Package client is the Go client of steward's HTTP API: one typed method per
// route, so an application talks to the privacy engine without writing HTTP.
//
// Every call takes a context and returns the client's own types, which match
// the JSON the server sends byte for byte. A failed call returns an *Error
// decoded from the RFC 9457 problem+json body (code, detail, request id,
// field errors, policy reasons): test it with IsCode or errors.As. Idempotent
// calls (GET, PUT, DELETE) are retried with exponential back-off and jitter
// on network errors, 429 and 503, honouring Retry-After; POST is never
// retried. Files stream in both directions.
//
// The package imports only the standard library: it shares no code with the
// server, and Routes lists the endpoints it covers, which steward's tests
// check against the server's /openapi.json in both directions.
package client
