package e2e_test

// Helpers of the notification end-to-end tests. Every name here starts with "nt" so that
// it cannot collide with the helpers of other files in this package.

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ntWorld is one stack with an api, an administrator and a database handle.
type ntWorld struct {
	s     *stack
	api   string
	admin idSession
	db    *pgxpool.Pool
	mail  *idMailbox
}

func ntNewWorld(t *testing.T) *ntWorld {
	t.Helper()
	// Few connections: PostgreSQL's are shared by every test running at once.
	s := newStack(t, slices.Concat(idGenerousLimits, []string{"DATABASE_MAX_CONNS=3"})...)
	api := s.start("api").URL
	s.start("worker") // sends the reset e-mails
	return &ntWorld{s: s, api: api, admin: idCreateAdmin(t, s, api), db: idDB(t, s), mail: idNewMailbox(s)}
}

// as sends a request with the session's token; headers are extra pairs.
func (w *ntWorld) as(t *testing.T, sess idSession, method, path string, body any, headers ...string) response {
	t.Helper()
	return do(t, method, w.api+path, body, idHeaders(idBearer(sess.Access), headers)...)
}

// notify sends an administrator's message and checks the 202 answer.
func (w *ntWorld) notify(t *testing.T, to, title string, data map[string]any) map[string]any {
	t.Helper()
	body := map[string]any{"userId": to, "kind": "admin.message", "title": title, "body": "Body of " + title}
	if data != nil {
		body["data"] = data
	}
	r := w.as(t, w.admin, http.MethodPost, "/v1/notifications", body)
	if r.Status != http.StatusAccepted {
		t.Fatalf("POST /v1/notifications = %d\n%s", r.Status, r.Body)
	}
	n := r.JSON(t)
	ntWantResource(t, n)
	if n["title"] != title || n["kind"] != "admin.message" || n["readAt"] != nil {
		t.Fatalf("sent %v", n)
	}
	return n
}

// ntPage is one decoded page of GET /v1/notifications.
type ntPage struct {
	Data       []map[string]any `json:"data"`
	Pagination struct {
		Limit      int     `json:"limit"`
		NextCursor *string `json:"nextCursor"`
		HasMore    bool    `json:"hasMore"`
	} `json:"pagination"`
}

// list reads one page of the session's notifications with the query (e.g. "?unread=true").
func (w *ntWorld) list(t *testing.T, sess idSession, query string, headers ...string) ntPage {
	t.Helper()
	r := w.as(t, sess, http.MethodGet, "/v1/notifications"+query, nil, headers...)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /v1/notifications%s = %d\n%s", query, r.Status, r.Body)
	}
	var p ntPage
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatal(err)
	}
	for _, n := range p.Data {
		ntWantResource(t, n)
	}
	return p
}

// ntTitles returns the page's titles, with "*" after a read one.
func ntTitles(p ntPage) []string {
	out := []string{}
	for _, n := range p.Data {
		title, _ := n["title"].(string)
		if n["readAt"] != nil {
			title += "*"
		}
		out = append(out, title)
	}
	return out
}

func ntWantTitles(t *testing.T, what string, p ntPage, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := ntTitles(p); !slices.Equal(got, want) {
		t.Fatalf("%s: %v, want %v", what, got, want)
	}
}

// ntWantResource checks that m is a `Notification` resource, exactly.
func ntWantResource(t *testing.T, m map[string]any) {
	t.Helper()
	want := []string{"body", "createdAt", "data", "id", "kind", "readAt", "title"}
	if got := slices.Sorted(idKeys(m)); !slices.Equal(got, want) {
		t.Fatalf("Notification members = %v, want %v", got, want)
	}
	if _, ok := m["data"].(map[string]any); !ok {
		t.Fatalf("data = %v, want an object", m["data"])
	}
	stamps := []string{"createdAt"}
	if m["readAt"] != nil {
		stamps = append(stamps, "readAt")
	}
	for _, k := range stamps {
		ts, _ := m[k].(string)
		if p, err := time.Parse(time.RFC3339Nano, ts); err != nil || p.Location() != time.UTC || !strings.HasSuffix(ts, "Z") {
			t.Fatalf("Notification.%s = %q, want an RFC 3339 timestamp in UTC", k, ts)
		}
	}
}

// ntOutboxRow is one notification.created row of outbox_events, with the transaction
// that wrote it.
type ntOutboxRow struct {
	Topic   string
	Payload map[string]any
}

// outbox returns the notification.created event of the notification id.
func (w *ntWorld) outbox(t *testing.T, id string) ntOutboxRow {
	t.Helper()
	var r ntOutboxRow
	var raw []byte
	err := w.db.QueryRow(context.Background(), `SELECT topic, payload FROM outbox_events
		WHERE name = 'notification.created' AND payload->>'id' = $1`, id).Scan(&r.Topic, &raw)
	if err != nil {
		t.Fatalf("outbox row of notification %s: %v", id, err)
	}
	if err := json.Unmarshal(raw, &r.Payload); err != nil {
		t.Fatal(err)
	}
	return r
}

// xmin returns the transaction that wrote the row of table with the id column equal to id.
func (w *ntWorld) xmin(t *testing.T, query, id string) string {
	t.Helper()
	var x string
	if err := w.db.QueryRow(context.Background(), query, id).Scan(&x); err != nil {
		t.Fatalf("%s [%s]: %v", query, id, err)
	}
	return x
}
