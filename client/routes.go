package client

import (
	"cmp"
	"reflect"
	"slices"
)

// Route is one endpoint of the API and the Client method that calls it.
type Route struct {
	Name   string // the Client method, e.g. CreateSubject
	Method string // the HTTP method
	Path   string // the path template, e.g. /v1/subjects/{id}
	// Request and Response are the Go types of the JSON bodies the method
	// sends and receives; nil for no body or a raw one (files, metrics,
	// exports).
	Request, Response reflect.Type
}

// routes is filled as the package's endpoints are declared.
var routes []*Route

// register adds a route to the table.
func register(name, method, path string, in, out reflect.Type) *Route {
	r := &Route{Name: name, Method: method, Path: path, Request: in, Response: out}
	routes = append(routes, r)
	return r
}

// rawRoute declares a route whose bodies are not JSON.
func rawRoute(name, method, path string) *Route { return register(name, method, path, nil, nil) }

// bodyType is T's type, or nil for none.
func bodyType[T any]() reflect.Type {
	t := reflect.TypeFor[T]()
	if t == reflect.TypeFor[none]() {
		return nil
	}
	return t
}

// Routes lists every endpoint the client calls, sorted by path and method.
// Steward's tests compare it with the server's /openapi.json.
func Routes() []Route {
	out := make([]Route, len(routes))
	for i, r := range routes {
		out[i] = *r
	}
	slices.SortFunc(out, func(a, b Route) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method))
	})
	return out
}
