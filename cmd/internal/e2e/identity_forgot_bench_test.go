package e2e_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkForgotPasswordTiming measures whether POST /v1/auth/password/forgot tells known
// addresses from unknown ones by its timing: each iteration sends one request for an
// address that has an account and one for an address that has none, interleaved, and the
// medians of both are reported (and their ratio, which should be close to 1). Run with:
//
//	go test -run='^$' -bench='^BenchmarkForgotPasswordTiming$' -benchtime=100x ./cmd/internal/e2e/
func BenchmarkForgotPasswordTiming(b *testing.B) {
	url, _ := idBenchAPI(b)
	login, _ := idBenchSignUp(b, url)
	var known struct {
		Email string `json:"email"`
	}
	if err := json.Unmarshal(login, &known); err != nil {
		b.Fatal(err)
	}
	knownBody, _ := json.Marshal(map[string]string{"email": known.Email})
	unknownBody, _ := json.Marshal(map[string]string{"email": idEmail("nobody")})
	var kd, ud []time.Duration
	send := func(body []byte) time.Duration {
		start := time.Now()
		status, resp, err := idBenchDo(http.MethodPost, url+"/v1/auth/password/forgot", body, "")
		if err != nil || status != http.StatusAccepted {
			b.Fatalf("forgot: %d %s %v", status, resp, err)
		}
		return time.Since(start)
	}
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 { // alternate which goes first, so neither always follows the other
			kd, ud = append(kd, send(knownBody)), append(ud, send(unknownBody))
		} else {
			ud, kd = append(ud, send(unknownBody)), append(kd, send(knownBody))
		}
	}
	mk, mu := median(kd), median(ud)
	b.ReportMetric(float64(mk.Microseconds())/1000, "known-ms")
	b.ReportMetric(float64(mu.Microseconds())/1000, "unknown-ms")
	b.ReportMetric(float64(mk)/float64(mu), "known/unknown")
}

func median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}
