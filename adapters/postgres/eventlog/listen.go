package eventlog

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// notifyChannel is the channel the outbox_events trigger notifies (see the migration).
const notifyChannel = "outbox_events"

// listen keeps a LISTEN connection (taken out of the pool for good) until ctx ends, waking
// the relay on every notification, and after every (re)connection for what it may have
// missed. A lost connection is re-made with backoff; meanwhile the poll covers.
func (r *Runner) listen(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := r.listenOnce(ctx, &backoff)
		if ctx.Err() != nil {
			return
		}
		if backoff == 100*time.Millisecond { // the first failure since the last success
			r.log.Warn("relay: outbox notifications lost; reconnecting (the poll covers meanwhile)",
				slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listenOnce listens on one connection until it fails or ctx ends; once listening, it
// resets the caller's backoff.
func (r *Runner) listenOnce(ctx context.Context, backoff *time.Duration) error {
	acquireCtx, cancel := context.WithTimeout(ctx, r.opts.StepTimeout)
	defer cancel()
	pooled, err := r.pool.Acquire(acquireCtx)
	if err != nil {
		return fmt.Errorf("acquire a connection: %w", err)
	}
	// A listening connection must not go back to the pool: it leaves it, and is closed.
	conn := pooled.Hijack()
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(acquireCtx, "LISTEN "+notifyChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	*backoff = 100 * time.Millisecond
	r.Wake()
	for {
		// No deadline here on purpose: waiting is all this connection does, and ctx ends
		// it on stop. Every statement of the relay has its own deadline (StepTimeout).
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("wait for notifications: %w", err)
		}
		r.Wake()
	}
}
