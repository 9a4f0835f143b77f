package notification

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
)

// Filter narrows a reader's list.
type Filter struct {
	// Unread keeps only what the reader has not read.
	Unread bool
}

// Repository stores notifications and their per-reader read state. A reader sees the
// notifications for their account and every broadcast; a broadcast is one notification
// with one read state per reader.
type Repository interface {
	// Create stores a new notification.
	Create(ctx context.Context, n *Notification) error
	// List returns up to page.Limit+1 of the reader's notifications matching f, newest
	// (highest id) first, after page.After, each with the reader's read state.
	List(ctx context.Context, reader uuid.UUID, f Filter, page kernel.Page) ([]Item, error)
	// MarkRead records that the reader read the notification at now (a notification read
	// already keeps its first time); ErrNotFound when the reader does not see it.
	MarkRead(ctx context.Context, reader, id uuid.UUID, now time.Time) error
	// MarkAllRead marks every unread notification the reader sees read at now, and
	// returns how many.
	MarkAllRead(ctx context.Context, reader uuid.UUID, now time.Time) (int64, error)
	// PurgeRead removes at most limit reads that happened before `before`, and returns
	// how many: a notification for one account goes with its read; a broadcast
	// disappears from the list of that reader only (it stays for the others). Each call
	// is its own transaction unless ctx carries one.
	PurgeRead(ctx context.Context, before time.Time, limit int) (int64, error)
}

// Recipients is how the context learns whether an account may receive notifications
// (implemented over the user context): false for an unknown or deleted account.
type Recipients interface {
	Exists(ctx context.Context, userID uuid.UUID) (bool, error)
}
