package client

import "context"

// Secret is a third-party secret as read.
type Secret struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type secretRequest struct {
	Value string `json:"value"`
}

type secretList struct {
	Names []string `json:"names"`
}

func (l *secretList) items() []string { return l.Names }

var (
	routePutSecret    = jsonRoute[secretRequest, none]("PutSecret", "PUT", "/v1/secrets/{name}")
	routeGetSecret    = jsonRoute[none, Secret]("GetSecret", "GET", "/v1/secrets/{name}")
	routeListSecrets  = jsonRoute[none, secretList]("ListSecrets", "GET", "/v1/secrets")
	routeDeleteSecret = jsonRoute[none, none]("DeleteSecret", "DELETE", "/v1/secrets/{name}")
)

// PutSecret stores a third-party secret the service must reuse, encrypted
// (needs secrets:write).
func (c *Client) PutSecret(ctx context.Context, name, value string) error {
	_, err := routePutSecret.call(ctx, c, secretRequest{Value: value}, nil, name)
	return err
}

// GetSecret reads a secret (needs the dedicated secrets:read scope, which
// admin does not imply).
func (c *Client) GetSecret(ctx context.Context, name string) (*Secret, error) {
	return routeGetSecret.call(ctx, c, none{}, nil, name)
}

// ListSecrets lists the names of the tenant's secrets, never their values
// (needs secrets:write).
func (c *Client) ListSecrets(ctx context.Context) ([]string, error) {
	return itemsOf(routeListSecrets.call(ctx, c, none{}, nil))
}

// DeleteSecret deletes a secret (needs secrets:write).
func (c *Client) DeleteSecret(ctx context.Context, name string) error {
	_, err := routeDeleteSecret.call(ctx, c, none{}, nil, name)
	return err
}
