// Package health runs readiness checks: required dependencies make a process unready when
// they fail; optional ones only degrade it.
package health

import (
	"context"
	"sync"
	"time"
)

// Statuses of a check and of a whole report.
const (
	StatusOK       = "ok"
	StatusDegraded = "degraded"
	StatusDown     = "down"
	StatusDisabled = "disabled"
)

// Check is one named dependency probe.
type Check struct {
	// Name appears in the report, e.g. "postgres".
	Name string
	// Required checks make the report "down" when they fail; others make it "degraded".
	Required bool
	// Probe returns nil when the dependency answers; nil Probe means disabled.
	Probe func(ctx context.Context) error
}

// Report is the outcome of running every check.
type Report struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// Ready reports whether every required check passed.
func (r Report) Ready() bool { return r.Status != StatusDown }

// Checker runs a fixed set of checks concurrently, each with its own deadline.
type Checker struct {
	checks  []Check
	timeout time.Duration
}

// NewChecker returns a checker whose probes each get at most timeout.
func NewChecker(timeout time.Duration, checks ...Check) *Checker {
	return &Checker{checks: checks, timeout: timeout}
}

// Run probes every dependency and summarises the result.
func (c *Checker) Run(ctx context.Context) Report {
	results := make([]string, len(c.checks))
	var wg sync.WaitGroup
	for i, ch := range c.checks {
		if ch.Probe == nil {
			results[i] = StatusDisabled
			continue
		}
		wg.Go(func() {
			pctx, cancel := context.WithTimeout(ctx, c.timeout)
			defer cancel()
			results[i] = StatusOK
			if err := ch.Probe(pctx); err != nil {
				results[i] = StatusDown
			}
		})
	}
	wg.Wait()
	rep := Report{Status: StatusOK, Checks: make(map[string]string, len(c.checks))}
	for i, ch := range c.checks {
		rep.Checks[ch.Name] = results[i]
		if results[i] != StatusDown {
			continue
		}
		if ch.Required {
			rep.Status = StatusDown
		} else if rep.Status == StatusOK {
			rep.Status = StatusDegraded
		}
	}
	return rep
}
