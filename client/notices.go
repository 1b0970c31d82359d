package client

import "context"

// StagePolicy stages the next policy: Source is the policy file, Effective
// its organisation.effective (YYYY-MM-DD), at least changes.days_before
// days away.
type StagePolicy struct {
	Source    string `json:"source"`
	Effective string `json:"effective"`
}

// Upcoming is the staged policy that comes into force next, its material
// changes in words, and the progress of their notices (nil when nothing
// material changed).
type Upcoming struct {
	Version   string          `json:"version"`
	Effective string          `json:"effective"`
	From      string          `json:"from"`
	Changes   int             `json:"changes"`
	Material  []string        `json:"material"`
	NoticeURL string          `json:"notice_url"`
	Notices   *NoticeCampaign `json:"notices,omitempty"`
}

// NoticeCampaign counts the notices of a policy change by result.
type NoticeCampaign struct {
	Total   int  `json:"total"`
	Pending int  `json:"pending"`
	Sent    int  `json:"sent"`
	NoEmail int  `json:"no_email"`
	Erased  int  `json:"erased"`
	Failed  int  `json:"failed"`
	Done    bool `json:"done"`
}

var (
	routeStagePolicy = jsonRoute[StagePolicy, Upcoming]("StagePolicy", "POST", "/v1/policy/upcoming")
	routeUpcoming    = jsonRoute[none, Upcoming]("UpcomingPolicy", "GET", "/v1/policy/upcoming")
)

// StagePolicy stages the next policy and starts mailing its material
// changes (needs tenants:write: the policy is every tenant's).
func (c *Client) StagePolicy(ctx context.Context, in StagePolicy) (*Upcoming, error) {
	return routeStagePolicy.call(ctx, c, in, nil)
}

// UpcomingPolicy returns the staged policy with the notices' progress
// (needs policy:read); ENOTFOUND when none is staged.
func (c *Client) UpcomingPolicy(ctx context.Context) (*Upcoming, error) {
	return routeUpcoming.call(ctx, c, none{}, nil)
}
