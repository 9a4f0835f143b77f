package e2e_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/redistest"
)

// Acceptance 5 (staleness): a user changed through api instance A is served changed by
// instance B, which had it cached, within the cache TTL and normally within 100 ms (the
// invalidation crosses over Redis pub/sub after the change commits).
func TestCacheChangeSeenByOtherInstance(t *testing.T) {
	t.Parallel()
	s := newStack(t, "RATE_LIMIT_ENABLED=false", "CACHE_TTL=30s")
	a, b := s.start("api"), s.start("api")
	admin := idCreateAdmin(t, s, a.URL)
	target := idNewUser(t, a.URL, "stale", "en")
	url := "/v1/users/" + target.UserID
	name := func(base string) string {
		r := do(t, http.MethodGet, base+url, nil, idBearer(admin.Access)...)
		idStatus(t, r, http.StatusOK)
		return r.JSON(t)["name"].(string)
	}
	name(b.URL) // B caches the account
	var took []time.Duration
	for i := range 7 {
		want := fmt.Sprintf("Renamed %d", i)
		idStatus(t, do(t, http.MethodPatch, a.URL+url, map[string]any{"name": want}, idBearer(admin.Access)...), http.StatusOK)
		committed := time.Now()
		for name(b.URL) != want {
			if time.Since(committed) > 30*time.Second {
				t.Fatalf("instance B still serves the old name %s after the change on A (the TTL)", time.Since(committed))
			}
			time.Sleep(time.Millisecond)
		}
		took = append(took, time.Since(committed))
	}
	slices.Sort(took)
	median := took[len(took)/2]
	t.Logf("instance B served each change after (sorted) %v; median %s", took, median)
	if median > 100*time.Millisecond {
		t.Errorf("median time for B to serve a change made on A = %s, want within 100 ms", median)
	}
}

// Acceptance 5 (outage): under steady load, stopping Redis gives no 5xx; when it returns
// the api, without a restart, uses it again and its hit ratio is back within 10 s; a user
// changed during the outage is never served in its old state afterwards.
func TestCacheRedisOutageUnderLoad(t *testing.T) {
	t.Parallel()
	rds := redistest.StartServer(t)
	s := newStack(t, "REDIS_URL="+rds.URL(), "RATE_LIMIT_ENABLED=false", "LOG_LEVEL=warn", "CACHE_LOCAL_TTL=1s")
	api := s.start("api")
	admin := idCreateAdmin(t, s, api.URL)
	var ids []string
	for i := range 8 {
		ids = append(ids, idNewUser(t, api.URL, fmt.Sprint("outage", i), "en").UserID)
	}
	load := newLoad(t, api.URL, admin.Access, ids)
	defer load.stop()

	before := hitRatioOver(t, api.URL, 2*time.Second)
	t.Logf("hit ratio before the outage: %.3f", before)
	rds.Stop()
	waitFor(t, "the breaker to open or the subscription to drop", 10*time.Second, func() (bool, string) {
		m := cacheMetrics(t, api.URL)
		return m["breaker"] == 1 || m["subscribed"] == 0, fmt.Sprint(m)
	})
	during := hitRatioOver(t, api.URL, 2*time.Second)
	changed := ids[0]
	r := do(t, http.MethodPatch, api.URL+"/v1/users/"+changed, map[string]any{"name": "Changed In Outage"}, idBearer(admin.Access)...)
	idStatus(t, r, http.StatusOK)

	rds.Start()
	back := time.Now()
	took := waitFor(t, "the hit ratio to recover", 10*time.Second, func() (bool, string) {
		m := cacheMetrics(t, api.URL)
		if m["breaker"] != 0 || m["subscribed"] != 1 {
			return false, fmt.Sprint(m)
		}
		ratio := hitRatioOver(t, api.URL, 500*time.Millisecond)
		return ratio >= before*0.95, fmt.Sprintf("ratio %.3f (before %.3f)", ratio, before)
	})
	t.Logf("hit ratio %.3f during the outage; Redis back: breaker closed, subscribed and hit ratio recovered %s after restart",
		during, took.Round(time.Millisecond))
	if time.Since(back) > 10*time.Second {
		t.Errorf("recovery took %s, want within 10 s", time.Since(back))
	}
	time.Sleep(1200 * time.Millisecond) // past CACHE_LOCAL_TTL: reads go to Redis again
	r = do(t, http.MethodGet, api.URL+"/v1/users/"+changed, nil, idBearer(admin.Access)...)
	idStatus(t, r, http.StatusOK)
	if got := r.JSON(t)["name"]; got != "Changed In Outage" {
		t.Errorf("after the outage the changed user is served as %q", got)
	}
	load.stop()
	t.Logf("steady load: %d requests, %d 5xx, %d other failures", load.total.Load(), load.fivexx.Load(), load.other.Load())
	if load.fivexx.Load() != 0 || load.other.Load() != 0 {
		t.Errorf("%d 5xx and %d other failures under load across the Redis outage, want none", load.fivexx.Load(), load.other.Load())
	}
}

// load is a steady stream of authenticated GET /v1/users/{id} from a few clients.
type load struct {
	total, fivexx, other atomic.Int64
	done                 chan struct{}
	wg                   sync.WaitGroup
	once                 sync.Once
}

func newLoad(t *testing.T, base, token string, ids []string) *load {
	l := &load{done: make(chan struct{})}
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range 4 {
		l.wg.Go(func() {
			for i := w; ; i++ {
				select {
				case <-l.done:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, base+"/v1/users/"+ids[i%len(ids)], nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := client.Do(req)
				l.total.Add(1)
				switch {
				case err != nil:
					l.other.Add(1)
				case res.StatusCode >= 500:
					l.fivexx.Add(1)
				case res.StatusCode != http.StatusOK:
					l.other.Add(1)
				}
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			}
		})
	}
	return l
}

func (l *load) stop() { l.once.Do(func() { close(l.done); l.wg.Wait() }) }

// cacheMetrics reads the cache's series from /metrics: hits, reads (all results), breaker
// and subscribed.
func cacheMetrics(t *testing.T, base string) map[string]float64 {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		name, value, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(name, `keel_cache_requests_total{cache="users",result="hit_`):
			m["hits"] += v
			m["reads"] += v
		case strings.HasPrefix(name, `keel_cache_requests_total{cache="users"`):
			m["reads"] += v
		case name == "keel_cache_breaker_open":
			m["breaker"] = v
		case name == "keel_cache_invalidations_subscribed":
			m["subscribed"] = v
		}
	}
	return m
}

// hitRatioOver measures the share of cache reads served by a cache tier during d.
func hitRatioOver(t *testing.T, base string, d time.Duration) float64 {
	t.Helper()
	m0 := cacheMetrics(t, base)
	time.Sleep(d)
	m1 := cacheMetrics(t, base)
	reads := m1["reads"] - m0["reads"]
	if reads == 0 {
		return 0
	}
	return (m1["hits"] - m0["hits"]) / reads
}
