package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"time"
)

// result is one load run's figures.
type result struct {
	rps      float64
	p50, p99 time.Duration
	requests int64
	bad      int64 // non-2xx answers, socket errors and timeouts
	fivexx   int64 // -1: not counted apart (wrk's non-2xx include them)
}

// wrk runs wrk against url with the suite's connections and load-generator threads, and
// parses its report. It runs no Lua script: a response hook (to tell 5xx from other
// non-2xx answers) costs wrk about 1 µs of its 13 to 14 µs per response, CPU the load
// generator then takes from the server on this 2-core machine. Every scenario expects
// 200, so the non-2xx count covers any 5xx.
func (s *suite) wrk(url, token string, d time.Duration) (result, error) {
	threads := min(s.o.threads, s.o.conns)
	args := []string{"-t" + strconv.Itoa(threads), "-c" + strconv.Itoa(s.o.conns), "-d" + d.String(), "--latency",
		"--timeout", "5s"}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk %s: %w\n%s", url, err, out)
	}
	return parseWrk(out)
}

var (
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reReqs     = regexp.MustCompile(`(\d+) requests in`)
	rePct      = regexp.MustCompile(`^\s+(50|99)%\s+([0-9.]+)(us|ms|s)`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSockErrs = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// parseWrk reads wrk's --latency report.
func parseWrk(out []byte) (result, error) {
	var r result
	m := reRPS.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk output:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	if m := reReqs.FindSubmatch(out); m != nil {
		r.requests, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := rePct.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]
		d := time.Duration(v * float64(unit))
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if m := reNon2xx.FindSubmatch(out); m != nil {
		n, _ := strconv.ParseInt(string(m[1]), 10, 64)
		r.bad += n
	}
	if m := reSockErrs.FindSubmatch(out); m != nil {
		for _, g := range m[1:] {
			n, _ := strconv.ParseInt(string(g), 10, 64)
			r.bad += n
		}
	}
	r.fivexx = -1 // not told apart from other non-2xx answers
	return r, nil
}

// median returns the run with the median req/s (its own p50 and p99 kept), and the sums
// of requests and failures over every run.
func median(rs []result) result {
	if len(rs) == 0 {
		return result{}
	}
	sorted := append([]result(nil), rs...)
	for i := range sorted {
		for j := i + 1; j < len(sorted); j++ {
			if sorted[j].rps < sorted[i].rps {
				sorted[i], sorted[j] = sorted[j], sorted[i]
			}
		}
	}
	m := sorted[len(sorted)/2]
	m.requests, m.bad = 0, 0
	for _, r := range rs {
		m.requests += r.requests
		m.bad += r.bad
	}
	return m
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }
