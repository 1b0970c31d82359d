package cascade

import (
	"context"
	"slices"
	"time"

	"github.com/steward-privacy/steward"
)

// EndpointInput sets a processor's endpoint.
type EndpointInput struct {
	URL string `json:"url" doc:"https://...; plain http only to a loopback host; no credentials"`
}

// EndpointSet is the answer to setting an endpoint: its signing secret,
// new on every set, shown this once.
type EndpointSet struct {
	Processor string    `json:"processor"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret" doc:"whsec_...: the signing secret of deletion webhooks to this endpoint, shown only now; store it"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ProcessorView is a processor of the policy in force (or one that has an
// endpoint but is no longer declared) and its endpoint, never its secret.
type ProcessorView struct {
	Key      string `json:"key"`
	Name     string `json:"name,omitempty"`
	Declared bool   `json:"declared" doc:"false for an endpoint whose processor the policy in force no longer declares"`
	Endpoint bool   `json:"endpoint" doc:"whether an endpoint is set"`
	URL      string `json:"url,omitempty"`
	Status   string `json:"status,omitempty" doc:"active, or disabled after failing for a whole retry schedule (set it again to enable it)"`
}

// SetEndpoint sets the endpoint deletion tasks of a declared processor are
// delivered to (scope processors:manage) and returns its new signing
// secret. Setting it again replaces the URL and the secret, enables it
// again and retries its tasks that are pending; tasks created while the
// processor had no endpoint are queued now. The audit event names the
// processor only.
func (s *Service) SetEndpoint(ctx context.Context, processor string, in EndpointInput) (*EndpointSet, error) {
	c, err := steward.Require(ctx, steward.ScopeProcessorsManage)
	if err != nil {
		return nil, err
	}
	if _, ok := s.cfg.Policy().Processor(processor); !ok {
		return nil, steward.Errorf(steward.ENOTFOUND, "the policy in force declares no processor of this key")
	}
	now := s.cfg.Now().UTC()
	w := &steward.Webhook{ID: steward.NewID("pep"), TenantID: c.TenantID, Processor: processor, CreatedAt: now, UpdatedAt: now}
	if old, err := s.endpoint(ctx, c.TenantID, processor); err != nil {
		return nil, err
	} else if old != nil {
		w.ID, w.CreatedAt = old.ID, old.CreatedAt
	}
	secret, err := s.cfg.Outbox.SealEndpoint(w, in.URL)
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Store.PutProcessorEndpoint(ctx, w); err != nil {
		return nil, err
	}
	if err := s.record(ctx, c.TenantID, steward.ActionProcessorEndpointSet, "", processor); err != nil {
		return nil, err
	}
	return &EndpointSet{Processor: processor, URL: in.URL, Secret: secret, UpdatedAt: now}, nil
}

// endpoint returns a processor's endpoint, or nil.
func (s *Service) endpoint(ctx context.Context, tenantID, processor string) (*steward.Webhook, error) {
	ws, err := s.cfg.Store.ProcessorEndpoints(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(ws, func(w *steward.Webhook) bool { return w.Processor == processor }); i >= 0 {
		return ws[i], nil
	}
	return nil, nil
}

// Processors lists the processors of the policy in force with whether each
// has an endpoint (scope processors:manage), then endpoints of processors
// no longer declared.
func (s *Service) Processors(ctx context.Context) ([]ProcessorView, error) {
	c, err := steward.Require(ctx, steward.ScopeProcessorsManage)
	if err != nil {
		return nil, err
	}
	ws, err := s.cfg.Store.ProcessorEndpoints(ctx, c.TenantID)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]*steward.Webhook, len(ws))
	for _, w := range ws {
		byKey[w.Processor] = w
	}
	var out []ProcessorView
	for _, p := range s.cfg.Policy().Processors() {
		v, err := s.view(ProcessorView{Key: p.Key, Name: p.Name, Declared: true}, byKey[p.Key])
		if err != nil {
			return nil, err
		}
		delete(byKey, p.Key)
		out = append(out, v)
	}
	for _, w := range ws {
		if byKey[w.Processor] != nil {
			v, err := s.view(ProcessorView{Key: w.Processor}, w)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	if out == nil {
		out = []ProcessorView{}
	}
	return out, nil
}

// view adds an endpoint (nil for none) to a processor's view.
func (s *Service) view(v ProcessorView, w *steward.Webhook) (ProcessorView, error) {
	if w == nil {
		return v, nil
	}
	url, err := s.cfg.Outbox.EndpointURL(w)
	if err != nil {
		return v, err
	}
	v.Endpoint, v.URL, v.Status = true, url, "active"
	if w.DisabledAt != nil {
		v.Status = "disabled"
	}
	return v, nil
}

// DeleteEndpoint removes a processor's endpoint and its pending deliveries
// (scope processors:manage); its tasks stay pending, and are delivered
// when an endpoint is set again.
func (s *Service) DeleteEndpoint(ctx context.Context, processor string) error {
	c, err := steward.Require(ctx, steward.ScopeProcessorsManage)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.DeleteProcessorEndpoint(ctx, c.TenantID, processor); err != nil {
		return err
	}
	return s.record(ctx, c.TenantID, steward.ActionProcessorEndpointDelete, "", processor)
}
