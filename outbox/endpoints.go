package outbox

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// Targeted deliveries: an endpoint with Webhook.Processor set (a
// processor's endpoint, see steward.CascadeStore) subscribes to nothing
// and receives deliveries its owner queues itself. They are claimed,
// signed, retried and recorded exactly as subscribed ones; only their body
// is made by the Renderer registered for the event's type, so a capability
// can add what must never be stored in the outbox (a one-time token) at
// send time.

// Renderer returns the body of a targeted delivery, or skip when it must
// not be sent any more (then it is recorded as delivered, unsent).
type Renderer func(ctx context.Context, x *steward.DueDelivery) (body []byte, skip bool, err error)

// renderers holds the Renderer of each event type.
type renderers struct {
	mu sync.RWMutex
	m  map[string]Renderer
}

// Render registers the Renderer of targeted deliveries of an event type.
func (s *Service) Render(eventType string, r Renderer) {
	s.render.mu.Lock()
	defer s.render.mu.Unlock()
	if s.render.m == nil {
		s.render.m = map[string]Renderer{}
	}
	s.render.m[eventType] = r
}

// body returns what an attempt sends: the event in the outbox envelope, or
// for a targeted delivery what its type's Renderer makes.
func (s *Service) body(ctx context.Context, x *steward.DueDelivery) ([]byte, bool, error) {
	if x.Webhook.Processor == "" {
		b, err := json.Marshal(&x.Event)
		return b, false, err
	}
	s.render.mu.RLock()
	r := s.render.m[x.Event.Type]
	s.render.mu.RUnlock()
	if r == nil {
		return nil, false, steward.Errorf(steward.EINTERNAL, "outbox: no renderer for %s deliveries", x.Event.Type)
	}
	return r(ctx, x)
}

// SealEndpoint checks url as a webhook URL is checked (the same
// private-address rule) and seals it into w (whose ID, TenantID and
// Processor are set) with a new signing secret, returned in its whsec_
// form to be shown once.
func (s *Service) SealEndpoint(w *steward.Webhook, url string) (string, error) {
	if err := checkURL(url, s.cfg.AllowPrivate); err != nil {
		return "", err
	}
	key, secret := newSecret()
	defer crypt.Wipe(key)
	w.URLIndex = crypt.BlindIndex(s.cfg.IndexKey, "processor-url/"+w.TenantID+"/"+w.Processor, url)
	w.URLSealed = crypt.Seal(s.seal, []byte(url), aad(w.TenantID, w.ID, "url"))
	w.SecretSealed = crypt.Seal(s.seal, key, aad(w.TenantID, w.ID, "secret"))
	return secret, nil
}

// EndpointURL opens the sealed URL of an endpoint.
func (s *Service) EndpointURL(w *steward.Webhook) (string, error) {
	url, err := crypt.Open(s.seal, w.URLSealed, aad(w.TenantID, w.ID, "url"))
	return string(url), err
}
