package httpapi

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/steward-privacy/steward"
)

// openAPI builds the OpenAPI 3.1 document from the registered routes and the
// Go types of their bodies, so it is generated, never maintained by hand.
// The black-box tests validate every response the real server gives against
// it, so it cannot drift from the bytes.
func (s *Server) openAPI() map[string]any {
	g := &schemaGen{defs: map[string]any{}}
	g.schema(reflect.TypeOf(Problem{}))
	paths := map[string]map[string]any{}
	for _, rt := range s.routes {
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = g.operation(rt)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "steward API", "version": "v1",
			"description": "The steward privacy engine: policy-checked access to personal data. " +
				"Every error is RFC 9457 problem+json with a stable code.",
			"license": map[string]any{"name": "Proprietary", "identifier": "LicenseRef-steward"}},
		"servers": []any{map[string]any{"url": "http://127.0.0.1:8080", "description": "steward serve on its default address"}},
		"tags":    tags(s.routes),
		"paths":   paths,
		"components": map[string]any{
			"schemas":   g.defs,
			"responses": problemResponses(),
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "An API key (stw_...)"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie, "description": "A staff session from POST /v1/staff/login"},
			},
		},
	}
}

// operation describes one route.
func (g *schemaGen) operation(rt Route) map[string]any {
	op := map[string]any{
		"summary":     rt.Summary,
		"operationId": operationID(rt),
		"tags":        []string{rt.Tag},
	}
	var params []any
	for _, name := range pathParams(rt.Path) {
		params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range rt.Query {
		p := map[string]any{"name": q.Name, "in": "query", "required": q.Required, "schema": q.schema()}
		if q.Description != "" {
			p["description"] = q.Description
		}
		params = append(params, p)
	}
	if params != nil {
		op["parameters"] = params
	}
	if t := typeOf(rt.In); t != nil {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": g.schema(t)}}}
	} else if rt.RawIn != "" {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			rt.RawIn: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}}
	}
	ok := map[string]any{"description": http.StatusText(rt.Status)}
	if t := typeOf(rt.Out); t != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(t)}}
	} else if rt.RawOut != "" {
		ok["content"] = map[string]any{rt.RawOut: map[string]any{"schema": map[string]any{"type": "string"}}}
	}
	responses := map[string]any{strconv.Itoa(rt.Status): ok}
	for _, code := range errorCodes(rt) {
		responses[strconv.Itoa(statusOf[code])] = map[string]any{"$ref": "#/components/responses/" + code}
		if rt.HTMLErrors {
			responses[strconv.Itoa(statusOf[code])] = map[string]any{"description": code + ": " + codeMeaning[code] + " (an HTML page)",
				"content": map[string]any{"text/html": map[string]any{"schema": map[string]any{"type": "string"}}}}
		}
	}
	op["responses"] = responses
	if rt.Public {
		op["security"] = []any{}
	} else {
		// OpenAPI 3.1 lets a non-OAuth requirement list the roles it
		// needs: here the scope, for a key or a staff session alike.
		scopes := []string{}
		if rt.Scope != "" {
			scopes = append(scopes, string(rt.Scope))
			op["x-steward-scope"] = string(rt.Scope)
		}
		op["security"] = []any{map[string]any{"bearer": scopes}, map[string]any{"session": scopes}}
	}
	return op
}

// errorCodes lists the error codes a route can answer with, from what it
// takes: input can be invalid, a body too large, a credential missing or
// short of the scope, a path id unknown; every route may be rate limited,
// find the database unavailable or fail inside, and routes name any further
// codes in Route.Errors.
func errorCodes(rt Route) []string {
	codes := []string{steward.ERATELIMIT, steward.EINTERNAL, steward.EUNAVAILABLE}
	hasBody := rt.In != nil || rt.RawIn != ""
	if hasBody || len(rt.Query) > 0 || len(pathParams(rt.Path)) > 0 {
		codes = append(codes, steward.EINVALID)
	}
	if hasBody {
		codes = append(codes, steward.ETOOLARGE)
	}
	if !rt.Public {
		codes = append(codes, steward.EUNAUTHORIZED, steward.EFORBIDDEN)
	}
	if len(pathParams(rt.Path)) > 0 {
		codes = append(codes, steward.ENOTFOUND)
	}
	codes = append(codes, rt.Errors...)
	slices.Sort(codes)
	return slices.Compact(codes)
}

// problemResponses is one shared response per error code, each
// problem+json.
func problemResponses() map[string]any {
	out := map[string]any{}
	for code, status := range statusOf {
		if code == steward.EMETHOD {
			continue // answers a method no operation has, so no operation lists it
		}
		out[code] = map[string]any{
			"description": code + ": " + codeMeaning[code],
			"content": map[string]any{"application/problem+json": map[string]any{
				"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}},
		}
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			out[code].(map[string]any)["headers"] = map[string]any{"Retry-After": map[string]any{
				"description": "seconds to wait before trying again", "schema": map[string]any{"type": "integer"}}}
		}
		if status == http.StatusUnauthorized {
			out[code].(map[string]any)["headers"] = map[string]any{"WWW-Authenticate": map[string]any{
				"description": `Bearer realm="steward"`, "schema": map[string]any{"type": "string"}}}
		}
	}
	return out
}

// codeMeaning says what each error code means, for the document.
var codeMeaning = map[string]string{
	steward.EINVALID:      "the request is malformed or a field is invalid (see errors[])",
	steward.EUNAUTHORIZED: "no valid credential",
	steward.EFORBIDDEN:    "the credential lacks the scope, or the policy denies it (see reasons[])",
	steward.ENOTFOUND:     "no such resource in the caller's tenant",
	steward.ECONFLICT:     "the resource exists already or is in a conflicting state",
	steward.ETOOLARGE:     "the request body exceeds the limit",
	steward.EMETHOD:       "the path exists but not with this method (see Allow)",
	steward.ERATELIMIT:    "too many requests (see Retry-After)",
	steward.EUNAVAILABLE:  "not ready, try again (see Retry-After when given)",
	steward.EINTERNAL:     "internal error; the request id finds it in the server log",
}

// tags lists the routes' tags in order of first use.
func tags(routes []Route) []any {
	var out []any
	seen := map[string]bool{}
	for _, rt := range routes {
		if !seen[rt.Tag] {
			seen[rt.Tag] = true
			out = append(out, map[string]any{"name": rt.Tag, "description": tagDescription[rt.Tag]})
		}
	}
	return out
}

var tagDescription = map[string]string{
	"system":      "Health, readiness, metrics and this document",
	"auth":        "API keys, tenants and the caller",
	"staff":       "Staff accounts, sign-in and two-factor enrolment",
	"vault":       "Subjects, their records and files, read for a purpose",
	"secrets":     "Third-party secrets the service must reuse, encrypted",
	"pii":         "Finding and pseudonymizing personal data in text",
	"keys":        "Key rotation",
	"audit":       "The hash-chained, signed audit log",
	"jobs":        "Background jobs",
	"policy":      "The policy in force, its versions and the public privacy notice",
	"events":      "The event outbox: events to page through, and webhooks signed per Standard Webhooks",
	"consent":     "The consent ledger, Global Privacy Control signals and signed consent receipts",
	"disclosures": "The sharing gate: disclosures to sub-processors, the ledger and one-time download links",
	"incidents":   "The breach register: the people affected, derived from the audit log, the 72-hour clock and the notices",
	"requests":    "Rights requests: identity verification, deadlines, approval, denial, extension and signed completion records",
	"cascade":     "The erasure cascade: processor endpoints, deletion tasks delivered as signed webhooks, and their confirmations",
	"holds":       "Legal holds: they suspend retention deletion and erasure of what they cover",
	"training":    "AI training governance: models, de-identified training exports with their lineage, retrain obligations after an erasure",
}

func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, part := range strings.Split(rt.Path, "/") {
		part = strings.Trim(part, "{}.")
		if part == "" || part == "v1" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + strings.ReplaceAll(part[1:], "_", ""))
	}
	return b.String()
}

func pathParams(path string) []string {
	var out []string
	for _, part := range strings.Split(path, "/") {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			out = append(out, strings.TrimSuffix(strings.Trim(part, "{}"), "..."))
		}
	}
	return out
}
