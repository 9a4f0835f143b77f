package e2e_test

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/proctest"
)

// Acceptance (a): api, worker and cron start, are ready with PostgreSQL and Redis up, and
// each stops cleanly on SIGINT within 10 seconds.
func TestFoundationProcessesStartReadyAndStop(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	names := []string{"api", "worker", "cron"}
	nodes := map[string]*node{}
	for _, name := range names {
		start := time.Now()
		nodes[name] = s.start(name)
		t.Logf("%s live after %s", name, time.Since(start).Round(time.Millisecond))
	}
	for _, name := range names {
		r := getReady(t, nodes[name].URL)
		if r.Status != http.StatusOK || r.Report != "ok" || r.Checks["postgres"] != "ok" || r.Checks["redis"] != "ok" {
			t.Errorf("%s /readyz: %s", name, r)
		}
		if m := do(t, http.MethodGet, nodes[name].URL+"/metrics", nil); m.Status != 200 || !strings.Contains(string(m.Body), "keel_up") {
			t.Errorf("%s /metrics: %d", name, m.Status)
		}
	}

	// SIGINT to all three at once; each must exit 0 within 10 s.
	type stopped struct {
		code int
		took time.Duration
		err  error
	}
	results := map[string]stopped{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range names {
		n := nodes[name]
		wg.Go(func() {
			start := time.Now()
			err := n.Signal(syscall.SIGINT)
			code := -1
			if err == nil {
				code, err = n.Wait(10 * time.Second)
			}
			mu.Lock()
			results[name] = stopped{code, time.Since(start), err}
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, name := range names {
		r := results[name]
		t.Logf("%s stopped on SIGINT in %s (exit %d)", name, r.took.Round(time.Millisecond), r.code)
		if r.err != nil || r.code != 0 {
			t.Errorf("%s: exit %d, %v; want 0 within 10s", name, r.code, r.err)
		}
		if out := nodes[name].Output(); !strings.Contains(out, `"msg":"stopped"`) {
			t.Errorf("%s did not log its orderly stop:\n%s", name, tail(out))
		}
	}
}

// Acceptance (d): a malformed DATABASE_URL and an out-of-range setting stop every binary
// before it serves, naming the variables, never printing the password.
func TestFoundationBadConfigurationStopsEveryBinary(t *testing.T) {
	t.Parallel()
	const badURL = "postgres://u:s3cret@[bad"
	cases := []struct {
		name string
		env  []string
		want []string
	}{
		{"malformed DATABASE_URL", []string{"DATABASE_URL=" + badURL}, []string{"DATABASE_URL"}},
		{"out-of-range HTTP_BODY_LIMIT", []string{"HTTP_BODY_LIMIT=1"}, []string{"HTTP_BODY_LIMIT"}},
		{"both, reported together", []string{"DATABASE_URL=" + badURL, "HTTP_BODY_LIMIT=1"}, []string{"DATABASE_URL", "HTTP_BODY_LIMIT"}},
	}
	s := newStack(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, bin := range []struct {
				name string
				args []string
			}{{"api", nil}, {"worker", nil}, {"cron", nil}, {"migrate", []string{"up"}}} {
				addr := proctest.FreeAddr(t)
				env := append(append(append([]string{}, s.env...), "HTTP_ADDR="+addr), tc.env...)
				start := time.Now()
				p := proctest.Start(t, s.bins[bin.name], proctest.Options{Args: bin.args, Env: env})
				code, err := p.Wait(startTimeout)
				took := time.Since(start)
				out := p.Output()
				if err != nil || code == 0 {
					t.Errorf("%s: exit %d, %v; want a non-zero exit\n%s", bin.name, code, err, tail(out))
					continue
				}
				for _, v := range tc.want {
					if !strings.Contains(out, v) {
						t.Errorf("%s: output does not name %s:\n%s", bin.name, v, tail(out))
					}
				}
				if strings.Contains(out, "s3cret") {
					t.Errorf("%s: output reveals the password:\n%s", bin.name, out)
				}
				if conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
					_ = conn.Close()
					t.Errorf("%s: something listens on %s after a refused start", bin.name, addr)
				}
				t.Logf("%s refused the configuration in %s (exit %d)", bin.name, took.Round(time.Millisecond), code)
			}
		})
	}
}

// Acceptance (e): an api whose port is taken fails fast and says which port.
func TestFoundationPortInUse(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)

	start := time.Now()
	p := proctest.Start(t, s.bins["api"], proctest.Options{Env: append(append([]string{}, s.env...), "HTTP_ADDR="+addr)})
	code, err := p.Wait(startTimeout)
	took := time.Since(start)
	t.Logf("api on a taken port exited %d after %s", code, took.Round(time.Millisecond))
	if err != nil || code == 0 {
		t.Fatalf("exit %d, %v; want non-zero\n%s", code, err, tail(p.Output()))
	}
	if took > 2*time.Second {
		t.Errorf("took %s to give up, want under 2s", took)
	}
	out := p.Output()
	if !strings.Contains(out, ":"+port) || !strings.Contains(out, "HTTP_ADDR") {
		t.Errorf("output does not name the port %s:\n%s", port, tail(out))
	}
	if _, err := strconv.Atoi(port); err != nil {
		t.Fatal(err)
	}
}

// Acceptance (f): cron's one-shot commands.
func TestFoundationCronCommands(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	code, out := s.run("cron", "", "list")
	if code != 0 || !strings.Contains(out, "auth.purge_sessions") {
		t.Fatalf("cron list: exit %d\n%s", code, out)
	}
	if code, out := s.run("cron", "", "run", "auth.purge_sessions"); code != 0 {
		t.Fatalf("cron run auth.purge_sessions: exit %d\n%s", code, out)
	}
	code, out = s.run("cron", "", "run", "nope")
	if code == 0 || !strings.Contains(out, "nope") {
		t.Fatalf("cron run nope: exit %d\n%s", code, out)
	}
	if code, out := s.run("cron", "", "frobnicate"); code == 0 || !strings.Contains(out, "usage") {
		t.Fatalf("cron frobnicate: exit %d\n%s", code, out)
	}
	// No process mistakes an argument for a request to start: each answers its usage.
	for _, bin := range []string{"api", "worker"} {
		if code, out := s.run(bin, "", "frobnicate"); code != 2 || !strings.Contains(out, "usage") {
			t.Errorf("%s frobnicate: exit %d\n%s", bin, code, out)
		}
	}
}

// tail keeps failure messages readable.
func tail(s string) string {
	const max = 4000
	if len(s) > max {
		return "..." + s[len(s)-max:]
	}
	return s
}
