package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/keelhq/keel/adapters/postgres"
	"github.com/keelhq/keel/platform/testkit/pgtest"
	"github.com/keelhq/keel/ports"
)

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// fixedClock always tells the same time.
type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// event is a ports.Event carrying its wire data, which dataEncoding gives back.
type event struct {
	name, topic string
	data        any
}

func (e event) EventName() string  { return e.name }
func (e event) EventTopic() string { return e.topic }

// dataEncoding encodes the test's events as their data.
func dataEncoding(ev ports.Event) (any, bool) {
	e, ok := ev.(event)
	return e.data, ok
}

func open(t *testing.T) (context.Context, *bun.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx, pgtest.Open(t).Bun
}

// sized returns an object with an id and padding that encodes to exactly n bytes of JSON.
func sized(t *testing.T, n int) map[string]any {
	t.Helper()
	m := map[string]any{"id": "01a1fdc3-0000-7000-8000-000000000001", "pad": ""}
	b, _ := json.Marshal(m)
	m["pad"] = strings.Repeat("a", n-len(b))
	if b, _ := json.Marshal(m); len(b) != n {
		t.Fatalf("sized(%d) encodes to %d bytes", n, len(b))
	}
	return m
}

func TestPublish(t *testing.T) {
	t.Parallel()
	atLimit := sized(t, MaxPayloadSize)
	atLimitJSON, _ := json.Marshal(atLimit)
	tests := []struct {
		name string
		data any
		want string // the stored payload, compared as jsonb
	}{
		{"small", map[string]any{"id": "u1", "name": "Ann"}, `{"id": "u1", "name": "Ann"}`},
		{"struct", struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		}{"u2", "b@example.com"}, `{"id": "u2", "email": "b@example.com"}`},
		{"nil", nil, `null`},
		{"at the limit", atLimit, string(atLimitJSON)},
		{"over the limit", sized(t, MaxPayloadSize+1), `{"id": "01a1fdc3-0000-7000-8000-000000000001"}`},
		{"numeric id", map[string]any{"id": 42, "pad": strings.Repeat("x", 5000)}, `{"id": 42}`},
		{"over, no id", map[string]any{"pad": strings.Repeat("x", 5000)}, `{}`},
		{"over, not an object", strings.Repeat("x", 5000), `{}`},
	}
	ctx, db := open(t)
	events := NewEvents(db, fixedClock(t0.Add(time.Nanosecond)), dataEncoding)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := event{name: "user.updated", topic: "user:" + tt.name, data: tt.data}
			if err := events.Publish(ctx, ev); err != nil {
				t.Fatal(err)
			}
			var got row
			if err := db.NewSelect().Model(&got).Where("topic = ?", ev.topic).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			if got.Name != ev.name || !got.CreatedAt.Equal(t0) || !got.PublishedAt.IsZero() {
				t.Errorf("stored %s created %v published %v", got.Name, got.CreatedAt, got.PublishedAt)
			}
			var same bool
			err := db.NewRaw("SELECT payload = ?::jsonb FROM outbox_events WHERE topic = ?", tt.want, ev.topic).Scan(ctx, &same)
			if err != nil || !same {
				t.Errorf("payload %s, want %s (%v)", shorten(got.Payload), tt.want, err)
			}
		})
	}
}

func shorten(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

func TestPublishUnencodable(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	err := NewEvents(db, fixedClock(t0), dataEncoding).Publish(ctx, event{name: "x.y", topic: "x", data: make(chan int)})
	var unsupported *json.UnsupportedTypeError
	if !errors.As(err, &unsupported) {
		t.Errorf("got %v, want a json.UnsupportedTypeError", err)
	}
	if n, _ := db.NewSelect().Model((*row)(nil)).Count(ctx); n != 0 {
		t.Errorf("%d rows stored", n)
	}
}

func TestPublishWithoutEncoding(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	other := func(ports.Event) (any, bool) { return nil, false }
	if err := NewEvents(db, fixedClock(t0), other).Publish(ctx, event{name: "x.y", topic: "x"}); err == nil {
		t.Error("an event no encoding knows was published")
	}
	if n, _ := db.NewSelect().Model((*row)(nil)).Count(ctx); n != 0 {
		t.Errorf("%d rows stored", n)
	}
}

func TestPublishJoinsTransaction(t *testing.T) {
	t.Parallel()
	ctx, db := open(t)
	events := NewEvents(db, fixedClock(t0), dataEncoding)
	boom := errors.New("boom")
	count := func(ctx context.Context) int64 {
		n, err := postgres.Conn(ctx, db).NewSelect().Model((*row)(nil)).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	err := postgres.NewTransactor(db).Do(ctx, func(txCtx context.Context) error {
		if err := events.Publish(txCtx, event{name: "user.updated", topic: "user:1", data: map[string]string{"id": "1"}}); err != nil {
			return err
		}
		if n := count(txCtx); n != 1 {
			t.Errorf("inside the transaction: %d rows, want 1", n)
		}
		if n := count(ctx); n != 0 {
			t.Errorf("outside the transaction: %d rows, want 0", n)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Do: got %v, want boom", err)
	}
	if n := count(ctx); n != 0 {
		t.Errorf("after rollback: %d rows, want 0", n)
	}
}
