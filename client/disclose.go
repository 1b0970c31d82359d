package client

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// NewDisclosure asks to send a subject's data to a sub-processor. The
// policy decides the whole transfer; name at least one of Categories,
// Files or Text.
type NewDisclosure struct {
	Processor  string   `json:"processor"`            // a processor the policy declares, e.g. kestrel-video
	Purpose    string   `json:"purpose"`              // the data use it serves, e.g. essential.service.generation
	Categories []string `json:"categories,omitempty"` // categories whose values to send (at most 100)
	Files      []string `json:"files,omitempty"`      // ids of the subject's files, each sent as a one-time link (at most 100)
	// Text is free text for a model: the personal data in it that the
	// processor may not receive comes back replaced by placeholders.
	Text *string `json:"text,omitempty"`
	// TextCategory is the category of Text; default user.content.prompt.
	TextCategory string `json:"text_category,omitempty"`
	// ConversationID keeps placeholders consistent across a conversation;
	// default the disclosure id.
	ConversationID string `json:"conversation_id,omitempty"`
}

// Disclosure is one entry of the disclosure ledger: ids and codes only.
type Disclosure struct {
	ID            string    `json:"id"`
	SubjectID     string    `json:"subject_id"`
	Processor     string    `json:"processor"`
	Purpose       string    `json:"purpose"`
	Categories    []string  `json:"categories"`
	Files         []string  `json:"files"`
	Text          bool      `json:"text"` // free text was sent
	PolicyVersion string    `json:"policy_version"`
	Retention     string    `json:"processor_retention"` // the processor's declared retention, e.g. not-retained
	Obligations   []string  `json:"obligations"`         // e.g. no_training, user_visible_only
	At            time.Time `json:"at"`
}

// Disclosed is an allowed disclosure: its ledger entry and what the
// application may send to the processor.
type Disclosed struct {
	Disclosure
	Values    []Value        `json:"values"`
	Downloads []DownloadLink `json:"downloads"`
	Text      *string        `json:"text,omitempty"`
	// ConversationID restores the placeholders in the model's answer
	// through Reidentify; set when anything was replaced.
	ConversationID string `json:"conversation_id,omitempty"`
}

// DownloadLink is a one-time link to a disclosed file: it works once,
// without a key, until ExpiresAt.
type DownloadLink struct {
	FileID    string    `json:"file_id"`
	Category  string    `json:"category"`
	Size      int64     `json:"size"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

type disclosureList struct {
	Disclosures []Disclosure `json:"disclosures"`
}

func (l *disclosureList) items() []Disclosure { return l.Disclosures }

var (
	routeDisclose        = jsonRoute[NewDisclosure, Disclosed]("Disclose", "POST", "/v1/subjects/{id}/disclosures")
	routeListDisclosures = jsonRoute[none, disclosureList]("ListDisclosures", "GET", "/v1/subjects/{id}/disclosures")
	routeDownloadLink    = rawRoute("DownloadLink", "GET", "/v1/downloads/{token}")
)

// Disclose asks the policy to let a subject's data go to a processor
// (needs disclosures:write). A denial is EFORBIDDEN with every reason code
// (Error.Reasons), such as processor_category_not_allowed or
// consent_required.
func (c *Client) Disclose(ctx context.Context, subjectID string, in NewDisclosure) (*Disclosed, error) {
	return routeDisclose.call(ctx, c, in, nil, subjectID)
}

// ListDisclosures lists who received a subject's data, newest first, at
// most limit (0: the server's default of 100) (needs disclosures:read).
func (c *Client) ListDisclosures(ctx context.Context, subjectID string, limit int) ([]Disclosure, error) {
	q := values()
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return itemsOf(routeListDisclosures.call(ctx, c, none{}, q, subjectID))
}

// DownloadLink streams the file of a one-time link: link is the URL a
// disclosure returned (or only its token). The link is used up by this
// call; the body is checked against the SHA-256 the server sends. Read it
// to the end and Close it.
func (c *Client) DownloadLink(ctx context.Context, link string) (*Download, error) {
	token := link
	if i := strings.LastIndex(link, "/v1/downloads/"); i >= 0 {
		token = link[i+len("/v1/downloads/"):]
	}
	resp, err := c.send(ctx, request{route: routeDownloadLink, path: []string{token}})
	if err != nil {
		return nil, err
	}
	return checkedDownload(resp), nil
}
