package e2e_test

import (
	"net/http"
	"strings"
	"testing"
)

// Spellings of one address (padded, in capitals) share one attempt budget: the limit is
// keyed by the address as the use case reads it, not as the client wrote it.
func TestIdentityThrottleKeysTheNormalisedAddress(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	api := s.start("api").URL
	victim := idNewUser(t, api, "spelled", "")
	spell := func(i int) string {
		e := victim.Email + strings.Repeat(" ", i%7)
		if i%2 == 1 {
			e = strings.ToUpper(e)
		}
		return strings.Repeat(" ", i%3) + e
	}
	for _, tc := range []struct{ path, body string }{
		{"/v1/auth/login", "password"},
		{"/v1/auth/password/forgot", ""},
	} {
		var statuses []int
		for i := range 20 {
			body := map[string]any{"email": spell(i)}
			if tc.body != "" {
				body[tc.body] = "wrong-password-" + strings.Repeat("x", i)
			}
			statuses = append(statuses, do(t, http.MethodPost, api+tc.path, body).Status)
		}
		if statuses[len(statuses)-1] != http.StatusTooManyRequests {
			t.Errorf("%s: 20 attempts spelled 20 ways: %v, want them throttled as one address", tc.path, statuses)
		}
	}
}
