package kernel_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/domain/kernel"
)

func TestAppendIDIsString(t *testing.T) {
	for _, id := range []uuid.UUID{uuid.Nil, uuid.Max, kernel.NewID(), uuid.New()} {
		if got := string(kernel.AppendID([]byte("x"), id)); got != "x"+id.String() {
			t.Errorf("AppendID = %q, want %q", got, "x"+id.String())
		}
	}
}

func TestParseEmail(t *testing.T) {
	// 254 bytes; DNS labels are at most 63 octets.
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." +
		strings.Repeat("d", 63) + ".com"
	tests := []struct {
		name    string
		in      string
		want    kernel.Email
		wantErr error
	}{
		{"plain", "alice@example.com", "alice@example.com", nil},
		{"lower-cased", "Alice@Example.COM", "alice@example.com", nil},
		{"trimmed", "  bob@example.org \t\n", "bob@example.org", nil},
		{"plus and subdomain", "a.b+tag@mail.example.co.uk", "a.b+tag@mail.example.co.uk", nil},
		{"254 characters", long, kernel.Email(long), nil},
		{"empty", "", "", validation.ErrRequired},
		{"blank", "   ", "", validation.ErrRequired},
		{"255 characters", long[:64] + "@b" + long[65:], "", kernel.ErrInvalidEmail},
		{"label over 63 octets", "a@" + strings.Repeat("b", 64) + ".com", "", kernel.ErrInvalidEmail},
		{"display name", "Alice <alice@example.com>", "", kernel.ErrInvalidEmail},
		{"angle brackets", "<alice@example.com>", "", kernel.ErrInvalidEmail},
		{"no tld", "alice@localhost", "", kernel.ErrInvalidEmail},
		{"no at", "alice.example.com", "", kernel.ErrInvalidEmail},
		{"no local part", "@example.com", "", kernel.ErrInvalidEmail},
		{"two addresses", "a@example.com, b@example.com", "", kernel.ErrInvalidEmail},
		{"trailing dot", "a@example.com.", "", kernel.ErrInvalidEmail},
		{"quoted local part", `"a b"@example.com`, "", kernel.ErrInvalidEmail},
		{"inner space", "a b@example.com", "", kernel.ErrInvalidEmail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kernel.ParseEmail(tt.in)
			if !sameError(err, tt.wantErr) {
				t.Fatalf("ParseEmail(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("ParseEmail(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseEmailLengthBoundary(t *testing.T) {
	local := strings.Repeat("a", 64)
	for _, n := range []int{254, 255} {
		s := local + "@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." +
			strings.Repeat("d", n-len(local)-1-122-len(".com")) + ".com"
		if len(s) != n {
			t.Fatalf("built %d characters, want %d", len(s), n)
		}
		_, err := kernel.ParseEmail(s)
		if (err == nil) != (n <= 254) {
			t.Errorf("ParseEmail(<%d characters>) error = %v", n, err)
		}
	}
}

func TestParseLocale(t *testing.T) {
	tests := []struct {
		in      string
		want    kernel.Locale
		wantErr error
	}{
		{"en", kernel.LocaleEN, nil},
		{"de", kernel.LocaleDE, nil},
		{"es", kernel.LocaleES, nil},
		{" DE ", kernel.LocaleDE, nil},
		{"", "", validation.ErrRequired},
		{"  ", "", validation.ErrRequired},
		{"fr", "", kernel.ErrInvalidLocale},
		{"en-US", "", kernel.ErrInvalidLocale},
		{"english", "", kernel.ErrInvalidLocale},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := kernel.ParseLocale(tt.in)
			if !sameError(err, tt.wantErr) || got != tt.want {
				t.Fatalf("ParseLocale(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
	if kernel.DefaultLocale != kernel.LocaleEN {
		t.Errorf("DefaultLocale = %q, want en", kernel.DefaultLocale)
	}
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in      string
		want    kernel.Role
		wantErr error
	}{
		{"user", kernel.RoleUser, nil},
		{"admin", kernel.RoleAdmin, nil},
		{"", "", validation.ErrRequired},
		{"Admin", "", kernel.ErrInvalidRole},
		{" admin", "", kernel.ErrInvalidRole},
		{"root", "", kernel.ErrInvalidRole},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := kernel.ParseRole(tt.in)
			if !sameError(err, tt.wantErr) || got != tt.want {
				t.Fatalf("ParseRole(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestNewPage(t *testing.T) {
	after := kernel.NewID()
	tests := []struct {
		limit     int
		wantLimit int
		wantErr   bool
	}{
		{0, 20, false},
		{1, 1, false},
		{20, 20, false},
		{100, 100, false},
		{101, 0, true},
		{-1, 0, true},
		{1 << 30, 0, true},
	}
	for _, tt := range tests {
		p, err := kernel.NewPage(tt.limit, after)
		if tt.wantErr {
			var errs validation.Errors
			if !errors.As(err, &errs) || !sameError(errs["limit"], kernel.ErrInvalidLimit) || len(errs) != 1 {
				t.Errorf("NewPage(%d) error = %v, want {limit: out_of_range}", tt.limit, err)
			}
			if p != (kernel.Page{}) {
				t.Errorf("NewPage(%d) = %+v on error, want zero", tt.limit, p)
			}
			continue
		}
		if err != nil || p.Limit != tt.wantLimit || p.After != after {
			t.Errorf("NewPage(%d) = %+v, %v; want limit %d after %s", tt.limit, p, err, tt.wantLimit, after)
		}
	}
}

func TestChangesSet(t *testing.T) {
	ch := kernel.Changes{}
	ch.Set("name", "Ann", "Ann")
	ch.Set("locale", "en", "de")
	ch.Set("verified", false, false)
	ch.Set("role", nil, "user")
	ch.Set("count", 1, int64(1)) // different dynamic types differ
	want := kernel.Changes{
		"locale": {From: "en", To: "de"},
		"role":   {From: nil, To: "user"},
		"count":  {From: 1, To: int64(1)},
	}
	if len(ch) != len(want) {
		t.Fatalf("Changes = %v, want %v", ch, want)
	}
	for k, w := range want {
		if ch[k] != w {
			t.Errorf("Changes[%q] = %v, want %v", k, ch[k], w)
		}
	}
}

func TestNewIDIsTimeOrderedV7(t *testing.T) {
	a, b := kernel.NewID(), kernel.NewID()
	if a.Version() != 7 || b.Version() != 7 {
		t.Fatalf("versions %d, %d; want 7", a.Version(), b.Version())
	}
	if a == b || a == uuid.Nil {
		t.Fatalf("ids %s, %s not unique", a, b)
	}
	if strings.Compare(a.String(), b.String()) >= 0 {
		t.Errorf("ids not increasing: %s then %s", a, b)
	}
}

func TestTimestamp(t *testing.T) {
	in := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("x", 3600))
	got := kernel.Timestamp(in)
	if got.Location() != time.UTC || got.Nanosecond() != 123456000 || !got.Equal(in.Truncate(time.Microsecond)) {
		t.Errorf("Timestamp = %v", got)
	}
}

func TestErrors(t *testing.T) {
	e := kernel.NewError(kernel.KindConflict, "email_taken")
	wrapped := errors.Join(errors.New("other"), e)
	got, ok := kernel.AsError(wrapped)
	if !ok || got != e || got.Code() != "email_taken" || got.Kind() != kernel.KindConflict || got.Error() != "email_taken" {
		t.Fatalf("AsError = %v, %v", got, ok)
	}
	if _, ok := kernel.AsError(errors.New("plain")); ok {
		t.Error("AsError found a kernel error in a plain error")
	}
}

// sameError compares validation errors by code (validation.ErrorObject is not comparable,
// so errors.Is cannot match it) and other errors with errors.Is.
func sameError(err, want error) bool {
	var got, w validation.Error
	if errors.As(want, &w) {
		return errors.As(err, &got) && got.Code() == w.Code()
	}
	return errors.Is(err, want)
}

func TestTrim(t *testing.T) {
	for _, tc := range []struct {
		n, limit, want int
		more           bool
	}{{0, 3, 0, false}, {3, 3, 3, false}, {4, 3, 3, true}} {
		items := make([]int, tc.n)
		got, more := kernel.Trim(items, kernel.Page{Limit: tc.limit})
		if len(got) != tc.want || more != tc.more {
			t.Errorf("Trim(%d items, limit %d) = %d, %v; want %d, %v", tc.n, tc.limit, len(got), more, tc.want, tc.more)
		}
	}
}
