// Package requests is the lifecycle of data subject rights requests:
// receipt, identity verification by a one-time code mailed to the address
// on file (or an application that authenticated the person), the legal
// deadlines and their extension, staff approval where the server requires
// it, denial with reasons, the runner that hands verified requests to an
// Executor per type, and a signed completion record as evidence.
//
// Every state change is an audit event and an outbox event with ids and
// codes only; a request's details, its code and the person's address never
// reach a log, an audit event or an event.
package requests
