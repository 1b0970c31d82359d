package client

import (
	"reflect"
	"testing"
)

// TestEveryRouteHasItsMethod: the table names real methods, once each, and
// no two entries claim the same endpoint.
func TestEveryRouteHasItsMethod(t *testing.T) {
	ct := reflect.TypeFor[*Client]()
	names, endpoints := map[string]bool{}, map[string]bool{}
	for _, r := range Routes() {
		if _, ok := ct.MethodByName(r.Name); !ok {
			t.Errorf("route %s %s names %s, which is not a method of *Client", r.Method, r.Path, r.Name)
		}
		if names[r.Name] || endpoints[r.Method+" "+r.Path] {
			t.Errorf("route %s (%s %s) is in the table twice", r.Name, r.Method, r.Path)
		}
		names[r.Name], endpoints[r.Method+" "+r.Path] = true, true
	}
	// Every exported method that calls the server is in the table.
	for i := range ct.NumMethod() {
		if m := ct.Method(i); !names[m.Name] {
			t.Errorf("method %s is not in Routes", m.Name)
		}
	}
}
