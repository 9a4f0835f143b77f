package eventlog

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// RunnerOptions tune a Runner; zero values take the defaults.
type RunnerOptions struct {
	// Batch bounds the events one assignment or publication step handles (default 500).
	Batch int
	// Poll is the safety-net interval between two passes without a wake-up (default 1s).
	Poll time.Duration
	// StepTimeout bounds one step: one transaction, the Redis round trip included
	// (default 5s).
	StepTimeout time.Duration
}

func (o RunnerOptions) withDefaults() RunnerOptions {
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.StepTimeout <= 0 {
		o.StepTimeout = 5 * time.Second
	}
	return o
}

// Runner is the outbox relay of a worker process: it wakes up when outbox rows commit
// (LISTEN on the channel the outbox trigger notifies) and every Poll besides, then moves
// every pending outbox event into the log and publishes every unpublished entry, in
// bounded batches. Assignment goes on while publication fails (Redis away); the backlog
// goes out once the Publisher succeeds again.
type Runner struct {
	relay *Relay
	pub   Publisher
	pool  *pgxpool.Pool
	opts  RunnerOptions
	log   *slog.Logger
	m     *runnerMetrics

	wake       chan struct{}
	hard       context.Context // cancelled when a stop runs out of time
	cancelHard context.CancelFunc
	cancelSoft context.CancelFunc
	done       chan struct{}
	failing    int // consecutive publication failures, for logging once per outage
	stuck      int // consecutive assignment failures, likewise
}

// NewRunner returns a Runner moving events with relay, publishing with pub (nil: no
// fan-out), listening for wake-ups on a connection of pool, and registering its metrics
// with reg (nil: none).
func NewRunner(relay *Relay, pub Publisher, pool *pgxpool.Pool, opts RunnerOptions, log *slog.Logger, reg prometheus.Registerer) (*Runner, error) {
	m, err := newRunnerMetrics(reg)
	if err != nil {
		return nil, err
	}
	return &Runner{relay: relay, pub: pub, pool: pool, opts: opts.withDefaults(), log: log, m: m, wake: make(chan struct{}, 1)}, nil
}

// Start starts relaying in the background until Stop.
func (r *Runner) Start() {
	soft, cancelSoft := context.WithCancel(context.Background())
	r.hard, r.cancelHard = context.WithCancel(context.Background())
	r.cancelSoft = cancelSoft
	r.done = make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { r.listen(soft) })
	wg.Go(func() { r.loop(soft) })
	go func() { wg.Wait(); close(r.done) }()
}

// Stop asks the relay to finish its current step and stop; when ctx ends first, the step
// is cancelled (its transaction rolls back, so nothing is half done) and Stop returns
// ctx's error once the relay has stopped.
func (r *Runner) Stop(ctx context.Context) error {
	r.cancelSoft()
	select {
	case <-r.done:
		r.cancelHard()
		return nil
	case <-ctx.Done():
		r.cancelHard()
		<-r.done
		return ctx.Err()
	}
}

// Wake asks for a pass now (it never blocks).
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// loop runs a pass on every wake-up and every Poll until ctx ends.
func (r *Runner) loop(ctx context.Context) {
	tick := time.NewTicker(r.opts.Poll)
	defer tick.Stop()
	for {
		r.pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-tick.C:
		}
	}
}

// pass assigns offsets to every pending outbox event, then publishes every unpublished
// entry, batch by batch, stopping early when ctx ends or a step fails.
func (r *Runner) pass(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := r.step(func(ctx context.Context) (int, error) { return r.relay.Assign(ctx, r.opts.Batch) })
		if err != nil {
			if ctx.Err() == nil && r.stuck == 0 {
				r.log.Warn("relay: assigning offsets failed; retrying", slog.String("error", err.Error()))
			}
			r.stuck++
			break
		}
		if r.stuck > 0 {
			r.log.Info("relay: assigning offsets resumed", slog.Int("failed_attempts", r.stuck))
			r.stuck = 0
		}
		r.m.relayed.Add(float64(n))
		if n < r.opts.Batch {
			break
		}
	}
	for ctx.Err() == nil {
		n, err := r.step(r.publish)
		if err != nil {
			r.publishFailed(ctx, err)
			return
		}
		if r.failing > 0 {
			r.log.Info("relay: publishing resumed", slog.Int("failed_attempts", r.failing))
			r.failing = 0
		}
		if n < r.opts.Batch {
			return
		}
	}
}

// step runs one step with its own deadline, outliving a soft stop but not a hard one.
func (r *Runner) step(fn func(ctx context.Context) (int, error)) (int, error) {
	ctx, cancel := context.WithTimeout(r.hard, r.opts.StepTimeout)
	defer cancel()
	return fn(ctx)
}

// publish publishes one batch and records its metrics.
func (r *Runner) publish(ctx context.Context) (int, error) {
	entries, err := r.relay.Publish(ctx, r.opts.Batch, r.pub)
	if err != nil {
		return 0, err
	}
	now := time.Now()
	for _, e := range entries {
		r.m.lag.Observe(now.Sub(e.At).Seconds())
	}
	r.m.published.Add(float64(len(entries)))
	return len(entries), nil
}

// publishFailed counts a failed publication, logging the first of an outage only.
func (r *Runner) publishFailed(ctx context.Context, err error) {
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return
	}
	r.m.failures.Inc()
	if r.failing == 0 {
		r.log.Warn("relay: publishing failed; events keep being recorded and go out once it works again",
			slog.String("error", err.Error()))
	}
	r.failing++
}
