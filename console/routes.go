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
	m.HandleFunc("GET /console/keys", h.staffOnly(h.keysPage, false))
	m.HandleFunc("POST /console/keys", h.staffOnly(h.createKey, false))
	m.HandleFunc("POST /console/keys/{id}/revoke", h.staffOnly(h.revokeKey, false))
	m.HandleFunc("GET /console/staff", h.staffOnly(h.staffPage, false))
	m.HandleFunc("POST /console/staff", h.staffOnly(h.createStaff, false))
	m.HandleFunc("/console/", h.notFound)
}
