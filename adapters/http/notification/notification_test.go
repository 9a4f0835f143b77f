package notification_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/adapters/http/handlertest"
	httpnotification "github.com/keelhq/keel/adapters/http/notification"
	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
)

type fixture struct {
	*handlertest.Env
	ann, bob                 *user.User
	adminTok, annTok, bobTok string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := handlertest.New(t, nil)
	e.Mount((&httpnotification.Handler{Notifications: e.Notifications, Cursors: e.Cursors}).Routes()...)
	f := &fixture{Env: e}
	_, _, f.adminTok = e.Account(t, "root@example.com", "Root", "admin")
	f.ann, _, f.annTok = e.Account(t, "ann@example.com", "Ann", "user")
	f.bob, _, f.bobTok = e.Account(t, "bob@example.com", "Bob", "user")
	return f
}

func (f *fixture) send(t *testing.T, body string) handlertest.Answer {
	t.Helper()
	return f.Do(t, handlertest.Request{Method: http.MethodPost, Path: "/v1/notifications", Token: f.adminTok, Body: body})
}

// The answer to a send is the resource, and the event's wire data is the same JSON.
func TestSendAnswerIsTheEventData(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.send(t, `{"userId":"`+f.ann.ID().String()+`","kind":"admin.message","title":" Hi ","body":"There","data":{"n":1}}`)
	if a.Status != http.StatusAccepted {
		t.Fatalf("status %d %s", a.Status, a.Body)
	}
	got := a.JSON(t)
	if got["title"] != "Hi" || got["readAt"] != nil || got["kind"] != "admin.message" || !strings.HasSuffix(got["createdAt"].(string), "Z") {
		t.Fatalf("answer %v", got)
	}
	var ev ports.Event
	for _, e := range f.Events.Events() {
		if e.EventName() == notification.EventCreated {
			ev = e
		}
	}
	data, ok := httpnotification.EventData(ev)
	if !ok {
		t.Fatal("EventData does not know notification.created")
	}
	buf, _ := json.Marshal(data)
	var wire map[string]any
	_ = json.Unmarshal(buf, &wire)
	if !reflect.DeepEqual(wire, got) {
		t.Errorf("event data %v, answer %v", wire, got)
	}
	if _, ok := httpnotification.EventData(user.Event{Name: user.EventUpdated}); ok {
		t.Error("EventData claims a user event")
	}
}

// A non-admin learns nothing from how a send validates: 403 before the body is read.
func TestSendPolicyFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	before := f.Written(t)
	a := f.Do(t, handlertest.Request{Method: http.MethodPost, Path: "/v1/notifications", Token: f.annTok, Body: `{"bogus":`})
	if a.Status != http.StatusForbidden || a.Code != "forbidden" {
		t.Fatalf("status %d %s", a.Status, a.Body)
	}
	if n := f.Written(t); n != before {
		t.Errorf("%d writes, want %d", n, before)
	}
}

func TestReadAndList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mine := f.send(t, `{"userId":"`+f.ann.ID().String()+`","kind":"admin.message","title":"Mine","body":"b"}`).JSON(t)
	f.send(t, `{"userId":"all","kind":"admin.message","title":"All","body":"b"}`)
	f.Clock.Advance(time.Minute)
	read := func(tok, id string) handlertest.Answer {
		return f.Do(t, handlertest.Request{Method: http.MethodPost, Path: "/v1/notifications/" + id + "/read", Token: tok})
	}
	if a := read(f.bobTok, mine["id"].(string)); a.Status != http.StatusNotFound || a.Code != "not_found" {
		t.Fatalf("bob reads ann's: %d %s", a.Status, a.Body)
	}
	if a := read(f.annTok, mine["id"].(string)); a.Status != http.StatusNoContent || len(a.Body) != 0 {
		t.Fatalf("ann reads hers: %d %s", a.Status, a.Body)
	}
	list := func(tok, query string) handlertest.Page {
		return f.Do(t, handlertest.Request{Method: http.MethodGet, Path: "/v1/notifications" + query, Token: tok}).Page(t)
	}
	p := list(f.annTok, "?limit=1")
	if len(p.Data) != 1 || p.Data[0]["title"] != "All" || p.Data[0]["readAt"] != nil || !p.Pagination.HasMore {
		t.Fatalf("ann's first page %+v", p)
	}
	p2 := list(f.annTok, "?limit=1&cursor="+*p.Pagination.NextCursor)
	want := f.Clock.Now().UTC().Format(time.RFC3339)
	if len(p2.Data) != 1 || p2.Data[0]["title"] != "Mine" || p2.Data[0]["readAt"] != want || p2.Pagination.HasMore {
		t.Fatalf("ann's second page %+v, want readAt %s", p2, want)
	}
	// A cursor is bound to its reader: bob cannot walk ann's list with it.
	a := f.Do(t, handlertest.Request{Method: http.MethodGet, Path: "/v1/notifications?limit=1&cursor=" + *p.Pagination.NextCursor, Token: f.bobTok})
	if a.Status != http.StatusBadRequest || a.Code != "invalid_cursor" {
		t.Fatalf("bob with ann's cursor: %d %s", a.Status, a.Body)
	}
	if a := f.Do(t, handlertest.Request{Method: http.MethodPost, Path: "/v1/notifications/read-all", Token: f.bobTok}); a.Status != http.StatusNoContent {
		t.Fatalf("read-all: %d %s", a.Status, a.Body)
	}
	if p := list(f.bobTok, "?unread=true"); len(p.Data) != 0 {
		t.Errorf("bob unread after read-all: %v", p.Data)
	}
	if p := list(f.annTok, "?unread=true"); len(p.Data) != 1 || p.Data[0]["title"] != "All" {
		t.Errorf("ann unread: %v", p.Data)
	}
}
