package auth_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/auth"
)

// TestLockoutBacksOffExponentially: after the free attempts each further
// failure locks the account twice as long (30 s, 1 min, 2 min, ...); during a
// lock even the right password is refused with a Retry-After that matches,
// and the lock lifts on time.
func TestLockoutBacksOffExponentially(t *testing.T) {
	f := newStaffFixture(t)
	const email, pass = "backoff@example.org", "a long passphrase"
	if _, err := f.a.CreateStaff(f.admin, email, pass, "", steward.RoleAuditor); err != nil {
		t.Fatal(err)
	}
	login := func(p string) error {
		_, _, err := f.a.Login(context.Background(), f.tenant, email, p, "")
		return err
	}
	for range auth.DefaultLockout.Free {
		if err := login("wrong"); steward.ErrorCode(err) != steward.EUNAUTHORIZED {
			t.Fatalf("a free failure: %v", err)
		}
	}
	for i, lock := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute} {
		if err := login("wrong"); steward.ErrorCode(err) != steward.EUNAUTHORIZED {
			t.Fatalf("failure %d: %v", i+1, err)
		}
		f.now = f.now.Add(lock - time.Second)
		err := login(pass)
		var se *steward.Error
		if steward.ErrorCode(err) != steward.ERATELIMIT || !errors.As(err, &se) || len(se.Reasons) != 1 ||
			se.Reasons[0] != "retry_after:"+strconv.Itoa(1) {
			t.Fatalf("the right password 1s before the end of a %v lock: %v; want ERATELIMIT retry_after:1", lock, err)
		}
		f.now = f.now.Add(time.Second)
	}
	if err := login(pass); err != nil {
		t.Fatalf("after the last lock: %v", err)
	}
	// Success resets the count: the next failure is free again.
	if err := login("wrong"); steward.ErrorCode(err) != steward.EUNAUTHORIZED {
		t.Fatal(err)
	}
	if err := login(pass); err != nil {
		t.Fatalf("a free failure after a success locked the account: %v", err)
	}
}
