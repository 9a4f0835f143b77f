package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
)

// Cursors makes opaque, tamper-evident keyset cursors. A cursor names the last item of a
// page and is bound to its list (the route and its filters), so one altered, or taken from
// another list, is refused.
type Cursors struct {
	key []byte
}

// NewCursors returns a codec keyed by secret.
func NewCursors(secret string) *Cursors {
	k := sha256.Sum256([]byte("keel cursor v1\x00" + secret))
	return &Cursors{key: k[:]}
}

const cursorMACLen = 16

// Encode returns the cursor after id in list.
func (c *Cursors) Encode(list string, id uuid.UUID) string {
	buf := make([]byte, 0, 16+cursorMACLen)
	buf = append(buf, id[:]...)
	buf = append(buf, c.mac(list, id)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// Decode returns the id a cursor of list names; "" is the first page (uuid.Nil).
func (c *Cursors) Decode(list, cursor string) (uuid.UUID, error) {
	if cursor == "" {
		return uuid.Nil, nil
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor) // one spelling per cursor
	if err != nil || len(raw) != 16+cursorMACLen {
		return uuid.Nil, kernel.ErrInvalidCursor
	}
	id, _ := uuid.FromBytes(raw[:16])
	if !hmac.Equal(raw[16:], c.mac(list, id)) {
		return uuid.Nil, kernel.ErrInvalidCursor
	}
	return id, nil
}

func (c *Cursors) mac(list string, id uuid.UUID) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(list))
	m.Write([]byte{0})
	m.Write(id[:])
	return m.Sum(nil)[:cursorMACLen]
}

// Pagination is the `pagination` member of a page.
type Pagination struct {
	Limit      int     `json:"limit" required:"true"`
	NextCursor *string `json:"nextCursor" required:"true"`
	HasMore    bool    `json:"hasMore" required:"true"`
}

// Page is a keyset-paginated list response.
type Page[T any] struct {
	Data       []T        `json:"data" required:"true" nullable:"false"`
	Pagination Pagination `json:"pagination" required:"true"`
}

// List is an unpaginated list response.
type List[T any] struct {
	Data []T `json:"data" required:"true" nullable:"false"`
}

// NewPage converts items to a page, with a cursor after the last one when more follow.
func NewPage[S, T any](c *Cursors, list string, items []S, limit int, hasMore bool, id func(S) uuid.UUID, conv func(S) T) Page[T] {
	p := Page[T]{Data: make([]T, len(items)), Pagination: Pagination{Limit: limit, HasMore: hasMore}}
	for i, it := range items {
		p.Data[i] = conv(it)
	}
	if hasMore && len(items) > 0 {
		next := c.Encode(list, id(items[len(items)-1]))
		p.Pagination.NextCursor = &next
	}
	return p
}

// Page reads a list's limit (nil for the default) and cursor into the domain's page:
// the cursor must be one this codec made for list.
func (c *Cursors) Page(list string, limit *int, cursor string) (kernel.Page, error) {
	n := 0
	if limit != nil {
		n = *limit
		if n == 0 {
			return kernel.Page{}, validation.Errors{"limit": kernel.ErrInvalidLimit}
		}
	}
	page, err := kernel.NewPage(n, uuid.Nil)
	if err != nil {
		return kernel.Page{}, err
	}
	if page.After, err = c.Decode(list, cursor); err != nil {
		return kernel.Page{}, err
	}
	return page, nil
}
