package memory

import (
	"bytes"

	"github.com/google/uuid"
)

// CompareIDs orders ids bytewise, as PostgreSQL orders uuid values: the in-memory stores'
// keyset pages follow the same order as the PostgreSQL ones.
func CompareIDs(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }
