package client

import "context"

// Scan asks for the personal data in a text.
type Scan struct {
	Text      string   `json:"text"`
	Entities  []string `json:"entities,omitempty"`  // only these types, e.g. EMAIL_ADDRESS, PHONE_NUMBER
	Threshold *float64 `json:"threshold,omitempty"` // minimum score, 0 to 1; default 0.5
	Operator  string   `json:"operator,omitempty"`  // replace, redact, mask[:N], hash or encrypt
}

// Finding is one piece of personal data found: where it is, never its value.
type Finding struct {
	Type       string  `json:"type"` // e.g. EMAIL_ADDRESS
	Start      int     `json:"start"`
	End        int     `json:"end"`
	RuneStart  int     `json:"rune_start"`
	RuneEnd    int     `json:"rune_end"`
	Score      float64 `json:"score"`
	Recognizer string  `json:"recognizer"`
}

// ScanResult lists the findings and, when an operator was given, the
// transformed text.
type ScanResult struct {
	Entities []Finding `json:"entities"`
	Text     *string   `json:"text,omitempty"`
}

// Pseudonymize asks for a text's personal data to be replaced with
// placeholders that stay the same across a conversation.
type Pseudonymize struct {
	ConversationID string   `json:"conversation_id"`
	Text           string   `json:"text"`
	Entities       []string `json:"entities,omitempty"`
	Threshold      *float64 `json:"threshold,omitempty"`
}

// Pseudonymized is the text with placeholders.
type Pseudonymized struct {
	Text     string    `json:"text"`
	Entities []Finding `json:"entities"`
}

// Reidentify asks for a conversation's placeholders to be restored in a
// text, typically a model's answer.
type Reidentify struct {
	ConversationID string `json:"conversation_id"`
	Text           string `json:"text"`
}

// Reidentified is the text with its placeholders restored.
type Reidentified struct {
	Text       string       `json:"text"`
	Restored   int          `json:"restored"`
	Unresolved []Unresolved `json:"unresolved"`
}

// Unresolved is placeholder-like text that matched no mapping entry.
type Unresolved struct {
	Placeholder string `json:"placeholder"`
	Start       int    `json:"start"`
	End         int    `json:"end"`
	Reason      string `json:"reason"`
}

var (
	routeScanPII      = jsonRoute[Scan, ScanResult]("ScanPII", "POST", "/v1/pii/scan")
	routePseudonymize = jsonRoute[Pseudonymize, Pseudonymized]("Pseudonymize", "POST", "/v1/pii/pseudonymize")
	routeReidentify   = jsonRoute[Reidentify, Reidentified]("Reidentify", "POST", "/v1/pii/reidentify")
)

// ScanPII finds personal data in a text and optionally transforms it
// (needs pii:use).
func (c *Client) ScanPII(ctx context.Context, in Scan) (*ScanResult, error) {
	return routeScanPII.call(ctx, c, in, nil)
}

// Pseudonymize replaces personal data with consistent placeholders, before
// a text goes to a model (needs pii:use).
func (c *Client) Pseudonymize(ctx context.Context, in Pseudonymize) (*Pseudonymized, error) {
	return routePseudonymize.call(ctx, c, in, nil)
}

// Reidentify restores a conversation's placeholders (needs pii:use).
func (c *Client) Reidentify(ctx context.Context, in Reidentify) (*Reidentified, error) {
	return routeReidentify.call(ctx, c, in, nil)
}
