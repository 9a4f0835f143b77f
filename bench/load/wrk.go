package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	fivexx   int64
}

// wrk runs wrk against url and parses its report. method POST sends body as JSON.
func wrk(url, token string, conns int, d time.Duration, scriptDir string) (result, error) {
	script, err := statusScript(scriptDir)
	if err != nil {
		return result{}, err
	}
	threads := min(2, conns)
	args := []string{"-t" + strconv.Itoa(threads), "-c" + strconv.Itoa(conns), "-d" + d.String(), "--latency",
		"--timeout", "5s", "-s", script}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk %s: %w\n%s", url, err, out)
	}
	return parseWrk(out)
}

// statusScript writes the wrk script that counts 5xx answers.
func statusScript(dir string) (string, error) {
	path := filepath.Join(dir, "status.lua")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	const lua = `local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) fivexx = 0 end
function response(status, headers, body) if status >= 500 then fivexx = fivexx + 1 end end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("fivexx") end
  io.write(string.format("5xx: %d\n", n))
end
`
	return path, os.WriteFile(path, []byte(lua), 0o644)
}

var (
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reReqs     = regexp.MustCompile(`(\d+) requests in`)
	rePct      = regexp.MustCompile(`^\s+(50|99)%\s+([0-9.]+)(us|ms|s)`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSockErrs = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	re5xx      = regexp.MustCompile(`5xx: (\d+)`)
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
	if m := re5xx.FindSubmatch(out); m != nil {
		r.fivexx, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
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
	m.requests, m.bad, m.fivexx = 0, 0, 0
	for _, r := range rs {
		m.requests += r.requests
		m.bad += r.bad
		m.fivexx += r.fivexx
	}
	return m
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }
