package console

// routes registers the console's pages.
func (h *Handler) routes() {
	m := h.mux
	m.HandleFunc("GET /console/sign-in", h.signInPage)
	m.HandleFunc("POST /console/sign-in", h.signIn)
	m.HandleFunc("POST /console/sign-out", h.staffOnly(h.signOut, true))
	m.HandleFunc("GET /console/mfa", h.staffOnly(h.mfaPage, true))
	m.HandleFunc("POST /console/mfa", h.staffOnly(h.mfaConfirm, true))
	m.HandleFunc("GET /console/{$}", h.staffOnly(h.dashboardPage, false))
	if h.c.Vault != nil {
		m.HandleFunc("GET /console/people", h.staffOnly(h.peoplePage, false))
		m.HandleFunc("POST /console/people", h.staffOnly(h.findPerson, false))
		m.HandleFunc("GET /console/people/{id}", h.staffOnly(h.personPage, false))
		m.HandleFunc("POST /console/people/{id}", h.staffOnly(h.personPage, false))
	}
	if h.c.Policies != nil {
		m.HandleFunc("GET /console/policy", h.staffOnly(h.policyPage, false))
		m.HandleFunc("GET /console/policy/ropa.csv", h.staffOnly(h.ropaCSV, false))
	}
	if h.c.Audit != nil {
		m.HandleFunc("GET /console/audit", h.staffOnly(h.auditPage, false))
		m.HandleFunc("POST /console/audit", h.staffOnly(h.auditPage, false))
		m.HandleFunc("GET /console/audit/export", h.staffOnly(h.auditExport, false))
	}
	if h.c.Incidents != nil {
		m.HandleFunc("GET /console/incidents", h.staffOnly(h.incidentsPage, false))
		m.HandleFunc("POST /console/incidents", h.staffOnly(h.declareIncident, false))
		m.HandleFunc("GET /console/incidents/{id}", h.staffOnly(h.incidentPage, false))
		m.HandleFunc("POST /console/incidents/{id}/status", h.staffOnly(h.incidentStatus, false))
		m.HandleFunc("POST /console/incidents/{id}/notify", h.staffOnly(h.notifySubjects, false))
	}
	if h.c.Requests != nil {
		m.HandleFunc("GET /console/requests", h.staffOnly(h.requestsPage, false))
		m.HandleFunc("GET /console/requests/{id}", h.staffOnly(h.requestPage, false))
		m.HandleFunc("POST /console/requests/{id}/{action}", h.staffOnly(h.decideRequest, false))
	}
	if h.c.Grants != nil {
		m.HandleFunc("GET /console/grants", h.staffOnly(h.grantsPage, false))
		m.HandleFunc("POST /console/grants", h.staffOnly(h.askGrant, false))
		m.HandleFunc("POST /console/grants/{id}/{action}", h.staffOnly(h.decideGrant, false))
	}
	m.HandleFunc("GET /console/keys", h.staffOnly(h.keysPage, false))
	m.HandleFunc("POST /console/keys", h.staffOnly(h.createKey, false))
	m.HandleFunc("POST /console/keys/{id}/revoke", h.staffOnly(h.revokeKey, false))
	m.HandleFunc("GET /console/staff", h.staffOnly(h.staffPage, false))
	m.HandleFunc("POST /console/staff", h.staffOnly(h.createStaff, false))
	m.HandleFunc("/console/", h.notFound)
}
