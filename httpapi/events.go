package httpapi

import (
	"net/http"
	"strconv"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/outbox"
)

// WebhookList lists a tenant's webhooks.
type WebhookList struct {
	Webhooks []outbox.WebhookView `json:"webhooks"`
}

// DeliveryList lists a webhook's newest deliveries.
type DeliveryList struct {
	Deliveries []outbox.DeliveryView `json:"deliveries"`
}

var limitParam = Param{Name: "limit", Description: "1 to 1000; default 100", Type: "integer"}

// limitOf reads ?limit= (0 when absent); the service checks the range.
func limitOf(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, steward.Invalid("limit", "must be an integer from 1 to 1000")
	}
	return n, nil
}

func (s *Server) routeEvents(o *outbox.Service) {
	s.route(Route{Method: "GET", Path: "/v1/events", Summary: "Page through the tenant's events, oldest first", Tag: "events",
		Scope: steward.ScopeEventsRead, Out: outbox.EventPage{}, Query: []Param{
			{Name: "after", Description: "the next_cursor of the previous page; absent for the start"}, limitParam}},
		func(w http.ResponseWriter, r *http.Request) error {
			limit, err := limitOf(r)
			if err != nil {
				return err
			}
			page, err := o.Events(r.Context(), r.URL.Query().Get("after"), limit)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, page)
		})
	s.route(Route{Method: "PUT", Path: "/v1/webhooks", Summary: "Subscribe an endpoint to event types (its secret is shown once)", Tag: "events",
		Scope: steward.ScopeAdmin, In: outbox.Subscription{}, Out: outbox.Subscribed{}, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[outbox.Subscription](w, r)
			if err != nil {
				return err
			}
			out, err := o.Subscribe(r.Context(), *in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/webhooks", Summary: "List the tenant's webhooks (never their secrets)", Tag: "events",
		Scope: steward.ScopeAdmin, Out: WebhookList{}},
		func(w http.ResponseWriter, r *http.Request) error {
			ws, err := o.Webhooks(r.Context())
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, WebhookList{Webhooks: ws})
		})
	s.route(Route{Method: "DELETE", Path: "/v1/webhooks/{id}", Summary: "Delete a webhook and its pending deliveries", Tag: "events",
		Scope: steward.ScopeAdmin, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) error {
			if err := o.DeleteWebhook(r.Context(), r.PathValue("id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	s.route(Route{Method: "GET", Path: "/v1/webhooks/{id}/deliveries", Summary: "A webhook's newest deliveries: attempts, last status, next attempt", Tag: "events",
		Scope: steward.ScopeAdmin, Out: DeliveryList{}, Query: []Param{limitParam}},
		func(w http.ResponseWriter, r *http.Request) error {
			limit, err := limitOf(r)
			if err != nil {
				return err
			}
			ds, err := o.Deliveries(r.Context(), r.PathValue("id"), limit)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, DeliveryList{Deliveries: ds})
		})
}
