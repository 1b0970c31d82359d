package requests_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/requests"
)

// TestCodeVerification: an unverified request mails a 6-digit code to the
// address on file (never one from the request); the right code verifies
// it once; the code, the address and the details never reach the audit
// log; a wrong code uses an attempt.
func TestCodeVerification(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		sub := f.subject(t, "ext-1", "Ada@Example.com")
		r := must[*requests.RequestView](t)(f.svc.Create(f.as(steward.ScopeRequestsWrite), &requests.NewRequest{Type: steward.RequestAccess,
			Subject: requests.RequestSubject{ExternalID: "ext-1"}}))
		if r.Status != steward.RequestUnverified || r.SubjectID != sub || !strings.Contains(r.Next, "code") ||
			!r.Deadline.Equal(time.Date(2027, 2, 28, 12, 0, 0, 0, time.UTC)) {
			t.Fatalf("created: %+v", r)
		}
		code, to := f.mail.code(t)
		if to != "ada@example.com" {
			t.Fatalf("mailed to %q, want the address on file", to)
		}
		wrong := "000000"
		if code == wrong {
			wrong = "000001"
		}
		_, err := f.svc.Verify(person("192.0.2.0"), r.ID, &requests.RequestCode{Code: wrong})
		wantCode(t, err, steward.EINVALID)
		if !strings.Contains(err.Error(), "4 attempts left") {
			t.Fatalf("wrong code: %v", err)
		}
		_, err = f.svc.Verify(person("192.0.2.0"), r.ID, &requests.RequestCode{Code: "12ab56"})
		wantCode(t, err, steward.EINVALID)
		v := must[*requests.RequestStatus](t)(f.svc.Verify(person("192.0.2.0"), r.ID, &requests.RequestCode{Code: code}))
		if v.Status != steward.RequestVerified {
			t.Fatalf("verified: %+v", v)
		}
		_, err = f.svc.Verify(person("192.0.2.0"), r.ID, &requests.RequestCode{Code: code})
		wantCode(t, err, steward.ECONFLICT) // a code for a request that needs none
		got := must[*requests.RequestView](t)(f.svc.Get(f.staff(), r.ID))
		if got.VerifiedBy != steward.VerifiedByEmailCode || len(got.History) != 2 || got.History[1].Reason != "verified_by_email_code" {
			t.Fatalf("after verification: %+v", got)
		}
		log := f.audit.json()
		for _, secret := range []string{code, "ada@example.com", "Ada@Example.com", "ext-1"} {
			if strings.Contains(log, secret) {
				t.Fatalf("the audit log holds %q", secret)
			}
		}
	})
}

// TestCodeLocksAfterFiveAttempts: five wrong codes lock the request (even
// the right code then fails) until a new code is sent; a code of another
// request fails; a code expires after 10 minutes.
func TestCodeLocksAfterFiveAttempts(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		f.subject(t, "ext-1", "ada@example.com")
		f.subject(t, "ext-2", "bob@example.com")
		create := func(ext string) (*requests.RequestView, string) {
			r := must[*requests.RequestView](t)(f.svc.Create(f.app(), &requests.NewRequest{Type: steward.RequestErasure,
				Subject: requests.RequestSubject{ExternalID: ext}}))
			code, _ := f.mail.code(t)
			return r, code
		}
		r1, code1 := create("ext-1")
		r2, code2 := create("ext-2")
		if code1 != code2 {
			_, err := f.svc.Verify(person("192.0.2.1"), r1.ID, &requests.RequestCode{Code: code2})
			wantCode(t, err, steward.EINVALID) // another request's code
		}
		for i := 0; i < 5; i++ {
			bad := "999999"
			if code1 == bad {
				bad = "999998"
			}
			f.advance(10 * time.Second) // within the per-request limit
			_, err := f.svc.Verify(person("192.0.2.2"), r1.ID, &requests.RequestCode{Code: bad})
			if steward.ErrorCode(err) == steward.ECONFLICT {
				break // the other request's code used the first attempt
			}
			wantCode(t, err, steward.EINVALID)
		}
		_, err := f.svc.Verify(person("192.0.2.3"), r1.ID, &requests.RequestCode{Code: code1})
		wantCode(t, err, steward.ECONFLICT) // locked: a new code is needed
		must[*requests.RequestCodeSent](t)(f.svc.SendCode(person("192.0.2.3"), r1.ID))
		fresh, _ := f.mail.code(t)
		if v := must[*requests.RequestStatus](t)(f.svc.Verify(person("192.0.2.3"), r1.ID, &requests.RequestCode{Code: fresh})); v.Status != steward.RequestVerified {
			t.Fatalf("after a new code: %+v", v)
		}
		// r2's code expires.
		f.advance(requests.CodeTTL + time.Second)
		_, err = f.svc.Verify(person("192.0.2.4"), r2.ID, &requests.RequestCode{Code: code2})
		wantCode(t, err, steward.ECONFLICT)
		_, err = f.svc.SendCode(person("192.0.2.4"), r1.ID)
		wantCode(t, err, steward.ECONFLICT) // verified already
		_, err = f.svc.Verify(person("192.0.2.4"), "req_unknown", &requests.RequestCode{Code: "123456"})
		wantCode(t, err, steward.ENOTFOUND)
	})
}

// TestCodeRateLimited: code checks are limited per request and per client
// address; new codes per request.
func TestCodeRateLimited(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		f.subject(t, "ext-1", "ada@example.com")
		r := must[*requests.RequestView](t)(f.svc.Create(f.app(), &requests.NewRequest{Type: steward.RequestAccess,
			Subject: requests.RequestSubject{ExternalID: "ext-1"}}))
		var err error
		for i := 0; i < 20 && steward.ErrorCode(err) != steward.ERATELIMIT; i++ {
			_, err = f.svc.Verify(person("192.0.2.9"), r.ID, &requests.RequestCode{Code: "12345"}) // malformed: no attempt used
		}
		wantCode(t, err, steward.ERATELIMIT)
		for i := 0; i < 20 && steward.ErrorCode(err) != steward.ERATELIMIT; i++ {
			_, err = f.svc.SendCode(person("192.0.2.8"), r.ID)
		}
		wantCode(t, err, steward.ERATELIMIT)
	})
}

// TestNoEmailOnFile: a subject without an email address gets no mail; the
// request stays unverified and says how to proceed; staff can approve it
// after verifying the person another way.
func TestNoEmailOnFile(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		f.subject(t, "ext-1", "")
		r := must[*requests.RequestView](t)(f.svc.Create(f.app(), &requests.NewRequest{Type: steward.RequestAccess,
			Subject: requests.RequestSubject{ExternalID: "ext-1"}}))
		if r.Status != steward.RequestUnverified || f.mail.count() != 0 || !strings.Contains(r.Next, "no email address") {
			t.Fatalf("created: %+v, %d mails", r, f.mail.count())
		}
		if s := must[*requests.RequestCodeSent](t)(f.svc.SendCode(person("192.0.2.1"), r.ID)); s.Status != "accepted" || f.mail.count() != 0 {
			t.Fatalf("code: %+v", s)
		}
		a := must[*requests.RequestView](t)(f.svc.Approve(f.staff(), r.ID))
		if a.Status != steward.RequestInProgress || a.VerifiedBy != steward.VerifiedByStaff {
			t.Fatalf("approved: %+v", a)
		}
	})
}

// TestParallelGuessesAllCount: wrong codes sent at once all count: of 10
// concurrent wrong guesses exactly 5 are judged, the others find the
// request locked.
func TestParallelGuessesAllCount(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		f.subject(t, "ext-1", "ada@example.com")
		r := must[*requests.RequestView](t)(f.svc.Create(f.app(), &requests.NewRequest{Type: steward.RequestAccess,
			Subject: requests.RequestSubject{ExternalID: "ext-1"}}))
		code, _ := f.mail.code(t)
		codes := make(chan string, 10)
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				guess := fmt.Sprintf("%06d", i)
				if guess == code {
					guess = "999999"
				}
				_, err := f.svc.Verify(person(fmt.Sprintf("192.0.2.%d", i)), r.ID, &requests.RequestCode{Code: guess})
				codes <- steward.ErrorCode(err)
			}()
		}
		wg.Wait()
		close(codes)
		n := map[string]int{}
		for c := range codes {
			n[c]++
		}
		if n[steward.EINVALID] != 5 || n[steward.ECONFLICT] != 5 {
			t.Fatalf("outcomes: %v; want 5 judged wrong and 5 locked", n)
		}
	})
}

// TestCodesPerRequestBounded: a request gets at most MaxCodes codes, so
// that new codes cannot buy unbounded guesses.
func TestCodesPerRequestBounded(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		f.subject(t, "ext-1", "ada@example.com")
		r := must[*requests.RequestView](t)(f.svc.Create(f.app(), &requests.NewRequest{Type: steward.RequestAccess,
			Subject: requests.RequestSubject{ExternalID: "ext-1"}}))
		for i := 1; i < requests.MaxCodes; i++ {
			f.advance(3 * time.Minute)
			must[*requests.RequestCodeSent](t)(f.svc.SendCode(person("192.0.2.1"), r.ID))
		}
		f.advance(3 * time.Minute)
		_, err := f.svc.SendCode(person("192.0.2.1"), r.ID)
		wantCode(t, err, steward.ECONFLICT)
		if n := f.mail.count(); n != requests.MaxCodes {
			t.Fatalf("%d mails, want %d", n, requests.MaxCodes)
		}
	})
}
