package audit

import (
	"context"

	"github.com/keelhq/keel/domain/kernel"
)

// Repository stores the trail.
type Repository interface {
	// Append stores an entry, in the transaction carried by ctx when there is one.
	Append(ctx context.Context, e Entry) error
	// List returns up to page.Limit+1 entries matching f, newest first, after page.After.
	List(ctx context.Context, f Filter, page kernel.Page) ([]Entry, error)
}
