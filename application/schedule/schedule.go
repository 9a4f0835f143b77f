// Package schedule is the registry of scheduled actions and the machinery that runs them:
// each context module registers named actions (a schedule, a time zone, a timeout, a
// catch-up policy, optional jitter); the cron process's leader runs every window of every
// action exactly once through a ledger of runs, catching up windows missed while no
// instance led; `cron run NAME` runs one now through the same ledger; administrators list
// the ledger.
//
// An action is plain application code: it receives a context (cancelled at its timeout)
// and the window it runs for, and knows nothing of the scheduler.
package schedule

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Policy says what the scheduler does with the windows of an action that passed while no
// instance could run them.
type Policy int

// The catch-up policies.
const (
	// CatchUpLatest runs the latest missed window once and records the older ones skipped
	// (the default: a purge need not run once per missed hour).
	CatchUpLatest Policy = iota
	// CatchUpSkip runs no missed window: they are recorded skipped, and the next window
	// runs on time.
	CatchUpSkip
	// CatchUpAll runs every missed window within the look-back, oldest first.
	CatchUpAll
)

// String names the policy as `cron list` shows it.
func (p Policy) String() string {
	switch p {
	case CatchUpSkip:
		return "skip"
	case CatchUpAll:
		return "all"
	}
	return "latest"
}

// DefaultLookBack bounds how far back missed windows are looked for when an action does
// not say.
const DefaultLookBack = 24 * time.Hour

// Action is one scheduled piece of work.
type Action struct {
	// Name identifies the action on the command line and in the ledger, e.g.
	// "auth.purge_sessions": lower case, digits, dots and underscores.
	Name string
	// Schedule is "@every 90s" (windows at whole multiples of the interval), a five-field
	// cron expression or descriptor ("17 * * * *", "@daily"), or "off" (only `cron run`
	// runs it). CRON_SCHEDULES overrides it.
	Schedule string
	// TimeZone is the IANA zone a cron expression is read in; empty means UTC.
	TimeZone string
	// Timeout bounds one run: its context is cancelled then, and the run recorded timed out.
	Timeout time.Duration
	// CatchUp says which missed windows run; LookBack how far back they are looked for
	// (DefaultLookBack when zero).
	CatchUp  Policy
	LookBack time.Duration
	// Jitter, when set, delays each run by a random duration below it, so that actions
	// sharing a schedule do not start at the same instant.
	Jitter time.Duration
	// Run does the work for window; it must honour ctx and be safe to run again.
	Run func(ctx context.Context, window time.Time) error
}

var actionName = regexp.MustCompile(`^[a-z][a-z0-9_.]*$`)

// Entry is a registered action with its effective schedule.
type Entry struct {
	Action
	// Spec is the effective schedule after overrides.
	Spec Schedule
}

// Registry holds the actions by name.
type Registry struct {
	entries map[string]Entry
}

// NewRegistry checks and indexes actions, applying overrides (action name to schedule,
// from CRON_SCHEDULES): an invalid action, a name registered twice, an override naming no
// action or a schedule that does not parse is an error naming it.
func NewRegistry(actions []Action, overrides map[string]string) (*Registry, error) {
	r := &Registry{entries: make(map[string]Entry, len(actions))}
	for _, a := range actions {
		if err := check(a); err != nil {
			return nil, err
		}
		if _, dup := r.entries[a.Name]; dup {
			return nil, fmt.Errorf("scheduled action %q registered twice", a.Name)
		}
		spec, overridden := a.Schedule, false
		if o, ok := overrides[a.Name]; ok {
			spec, overridden = o, true
		}
		s, err := ParseSchedule(spec, a.TimeZone)
		if err != nil && overridden {
			return nil, badOverride("CRON_SCHEDULES: scheduled action %s: schedule %q: %v", a.Name, spec, err)
		}
		if err != nil {
			return nil, fmt.Errorf("scheduled action %s: schedule %q: %w", a.Name, spec, err)
		}
		r.entries[a.Name] = Entry{Action: a, Spec: s}
	}
	for name := range overrides {
		if _, ok := r.entries[name]; !ok {
			return nil, badOverride("CRON_SCHEDULES names %q, which is no scheduled action (known: %s)", name, strings.Join(r.Names(), ", "))
		}
	}
	return r, nil
}

func check(a Action) error {
	switch {
	case !actionName.MatchString(a.Name):
		return fmt.Errorf("scheduled action %q: name must match %s", a.Name, actionName)
	case a.Run == nil || a.Schedule == "" || a.Timeout <= 0:
		return fmt.Errorf("scheduled action %q: schedule, timeout and run are required", a.Name)
	case a.Jitter < 0 || a.LookBack < 0:
		return fmt.Errorf("scheduled action %q: jitter and look-back cannot be negative", a.Name)
	}
	return nil
}

// List returns the entries sorted by name.
func (r *Registry) List() []Entry {
	out := make([]Entry, 0, len(r.entries))
	for _, e := range r.entries {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the action names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.entries))
	for _, e := range r.List() {
		names = append(names, e.Name)
	}
	return names
}

// Get returns the named entry.
func (r *Registry) Get(name string) (Entry, bool) {
	e, ok := r.entries[name]
	return e, ok
}

// lookBack returns the entry's look-back.
func (e Entry) lookBack() time.Duration {
	if e.LookBack > 0 {
		return e.LookBack
	}
	return DefaultLookBack
}
