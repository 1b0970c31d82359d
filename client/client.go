package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// Client calls one steward server. It is safe for concurrent use. A client
// with an API key sends it on every call; a client without one can sign a
// staff member in with Login, after which the session cookie authenticates
// its calls.
type Client struct {
	base *url.URL
	hc   *http.Client
	// auth sets the credential on a request: a closure, so that printing a
	// Client (even with %#v) never shows the key.
	auth  func(http.Header)
	agent string
	retry RetryPolicy
}

// Option configures a Client.
type Option func(*Client)

// WithAPIKey authenticates every call with an API key (stw_...), sent as
// "Authorization: Bearer".
func WithAPIKey(key string) Option {
	return func(c *Client) {
		c.auth = func(h http.Header) { h.Set("Authorization", "Bearer "+key) }
	}
}

// WithHTTPClient sends requests through hc (its transport, TLS settings,
// timeouts). The client keeps its own shallow copy; if hc has no cookie jar,
// the copy gets one, so that Login works.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			cp := *hc
			c.hc = &cp
		}
	}
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option { return func(c *Client) { c.agent = ua } }

// WithRetry sets the retry policy of idempotent calls (DefaultRetry if not
// given; NoRetry to disable). MaxAttempts below 1 counts as 1.
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) {
		p.MaxAttempts = max(p.MaxAttempts, 1)
		c.retry = p
	}
}

// DefaultUserAgent is the User-Agent of a client made without WithUserAgent.
const DefaultUserAgent = "steward-go-client/1"

// New returns a client of the server at baseURL, e.g. http://127.0.0.1:8080
// (a path prefix is kept, for a server behind a proxy).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: base URL must be http(s)://host[:port][/prefix], got %q", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	c := &Client{base: u, agent: DefaultUserAgent, retry: DefaultRetry}
	for _, o := range opts {
		o(c)
	}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	if c.hc.Jar == nil {
		c.hc.Jar, _ = cookiejar.New(nil) // never fails without options
	}
	return c, nil
}

// request is one call to send.
type request struct {
	route       *Route
	path        []string   // the values of the path's {parameters}, in order
	query       url.Values // nil for none
	body        io.Reader  // nil for none
	contentType string
}

// url expands the route's path with the escaped parameters.
func (c *Client) url(r request) (string, error) {
	segs := strings.Split(r.route.Path, "/")
	n := 0
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			continue
		}
		if n >= len(r.path) {
			return "", fmt.Errorf("client: %s needs %s", r.route.Name, s)
		}
		v := r.path[n]
		n++
		// An empty or dot segment would reach another route once the path
		// is cleaned.
		if v == "" || v == "." || v == ".." {
			return "", fmt.Errorf("client: %s: %s must not be %q", r.route.Name, s, v)
		}
		segs[i] = url.PathEscape(v)
	}
	if n != len(r.path) {
		return "", fmt.Errorf("client: %s takes %d path parameters, got %d", r.route.Name, n, len(r.path))
	}
	u := c.base.String() + strings.Join(segs, "/")
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	return u, nil
}

// send performs a call and returns a successful (2xx) response, whose body
// the caller closes. A failure is an *Error (from the server), the
// context's error, or a network error. Idempotent calls are retried as the
// policy allows; the body of a retried PUT is replayed through GetBody.
func (c *Client) send(ctx context.Context, r request) (*http.Response, error) {
	u, err := c.url(r)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, r.route.Method, u, r.body)
	if err != nil {
		return nil, err
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.route.Response != nil {
		req.Header.Set("Accept", "application/json, application/problem+json")
	}
	req.Header.Set("User-Agent", c.agent)
	if gpcFrom(ctx) {
		req.Header.Set("Sec-GPC", "1")
	}
	if c.auth != nil {
		c.auth(req.Header)
	}
	for attempt := 1; ; attempt++ {
		resp, err := c.hc.Do(req)
		if err == nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return resp, nil
		}
		var fail error = err
		var asked time.Duration
		if err == nil {
			e := responseError(resp) // reads and closes the body
			fail, asked = e, e.RetryAfter
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		wait, again := c.retry.wait(attempt+1, asked)
		if !again || !retryable(req, resp) {
			return nil, fail
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		if req, err = rewind(req); err != nil {
			return nil, errors.Join(fail, err)
		}
	}
}

// rewind returns a copy of req for another attempt, its body replayed.
func rewind(req *http.Request) (*http.Request, error) {
	next := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		next.Body = body
	}
	return next, nil
}

// maxJSONResponse bounds a JSON response body the client decodes.
const maxJSONResponse = 64 << 20

// none stands for "no JSON body" in an endpoint's type parameters.
type none struct{}

// endpoint is a JSON route: In is its request body type and Out its response
// body type (none for no body). Declaring one with jsonRoute registers the
// route in Routes, with the very types its method sends and receives.
type endpoint[In, Out any] struct{ route *Route }

func jsonRoute[In, Out any](name, method, path string) endpoint[In, Out] {
	return endpoint[In, Out]{register(name, method, path, bodyType[In](), bodyType[Out]())}
}

// call sends in (unless In is none) with the query and path parameters and
// decodes the response into a new Out (unless Out is none).
func (e endpoint[In, Out]) call(ctx context.Context, c *Client, in In, q url.Values, path ...string) (*Out, error) {
	r := request{route: e.route, path: path, query: q}
	if e.route.Request != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("client: %s: encoding the request: %w", e.route.Name, err)
		}
		r.body, r.contentType = bytes.NewReader(b), "application/json"
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	return decode[Out](e.route, resp)
}

// decode reads a successful response's JSON body into a new T (nothing if
// the route has no response body) and closes it.
func decode[T any](rt *Route, resp *http.Response) (*T, error) {
	defer drain(resp.Body)
	out := new(T)
	if rt.Response != nil {
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSONResponse)).Decode(out); err != nil {
			return nil, fmt.Errorf("client: %s: decoding the response: %w", rt.Name, err)
		}
	}
	return out, nil
}

// drain reads what is left of a body (so the connection is reused) and
// closes it.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

// values builds a query from name, value pairs, leaving out empty values.
func values(pairs ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	return q
}

// lister is a list body: an object whose one field holds the items.
type lister[E any] interface{ items() []E }

// itemsOf returns the items of a list body a call returned.
func itemsOf[E any, L lister[E]](l L, err error) ([]E, error) {
	if err != nil {
		return nil, err
	}
	return l.items(), nil
}
