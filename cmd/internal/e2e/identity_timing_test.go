package e2e_test

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestIdentityLoginTimingUnknownEmail: with the production Argon2id parameters, a sign-in
// for an unknown e-mail costs about what one with a wrong password costs (API.md: "same
// answer and similar timing"), so timing does not reveal which addresses have accounts.
func TestIdentityLoginTimingUnknownEmail(t *testing.T) {
	t.Parallel()
	s := newStack(t, append([]string{"AUTH_ARGON2_MEMORY=19456", "AUTH_ARGON2_ITERATIONS=2"}, idGenerousLimits...)...)
	api := s.start("api").URL
	u := idNewUser(t, api, "timing", "")
	nobody := idEmail("timing-nobody")
	timed := func(email string) time.Duration {
		start := time.Now()
		r := do(t, http.MethodPost, api+"/v1/auth/login", map[string]any{"email": email, "password": "wrong-password-1"})
		elapsed := time.Since(start)
		idProblem(t, r, http.StatusUnauthorized, "invalid_credentials", "en")
		return elapsed
	}
	timed(u.Email) // warm both paths up
	timed(nobody)
	var known, unknown []time.Duration
	for range 15 { // interleaved, so that load on the machine hits both alike
		known = append(known, timed(u.Email))
		unknown = append(unknown, timed(nobody))
	}
	median := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	mk, mu := median(known), median(unknown)
	t.Logf("median sign-in time: wrong password %s, unknown e-mail %s", mk.Round(10*time.Microsecond), mu.Round(10*time.Microsecond))
	if ratio := float64(mu) / float64(mk); ratio < 0.5 || ratio > 2 {
		t.Fatalf("an unknown e-mail takes %.2fx the time of a wrong password: timing tells them apart", ratio)
	}
}
