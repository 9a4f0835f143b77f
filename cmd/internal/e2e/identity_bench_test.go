package e2e_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/pgtest"
	"github.com/keelhq/keel/platform/testkit/proctest"
	"github.com/keelhq/keel/platform/testkit/redistest"
)

// Benchmarks of the real api binary: sign-in throughput with the production Argon2id
// parameters (the defaults: 19 MiB, 2 iterations) and the process's peak memory while
// signing in, and authenticated GET /v1/users/me throughput. Run with, e.g.:
//
//	go test -run='^$' -bench='^Benchmark(Login|Me)$' -benchtime=3s ./cmd/internal/e2e/
//
// Rate limits are off (RATE_LIMIT_ENABLED=false) and the access log is off
// (LOG_LEVEL=warn), so what is measured is the request path itself.

// idBenchAPI starts an api with the default Argon2id parameters on a fresh database.
func idBenchAPI(b *testing.B) (url string, pid int) {
	b.Helper()
	bins := proctest.Build(b, "./cmd/api")
	addr := proctest.FreeAddr(b)
	p := proctest.Start(b, bins["api"], proctest.Options{Env: []string{
		"APP_ENV=test",
		"LOG_LEVEL=warn",
		"DATABASE_URL=" + pgtest.URL(b),
		"REDIS_URL=" + redistest.BaseURL(),
		"REDIS_KEY_PREFIX=" + redistest.Prefix(b),
		"MAIL_DIR=" + b.TempDir(),
		"RATE_LIMIT_ENABLED=false",
		"HTTP_ADDR=" + addr,
	}})
	url = "http://" + addr
	proctest.WaitHTTP(b, url+"/livez", http.StatusOK, startTimeout)
	b.Cleanup(func() { p.Stop(15 * time.Second) })
	return url, p.PID()
}

// idBenchClient is a keep-alive client sized for the parallel benchmark goroutines.
var idBenchClient = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute},
}

// idBenchDo sends one request and returns the status and body.
func idBenchDo(method, url string, body []byte, token string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := idBenchClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return res.StatusCode, data, err
}

// idBenchSignUp registers a user and returns the login body and the access token.
func idBenchSignUp(b *testing.B, url string) (login []byte, access string) {
	b.Helper()
	email, password := idEmail("bench"), "bench-password-1"
	body, _ := json.Marshal(map[string]string{"email": email, "password": password, "name": "Bench"})
	status, resp, err := idBenchDo(http.MethodPost, url+"/v1/auth/register", body, "")
	if err != nil || status != http.StatusCreated {
		b.Fatalf("register: %d %v %s", status, err, resp)
	}
	var pair struct{ AccessToken string }
	if err := json.Unmarshal(resp, &pair); err != nil {
		b.Fatal(err)
	}
	login, _ = json.Marshal(map[string]string{"email": email, "password": password})
	return login, pair.AccessToken
}

// idProcStatus reads a field of /proc/<pid>/status in kB (VmRSS, VmHWM).
// Without /proc (not Linux) the caller is skipped.
func idProcStatus(b testing.TB, pid int, field string) float64 {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				b.Fatalf("%s: %v", field, err)
			}
			return kb
		}
	}
	b.Fatalf("/proc/%d/status has no %s", pid, field)
	return 0
}

// BenchmarkLogin measures POST /v1/auth/login with default Argon2id parameters:
// requests per second with parallel clients, and the api's peak resident memory (VmHWM)
// during the bursts.
func BenchmarkLogin(b *testing.B) {
	url, pid := idBenchAPI(b)
	login, _ := idBenchSignUp(b, url)
	for _, p := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("clients=%d", p*runtime.GOMAXPROCS(0)), func(b *testing.B) {
			idBenchParallel(b, p, pid, func() error {
				status, body, err := idBenchDo(http.MethodPost, url+"/v1/auth/login", login, "")
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("login: %d %s", status, body)
				}
				return err
			})
		})
	}
}

// BenchmarkMe measures authenticated GET /v1/users/me with parallel clients.
func BenchmarkMe(b *testing.B) {
	url, pid := idBenchAPI(b)
	_, access := idBenchSignUp(b, url)
	for _, p := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("clients=%d", p*runtime.GOMAXPROCS(0)), func(b *testing.B) {
			idBenchParallel(b, p, pid, func() error {
				status, body, err := idBenchDo(http.MethodGet, url+"/v1/users/me", nil, access)
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("me: %d %s", status, body)
				}
				return err
			})
		})
	}
}

// idBenchParallel runs call b.N times from parallelism*GOMAXPROCS goroutines
// (b.RunParallel) and reports requests per second and the api's resident memory: before
// the run, and its peak (VmHWM, since the process started).
func idBenchParallel(b *testing.B, parallelism, pid int, call func() error) {
	b.Helper()
	rssBefore := idProcStatus(b, pid, "VmRSS")
	var failures atomic.Int64
	var firstErr atomic.Value
	b.SetParallelism(parallelism)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := call(); err != nil {
				if failures.Add(1) == 1 {
					firstErr.Store(err)
				}
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d of %d requests failed; first: %v", n, b.N, firstErr.Load())
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(rssBefore/1024, "rss-before-MiB")
	b.ReportMetric(idProcStatus(b, pid, "VmHWM")/1024, "peak-rss-MiB")
}
