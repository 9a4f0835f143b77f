// Package notification is the notification bounded context: messages for one account or
// for everyone (a broadcast, one row listed for every account with its own read state),
// read and listed by their recipients, sent by administrators or by the service itself.
package notification

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
)

// Kinds of notification. The service's own kinds are sent by the service only; an
// administrator's message is always KindAdminMessage.
const (
	KindAdminMessage    Kind = "admin.message"
	KindNewSignIn       Kind = "security.new_sign_in"
	KindPasswordChanged Kind = "security.password_changed"
	KindRoleChanged     Kind = "account.role_changed"
)

// Kind names what a notification is about: dot-separated lower-case words.
type Kind string

// kindPattern is the shape of every kind, e.g. "security.new_sign_in".
var kindPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)

const maxKindLength = 64

// ErrInvalidKind is the validation error of a kind an action does not accept.
var ErrInvalidKind = validation.NewError("invalid_kind", "must be admin.message")

// ParseKind accepts a well-formed kind.
func ParseKind(s string) (Kind, error) {
	if s == "" {
		return "", validation.ErrRequired
	}
	if len(s) > maxKindLength || !kindPattern.MatchString(s) {
		return "", ErrInvalidKind
	}
	return Kind(s), nil
}

// Text bounds, in characters.
const (
	MaxTitleLength = 200
	MaxBodyLength  = 1000
	// MaxDataSize bounds the data object, in bytes of compact JSON.
	MaxDataSize = 1024
)

// Validation errors of a notification's fields.
var (
	ErrInvalidTitle = validation.NewError("length_out_of_range", "must be between {{.min}} and {{.max}} characters long").
			SetParams(map[string]any{"min": 1, "max": MaxTitleLength})
	ErrInvalidBody = validation.NewError("length_out_of_range", "must be between {{.min}} and {{.max}} characters long").
			SetParams(map[string]any{"min": 1, "max": MaxBodyLength})
	ErrDataTooLarge = validation.NewError("data_too_large", "must be at most {{.max}} bytes of JSON").
			SetParams(map[string]any{"max": MaxDataSize})
	ErrInvalidRecipient = validation.NewError("invalid_recipient", `must be a user id or "all"`)
	// ErrDataCharacters is data holding a NUL, which PostgreSQL's jsonb cannot store.
	ErrDataCharacters = validation.NewError("invalid_characters", "must not contain control characters")
)

// Title is a notification's headline: 1 to MaxTitleLength characters, no control
// characters, line breaks or bidirectional overrides.
type Title string

// Body is a notification's text: 1 to MaxBodyLength characters; line breaks and tabs allowed.
type Body string

// ParseTitle trims s and checks it.
func ParseTitle(s string) (Title, error) {
	s, err := parseText(s, MaxTitleLength, false, ErrInvalidTitle)
	return Title(s), err
}

// ParseBody trims s and checks it.
func ParseBody(s string) (Body, error) {
	s, err := parseText(s, MaxBodyLength, true, ErrInvalidBody)
	return Body(s), err
}

func parseText(s string, max int, multiline bool, invalid error) (string, error) {
	s = strings.TrimSpace(s)
	if strings.TrimFunc(s, invisible) == "" {
		return "", validation.ErrRequired // nothing a reader would see
	}
	bad := strings.ContainsFunc(s, func(r rune) bool {
		if multiline && (r == '\n' || r == '\t' || r == '\r') {
			return false
		}
		return unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) || bidiControl(r)
	})
	if bad || !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return "", invalid
	}
	return s, nil
}

// invisible reports the characters that show nothing: spaces and format characters (the
// zero-width space, joiners, the byte order mark).
func invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)
}

// bidiControl reports the embedding, override and isolate controls, which can make text
// read differently from what it is (zero-width joiners, which emoji need, stay allowed).
func bidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// Data is a notification's machine-readable details: a JSON object of at most
// MaxDataSize bytes, never nil.
type Data map[string]any

// ParseData checks the size of d (nil is the empty object) and that no key or string in
// it holds a NUL: PostgreSQL's jsonb refuses one, so the notification and its event could
// not be stored as they were answered.
func ParseData(d map[string]any) (Data, error) {
	if d == nil {
		return Data{}, nil
	}
	// Measured as compact JSON without Go's HTML-safe escapes ("<" is one byte, not six);
	// the encoder's trailing newline is not counted.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil || buf.Len()-1 > MaxDataSize {
		return nil, ErrDataTooLarge
	}
	if holdsNUL(d) {
		return nil, ErrDataCharacters
	}
	return Data(d), nil
}

// holdsNUL reports whether a decoded JSON value has a NUL in a key or a string.
func holdsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, 0)
	case map[string]any:
		for k, e := range v {
			if strings.ContainsRune(k, 0) || holdsNUL(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if holdsNUL(e) {
				return true
			}
		}
	}
	return false
}

// Recipient is who a notification is for: one account, or everyone (a broadcast).
type Recipient struct {
	user uuid.UUID
}

// Everyone is the recipient of a broadcast.
var Everyone = Recipient{}

// User is the recipient of a notification for one account; it panics on uuid.Nil, which
// names nobody (use Everyone for a broadcast).
func User(id uuid.UUID) Recipient {
	if id == uuid.Nil {
		panic("notification: User(uuid.Nil)")
	}
	return Recipient{user: id}
}

// ParseRecipient accepts "all" or a user id in its hyphenated form.
func ParseRecipient(s string) (Recipient, error) {
	if s == "" {
		return Recipient{}, validation.ErrRequired
	}
	if s == "all" {
		return Everyone, nil
	}
	id, err := uuid.Parse(s)
	if err != nil || id == uuid.Nil || !strings.EqualFold(id.String(), s) {
		return Recipient{}, ErrInvalidRecipient
	}
	return User(id), nil
}

// Broadcast reports whether the recipient is everyone.
func (r Recipient) Broadcast() bool { return r.user == uuid.Nil }

// UserID returns the account the notification is for (uuid.Nil for a broadcast).
func (r Recipient) UserID() uuid.UUID { return r.user }

// String is "all" or the user id.
func (r Recipient) String() string {
	if r.Broadcast() {
		return "all"
	}
	return r.user.String()
}

// Notification is one message. It is always valid: built by New or Restore, never changed.
type Notification struct {
	id        uuid.UUID
	recipient Recipient
	kind      Kind
	title     Title
	body      Body
	data      Data
	createdAt time.Time
}

// New returns a notification for the recipient.
func New(to Recipient, kind Kind, title Title, body Body, data Data, now time.Time) *Notification {
	if data == nil {
		data = Data{}
	}
	return &Notification{
		id: kernel.NewID(), recipient: to, kind: kind, title: title, body: body, data: data,
		createdAt: kernel.Timestamp(now),
	}
}

// Record is a notification's state in primitive form, for storage and events.
type Record struct {
	ID uuid.UUID
	// UserID is the recipient, uuid.Nil for a broadcast.
	UserID    uuid.UUID
	Kind      string
	Title     string
	Body      string
	Data      map[string]any
	CreatedAt time.Time
}

// Restore rebuilds a notification from storage, refusing a record that breaks an invariant.
func Restore(r Record) (*Notification, error) {
	kind, err1 := ParseKind(r.Kind)
	title, err2 := ParseTitle(r.Title)
	body, err3 := ParseBody(r.Body)
	if err := firstErr(err1, err2, err3); err != nil || r.ID == uuid.Nil || r.CreatedAt.IsZero() ||
		string(title) != r.Title || string(body) != r.Body {
		return nil, fmt.Errorf("restore notification %s: corrupt record: %v", r.ID, err)
	}
	data := Data(r.Data)
	if data == nil {
		data = Data{}
	}
	return &Notification{
		id: r.ID, recipient: Recipient{user: r.UserID}, kind: kind, title: title, body: body, data: data,
		createdAt: r.CreatedAt,
	}, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Record returns the notification's state.
func (n *Notification) Record() Record {
	return Record{
		ID: n.id, UserID: n.recipient.user, Kind: string(n.kind), Title: string(n.title), Body: string(n.body),
		Data: n.data, CreatedAt: n.createdAt,
	}
}

// ID returns the notification's id.
func (n *Notification) ID() uuid.UUID { return n.id }

// Recipient returns who the notification is for.
func (n *Notification) Recipient() Recipient { return n.recipient }

// Kind returns what the notification is about.
func (n *Notification) Kind() Kind { return n.kind }

// Title returns the headline.
func (n *Notification) Title() Title { return n.title }

// Body returns the text.
func (n *Notification) Body() Body { return n.body }

// Data returns the details (do not change the map).
func (n *Notification) Data() Data { return n.data }

// CreatedAt returns when the notification was sent.
func (n *Notification) CreatedAt() time.Time { return n.createdAt }

// VisibleTo reports whether the account may see the notification: its own, or a broadcast.
func (n *Notification) VisibleTo(userID uuid.UUID) bool {
	return userID != uuid.Nil && (n.recipient.Broadcast() || n.recipient.user == userID)
}

// Item is a notification as one reader sees it: with the reader's own read state.
type Item struct {
	Notification *Notification
	// ReadAt is when the reader read it; zero when unread.
	ReadAt time.Time
}

// Read reports whether the reader has read it.
func (i Item) Read() bool { return !i.ReadAt.IsZero() }
