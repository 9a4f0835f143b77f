// Package schedule is the registry of scheduled actions: named pieces of application work
// the cron process runs on a cron schedule, and `cron run NAME` runs once on demand.
package schedule

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"time"
)

// Action is one scheduled piece of work.
type Action struct {
	// Name identifies the action on the command line, e.g. "auth.prune_expired".
	Name string
	// Spec is a five-field cron expression in UTC, e.g. "*/15 * * * *".
	Spec string
	// Timeout bounds one run.
	Timeout time.Duration
	// Run does the work; it must be safe to run again after a failure.
	Run func(ctx context.Context) error
}

var actionName = regexp.MustCompile(`^[a-z][a-z0-9_.]*$`)

// Registry holds the actions by name.
type Registry struct {
	actions map[string]Action
}

// NewRegistry checks and indexes actions; names must be unique.
func NewRegistry(actions ...Action) (*Registry, error) {
	r := &Registry{actions: make(map[string]Action, len(actions))}
	for _, a := range actions {
		switch {
		case !actionName.MatchString(a.Name):
			return nil, fmt.Errorf("scheduled action %q: name must match %s", a.Name, actionName)
		case a.Run == nil || a.Spec == "" || a.Timeout <= 0:
			return nil, fmt.Errorf("scheduled action %q: spec, timeout and run are required", a.Name)
		}
		if _, dup := r.actions[a.Name]; dup {
			return nil, fmt.Errorf("scheduled action %q registered twice", a.Name)
		}
		r.actions[a.Name] = a
	}
	return r, nil
}

// List returns the actions sorted by name.
func (r *Registry) List() []Action {
	out := make([]Action, 0, len(r.actions))
	for _, a := range r.actions {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Get returns the named action.
func (r *Registry) Get(name string) (Action, bool) {
	a, ok := r.actions[name]
	return a, ok
}

// RunOnce runs the named action within its timeout.
func (r *Registry) RunOnce(ctx context.Context, name string) error {
	a, ok := r.Get(name)
	if !ok {
		return fmt.Errorf("no scheduled action named %q (see `cron list`)", name)
	}
	ctx, cancel := context.WithTimeout(ctx, a.Timeout)
	defer cancel()
	return a.Run(ctx)
}
