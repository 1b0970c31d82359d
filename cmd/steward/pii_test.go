package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runPII(t *testing.T, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &cli{ctx: context.Background(), stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return env[k] }}
	code := c.pii(args)
	return code, out.String(), errb.String()
}

func TestPIIScanJSON(t *testing.T) {
	in := "Mail jane.doe@gmail.com or call +44 20 7946 0958."
	code, out, errs := runPII(t, in, nil, "scan", "--json", "--operator", "replace", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Entities []struct {
			Type      string  `json:"type"`
			Start     int     `json:"start"`
			End       int     `json:"end"`
			RuneStart int     `json:"rune_start"`
			RuneEnd   int     `json:"rune_end"`
			Score     float64 `json:"score"`
		} `json:"entities"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if len(got.Entities) != 2 || got.Entities[0].Type != "EMAIL_ADDRESS" || got.Entities[0].Start != 5 || got.Entities[0].End != 23 {
		t.Errorf("entities = %+v", got.Entities)
	}
	if got.Text != "Mail <EMAIL_ADDRESS> or call <PHONE_NUMBER>." {
		t.Errorf("text = %q", got.Text)
	}
}

func TestPIIScanStreamsWithoutValues(t *testing.T) {
	code, out, _ := runPII(t, "SSN 536-22-8841", nil, "scan")
	if code != 0 || !strings.Contains(out, "US_SSN") || strings.Contains(out, "536-22-8841") {
		t.Errorf("exit %d, output %q; want the type and no value", code, out)
	}
}

func TestPIIScanErrors(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"scan", "--entities", "NOPE"}, nil},
		{[]string{"scan", "--threshold", "2"}, nil},
		{[]string{"scan", "--operator", "shred"}, nil},
		{[]string{"scan", "--operator", "hash"}, nil},
		{[]string{"scan", "--operator", "hash"}, map[string]string{"STEWARD_PII_KEY": "short"}},
		{[]string{"scan", "a", "b"}, nil},
		{[]string{"frobnicate"}, nil},
	}
	for _, tt := range tests {
		if code, _, errs := runPII(t, "x", tt.env, tt.args...); code == 0 || errs == "" {
			t.Errorf("pii %v: exit %d, stderr %q; want an error", tt.args, code, errs)
		}
	}
	key := strings.Repeat("ab", 32)
	if code, out, errs := runPII(t, "a@gmail.com", map[string]string{"STEWARD_PII_KEY": key}, "scan", "--operator", "hash"); code != 0 || len(out) != 32 {
		t.Errorf("hash with key: exit %d, out %q, err %q", code, out, errs)
	}
}

func TestPIIEval(t *testing.T) {
	code, out, errs := runPII(t, "", nil, "eval", "--samples", "300", "--negatives", "100")
	if code != 0 || !strings.Contains(out, "PHONE_NUMBER") {
		t.Errorf("eval: exit %d, out %q, err %q", code, out, errs)
	}
}
