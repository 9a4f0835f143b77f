package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/keelhq/keel/adapters/argon2id"
)

// row is one line of the printed table.
type row struct {
	endpoint, server string
	r                result
	ratio            string
	note             string
}

// table collects the rows in order.
type table struct {
	rows  []row
	notes []string
}

func (t *table) print(w io.Writer, o options) {
	procs := "Go's default"
	if o.procs > 0 {
		procs = strconv.Itoa(o.procs)
	}
	fmt.Fprintf(w, "\nKeel load suite: %d users, %d connections from %d wrk threads, %d interleaved rounds of %s (median round shown), GOMAXPROCS %s, %d cores\n\n",
		o.users, o.conns, min(o.threads, o.conns), o.rounds, o.duration, procs, runtime.NumCPU())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	fmt.Fprintln(tw, "endpoint\tserver\treq/s\tp50 ms\tp99 ms\tvs reference\tnon-2xx\t5xx\t")
	for _, r := range t.rows {
		fivexx := "-" // wrk's rows: within non-2xx
		if r.r.fivexx >= 0 {
			fivexx = strconv.FormatInt(r.r.fivexx, 10)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%s\t%s\t%d\t%s\t%s\n", r.endpoint, r.server, r.r.rps, ms(r.r.p50), ms(r.r.p99),
			r.ratio, r.r.bad, fivexx, r.note)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	for _, n := range t.notes {
		fmt.Fprintln(w, "- "+n)
	}
}

// target is one server's URL for a scenario.
type target struct {
	server, url string
	// count, when set, measures PostgreSQL transactions and Redis commands per request.
	count bool
}

// interleave runs every target once per round, in turn, and adds a row per target with
// its median round. The first target named "reference" is the ratio's denominator.
func (s *suite) interleave(ctx context.Context, endpoint, token string, targets []target) error {
	runs := make([][]result, len(targets))
	perReq := make([][2]float64, len(targets))
	for _, t := range targets { // warm up connections, caches and the planner
		if _, err := s.wrk(t.url, token, time.Second); err != nil {
			return err
		}
	}
	for round := range s.o.rounds {
		for i, t := range targets {
			step(fmt.Sprintf("%s on %s, round %d", endpoint, t.server, round+1))
			r, err := s.wrk(t.url, token, s.o.duration)
			if err != nil {
				return err
			}
			runs[i] = append(runs[i], r)
			settle(r)
		}
	}
	for i, t := range targets {
		if t.count {
			var err error
			if perReq[i], err = s.roundTrips(ctx, t, token); err != nil {
				return err
			}
		}
	}
	var ref float64
	for i, t := range targets {
		if t.server == "reference" {
			ref = median(runs[i]).rps
		}
	}
	for i, t := range targets {
		m := median(runs[i])
		rw := row{endpoint: endpoint, server: t.server, r: m, ratio: "-"}
		if ref > 0 && t.server != "reference" {
			rw.ratio = fmt.Sprintf("%.2fx", m.rps/ref)
		}
		if t.count {
			rw.note = fmt.Sprintf("PG statements/req %.4f, Redis commands/req %.4f", perReq[i][0], perReq[i][1])
		}
		s.table.rows = append(s.table.rows, rw)
	}
	return nil
}

// settle waits after a run for the requests still in flight when wrk stopped (a slow
// endpoint leaves PostgreSQL busy for about its p99), so they do not slow the next run.
func settle(r result) {
	time.Sleep(max(500*time.Millisecond, 2*r.p99))
}

// statsFlush is how long PostgreSQL may keep a backend's statistics before publishing
// them in pg_stat_database (PGSTAT_IDLE_INTERVAL, 10 s), plus a margin.
const statsFlush = 11 * time.Second

// roundTrips runs t once more, alone, and returns the PostgreSQL transactions and Redis
// commands it caused per request, waiting for PostgreSQL's statistics to settle before and
// after (every other server is idle meanwhile).
func (s *suite) roundTrips(ctx context.Context, t target, token string) ([2]float64, error) {
	step(fmt.Sprintf("counting round trips of %s (waiting for PostgreSQL's statistics)", t.server))
	time.Sleep(statsFlush)
	x0, c0 := s.count.read(ctx)
	r, err := s.wrk(t.url, token, s.o.duration)
	if err != nil || r.requests == 0 {
		return [2]float64{}, err
	}
	_, c1 := s.count.read(ctx)
	time.Sleep(statsFlush)
	x1, _ := s.count.read(ctx)
	return [2]float64{float64(x1-x0) / float64(r.requests), float64(c1-c0) / float64(r.requests)}, nil
}

// measure runs every scenario.
func (s *suite) measure(ctx context.Context) error {
	keel, ref := s.proc("keel").url, s.proc("reference").url
	admin, err := login(keel, adminEmail)
	if err != nil {
		return err
	}
	tok := admin.AccessToken
	id := s.data.sample.String()
	byID := []target{{server: "keel (cache)", url: keel + "/v1/users/" + id, count: true},
		{server: "keel (no cache)", url: s.proc("keel-nocache").url + "/v1/users/" + id}}
	for _, p := range s.procs {
		if m, ok := strings.CutPrefix(p.name, "keel-nocache-"); ok {
			byID = append(byID, target{server: "keel (no cache, " + m + ")", url: p.url + "/v1/users/" + id})
		}
	}
	if p := s.proc("keel-baseline"); p != nil {
		byID = append(byID, target{server: "keel baseline", url: p.url + "/v1/users/" + id})
	}
	byID = append(byID, target{server: "reference", url: ref + "/v1/users/" + id})
	if err := s.interleave(ctx, "GET /v1/users/{id}", tok, byID); err != nil {
		return err
	}
	if err := s.interleave(ctx, "GET /v1/users/me", tok, []target{{server: "keel (cache)", url: keel + "/v1/users/me", count: true}}); err != nil {
		return err
	}
	if err := s.lists(ctx, keel, ref, tok); err != nil {
		return err
	}
	return s.logins(keel)
}

// listLimit and listPages are the list scenario's page size and depth.
const listLimit, listPages = 20, 1000

// lists compares Keel's first keyset page, a page 1,000 pages deep, and the reference's
// offset page at the same depth with a total count.
func (s *suite) lists(ctx context.Context, keel, ref, tok string) error {
	const limit, pages = listLimit, listPages
	step("walking 1,000 pages for the deep cursor")
	cursor, err := deepCursor(keel, tok, limit, pages)
	if err != nil {
		return err
	}
	err = s.interleave(ctx, "GET /v1/users (list)", tok, []target{
		{server: "keel page 1", url: fmt.Sprintf("%s/v1/users?limit=%d", keel, limit)},
		{server: "keel page 1001", url: fmt.Sprintf("%s/v1/users?limit=%d&cursor=%s", keel, limit, cursor)},
		{server: "reference", url: fmt.Sprintf("%s/v1/users?limit=%d&offset=%d", ref, limit, limit*pages)},
	})
	if err != nil {
		return err
	}
	n := len(s.table.rows)
	p1, deep, off := s.table.rows[n-3].r.rps, s.table.rows[n-2].r.rps, s.table.rows[n-1].r.rps
	s.table.rows[n-1].server = fmt.Sprintf("reference offset %d + count", limit*pages)
	s.table.notes = append(s.table.notes, fmt.Sprintf(
		"list: page 1001 answers %.0f req/s, %.0f%% of page 1's %.0f; it is %.0fx the reference's offset page with a total count at the same depth",
		deep, deep/p1*100, p1, deep/off))
	return nil
}

// logins signs in with 200 accounts at once, watching the api's memory, then
// rotates refresh tokens with 64 sessions.
func (s *suite) logins(keel string) error {
	p := s.proc("keel")
	step(fmt.Sprintf("%d concurrent logins", loginAccounts))
	var peak float64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if cur, _ := rss(p.pid()); cur > peak {
					peak = cur
				}
			}
		}
	})
	res := burst(loginAccounts, func(w int) (int, error) {
		return postJSON(keel+"/v1/auth/login", map[string]string{"email": s.data.logins[w], "password": password}, nil)
	})
	close(stop)
	wg.Wait()
	_, hwm := rss(p.pid())
	a := argon2id.DefaultParams
	s.table.rows = append(s.table.rows, row{endpoint: "POST /v1/auth/login", server: fmt.Sprintf("keel, %d at once", loginAccounts),
		r: result{rps: res.rps, p50: res.p50, p99: res.p99, bad: res.other + res.fivexx, fivexx: res.fivexx}, ratio: "-",
		note: fmt.Sprintf("Argon2id m=%d KiB t=%d p=%d, %d hashed at once; api RSS peak %.0f MiB (VmHWM %.0f MiB)",
			a.Memory, a.Iterations, a.Parallelism, runtime.NumCPU(), peak, hwm)})

	step("refresh token rotation, 64 sessions")
	chains := make([]string, 64)
	for i := range chains {
		t, err := login(keel, s.data.logins[i])
		if err != nil {
			return err
		}
		chains[i] = t.RefreshToken
	}
	res = drive(len(chains), s.o.logins, func(w int) (int, error) {
		var t tokens
		st, err := postJSON(keel+"/v1/auth/refresh", map[string]string{"refreshToken": chains[w]}, &t)
		if st == http.StatusOK && err == nil {
			chains[w] = t.RefreshToken
		}
		return st, err
	})
	s.table.rows = append(s.table.rows, row{endpoint: "POST /v1/auth/refresh", server: "keel, 64 clients",
		r: result{rps: res.rps, p50: res.p50, p99: res.p99, bad: res.other + res.fivexx, fivexx: res.fivexx}, ratio: "-"})
	return nil
}
