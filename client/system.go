package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// Status is the answer of the health and readiness checks.
type Status struct {
	Status string `json:"status"`
}

// WhoAmI describes the caller.
type WhoAmI struct {
	TenantID string   `json:"tenant_id"`
	Kind     string   `json:"kind"` // api_key or staff
	ID       string   `json:"id"`   // the API key id or staff account id
	Scopes   []string `json:"scopes"`
}

var (
	routeHealth  = jsonRoute[none, Status]("Health", "GET", "/healthz")
	routeReady   = jsonRoute[none, Status]("Ready", "GET", "/readyz")
	routeMetrics = rawRoute("Metrics", "GET", "/metrics")
	routeOpenAPI = rawRoute("OpenAPI", "GET", "/openapi.json")
	routeWhoAmI  = jsonRoute[none, WhoAmI]("WhoAmI", "GET", "/v1/whoami")
)

// Health reports whether the server process serves HTTP.
func (c *Client) Health(ctx context.Context) (*Status, error) {
	return routeHealth.call(ctx, c, none{}, nil)
}

// Ready reports whether the server can serve: its database reachable and
// migrated. A server that is not ready answers EUNAVAILABLE.
func (c *Client) Ready(ctx context.Context) (*Status, error) {
	return routeReady.call(ctx, c, none{}, nil)
}

// Metrics returns the server's Prometheus metrics in the text format.
func (c *Client) Metrics(ctx context.Context) ([]byte, error) {
	return c.readAll(ctx, routeMetrics)
}

// OpenAPI returns the server's OpenAPI 3.1 document.
func (c *Client) OpenAPI(ctx context.Context) (json.RawMessage, error) {
	return c.readAll(ctx, routeOpenAPI)
}

// WhoAmI describes the caller: tenant, kind, id and scopes.
func (c *Client) WhoAmI(ctx context.Context) (*WhoAmI, error) {
	return routeWhoAmI.call(ctx, c, none{}, nil)
}

// readAll returns the whole body of a raw GET route with its path
// parameters.
func (c *Client) readAll(ctx context.Context, rt *Route, path ...string) ([]byte, error) {
	resp, err := c.send(ctx, request{route: rt, path: path})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxJSONResponse))
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", rt.Name, err)
	}
	return b, nil
}
