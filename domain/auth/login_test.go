package auth_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/kernel/kerneltest"
)

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name, pw, wantCode string
	}{
		{"empty", "", "validation_required"},
		{"7 ascii", "1234567", "invalid_password"},
		{"8 ascii", "12345678", ""},
		{"128 ascii", strings.Repeat("a", 128), ""},
		{"129 ascii", strings.Repeat("a", 129), "invalid_password"},
		{"7 runes in 14 bytes", strings.Repeat("é", 7), "invalid_password"},
		{"8 runes", strings.Repeat("é", 8), ""},
		{"128 runes in 512 bytes", strings.Repeat("😀", 128), ""},
		{"129 runes", strings.Repeat("😀", 129), "invalid_password"},
		{"spaces count", "        ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kerneltest.Code(auth.CheckPassword(tt.pw)); got != tt.wantCode {
				t.Fatalf("CheckPassword = %q, want %q", got, tt.wantCode)
			}
		})
	}
}

func TestLoginSuccess(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	pair, got, err := e.svc.Login(context.Background(), "  ANN@example.com ", "correct horse", auth.Client{UserAgent: "ua", IP: "198.51.100.7"})
	if err != nil {
		t.Fatal(err)
	}
	if got != acc {
		t.Errorf("account = %+v, want %+v", got, acc)
	}
	sess := e.store.Session(pair.SessionID)
	if sess.UserID != acc.ID || sess.UserAgent != "ua" || sess.IP != "198.51.100.7" || !sess.CreatedAt.Equal(t0) ||
		!sess.ExpiresAt.Equal(t0.Add(lifetimes.Absolute)) {
		t.Errorf("session = %+v", sess)
	}
	if len(pair.RefreshToken) < 43 || pair.ExpiresIn != lifetimes.Access {
		t.Errorf("pair = %+v; want a 256-bit refresh token and the access lifetime", pair)
	}
	rt := e.store.Refresh
	if len(rt) != 1 || rt[0].SessionID != sess.ID || string(rt[0].Hash) != string(auth.HashToken(pair.RefreshToken)) {
		t.Errorf("refresh tokens = %+v; want one, stored as the token's hash", rt)
	}
	if strings.Contains(string(rt[0].Hash), pair.RefreshToken) {
		t.Error("the refresh token is stored in clear")
	}
	c, err := e.tokens.Verify(pair.AccessToken)
	if err != nil || c.UserID != acc.ID || c.SessionID != sess.ID || c.Role != kernel.RoleUser ||
		!c.ExpiresAt.Equal(t0.Add(lifetimes.Access)) {
		t.Errorf("access claims = %+v, %v", c, err)
	}
	if len(e.audit.Items()) != 1 {
		t.Fatalf("audit = %+v", e.audit.Items())
	}
	if a := e.audit.Items()[0]; a.Action != "auth.login" || a.Entity != "session" || a.EntityID != sess.ID.String() || a.ActorID != acc.ID {
		t.Errorf("audit record = %+v", a)
	}
	if len(e.hasher.Verified()) != 1 || e.hasher.Hashes() != 0 || e.store.Passwords[acc.ID] != "hash:correct horse" {
		t.Errorf("verify calls %d, hash calls %d; want 1, 0 and the hash untouched", len(e.hasher.Verified()), e.hasher.Hashes())
	}
}

func TestLoginFailures(t *testing.T) {
	tests := []struct {
		name, email, pw string
		disabled        bool
		noPassword      bool
		want            error
	}{
		{"wrong password", "ann@example.com", "wrong password", false, false, auth.ErrInvalidCredentials},
		{"unknown e-mail", "nobody@example.com", "correct horse", false, false, auth.ErrInvalidCredentials},
		{"no credentials", "ann@example.com", "correct horse", false, true, auth.ErrInvalidCredentials},
		{"disabled, right password", "ann@example.com", "correct horse", true, false, auth.ErrAccountDisabled},
		{"disabled, wrong password", "ann@example.com", "wrong password", true, false, auth.ErrInvalidCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			pw := "correct horse"
			if tt.noPassword {
				pw = ""
			}
			acc := e.account(t, "ann@example.com", pw)
			if tt.disabled {
				e.disable(acc.ID)
			}
			pair, got, err := e.svc.Login(context.Background(), tt.email, tt.pw, auth.Client{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if pair != (auth.TokenPair{}) || got != (auth.Account{}) {
				t.Errorf("a failed login returned %+v, %+v", pair, got)
			}
			if len(e.hasher.Verified()) != 1 {
				t.Errorf("Verify called %d times, want exactly once", len(e.hasher.Verified()))
			}
			if len(e.store.Sessions) != 0 || len(e.audit.Items()) != 0 || e.tx.Commits() != 0 {
				t.Errorf("a failed login wrote: sessions %d, audit %v", len(e.store.Sessions), e.audit.Items())
			}
		})
	}
}

func TestLoginUnknownEmailVerifiesAgainstDummyHash(t *testing.T) {
	e := newEnv(t)
	e.account(t, "ann@example.com", "correct horse")
	for range 3 {
		if _, _, err := e.svc.Login(context.Background(), "ghost@example.com", "correct horse", auth.Client{}); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Fatalf("error = %v", err)
		}
	}
	if len(e.hasher.Verified()) != 3 {
		t.Fatalf("Verify called %d times, want 3", len(e.hasher.Verified()))
	}
	dummy := e.hasher.Verified()[0]
	if !strings.HasPrefix(dummy, "hash:") || dummy == "hash:correct horse" {
		t.Errorf("verified against %q; want a real hash of a random password", dummy)
	}
	if slices.ContainsFunc(e.hasher.Verified(), func(s string) bool { return s != dummy }) || e.hasher.Hashes() != 1 {
		t.Errorf("dummy hash not reused: verified %v, %d hashes made", e.hasher.Verified(), e.hasher.Hashes())
	}
}

func TestLoginDummyHashRecoversFromFailure(t *testing.T) {
	e := newEnv(t)
	e.account(t, "ann@example.com", "correct horse")
	e.hasher.HashErr = errors.New("transient")
	_, _, _ = e.svc.Login(context.Background(), "ghost@example.com", "pw123456", auth.Client{})
	e.hasher.HashErr = nil
	if _, _, err := e.svc.Login(context.Background(), "ghost@example.com", "pw123456", auth.Client{}); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("error = %v, want ErrInvalidCredentials once the hasher works again", err)
	}
}

func TestLoginRehash(t *testing.T) {
	for _, rehash := range []bool{false, true} {
		e := newEnv(t)
		acc := e.account(t, "ann@example.com", "")
		e.store.Passwords[acc.ID] = "old:correct horse"
		e.hasher.Rehash = rehash
		e.login(t, "ann@example.com", "correct horse")
		want, wantHashes := "old:correct horse", 0
		if rehash {
			want, wantHashes = "hash:correct horse", 1
		}
		if got := e.store.Passwords[acc.ID]; got != want || e.hasher.Hashes() != wantHashes {
			t.Errorf("rehash %v: stored %q after %d hashes, want %q after %d", rehash, got, e.hasher.Hashes(), want, wantHashes)
		}
	}
}

func TestLoginRehashOnlyAfterSuccess(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "ann@example.com", "correct horse")
	e.hasher.Rehash = true
	e.disable(acc.ID)
	if _, _, err := e.svc.Login(context.Background(), "ann@example.com", "correct horse", auth.Client{}); !errors.Is(err, auth.ErrAccountDisabled) {
		t.Fatalf("error = %v", err)
	}
	if e.hasher.Hashes() != 0 {
		t.Errorf("a refused login rehashed the password")
	}
}

func TestLoginValidation(t *testing.T) {
	tests := []struct {
		name, email, pw string
		want            map[string]string
	}{
		{"malformed e-mail", "not-an-email", "correct horse", map[string]string{"email": "invalid_email"}},
		{"display name", "Ann <ann@example.com>", "correct horse", map[string]string{"email": "invalid_email"}},
		{"empty e-mail", "", "correct horse", map[string]string{"email": "validation_required"}},
		{"empty password", "ann@example.com", "", map[string]string{"password": "validation_required"}},
		{"both", "x", "", map[string]string{"email": "invalid_email", "password": "validation_required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.account(t, "ann@example.com", "correct horse")
			_, _, err := e.svc.Login(context.Background(), tt.email, tt.pw, auth.Client{})
			got := kerneltest.FieldCodes(t, err)
			if len(got) != len(tt.want) {
				t.Fatalf("errors = %v, want %v", got, tt.want)
			}
			for f, c := range tt.want {
				if got[f] != c {
					t.Errorf("errors[%q] = %q, want %q", f, got[f], c)
				}
			}
			if len(e.hasher.Verified()) != 0 {
				t.Error("invalid input reached the hasher")
			}
		})
	}
}

func TestLoginInfrastructureErrors(t *testing.T) {
	boom := errors.New("db down")
	e := newEnv(t)
	e.account(t, "ann@example.com", "correct horse")
	e.accounts.err = boom
	if _, _, err := e.svc.Login(context.Background(), "ann@example.com", "correct horse", auth.Client{}); !errors.Is(err, boom) {
		t.Errorf("accounts failure: error = %v, want %v", err, boom)
	}
	e.accounts.err = nil
	e.hasher.VerifyErr = boom
	_, _, err := e.svc.Login(context.Background(), "ann@example.com", "correct horse", auth.Client{})
	if !errors.Is(err, boom) || errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("hasher failure: error = %v, want %v", err, boom)
	}
}

func TestLoginTruncatesClient(t *testing.T) {
	e := newEnv(t)
	e.account(t, "ann@example.com", "correct horse")
	ua := strings.Repeat("a", 511) + "é" // the 512-byte cut falls inside "é"
	pair, _, err := e.svc.Login(context.Background(), "ann@example.com", "correct horse", auth.Client{UserAgent: ua, IP: strings.Repeat("1", 100)})
	if err != nil {
		t.Fatal(err)
	}
	sess := e.store.Session(pair.SessionID)
	if sess.UserAgent != strings.Repeat("a", 511) || len(sess.IP) != 64 {
		t.Errorf("user agent %d bytes, IP %d bytes", len(sess.UserAgent), len(sess.IP))
	}
}

// Client metadata is kept without control characters (PostgreSQL refuses NUL in text,
// and a log or a sessions list should not carry escape sequences) and as valid UTF-8.
func TestLoginCleansClient(t *testing.T) {
	e := newEnv(t)
	e.account(t, "ann@example.com", "correct horse")
	client := auth.Client{UserAgent: "Mozilla\x00/5.0\x1b[31m \xff(X11)\n", IP: "198.51.100.7\x00"}
	pair, _, err := e.svc.Login(context.Background(), "ann@example.com", "correct horse", client)
	if err != nil {
		t.Fatal(err)
	}
	sess := e.store.Session(pair.SessionID)
	if sess.UserAgent != "Mozilla/5.0[31m \uFFFD(X11)" || sess.IP != "198.51.100.7" {
		t.Errorf("kept user agent %q, IP %q", sess.UserAgent, sess.IP)
	}
}

func TestStartSessionAuditsTheAccount(t *testing.T) {
	e := newEnv(t)
	acc := auth.Account{ID: kernel.NewID(), Role: kernel.RoleAdmin}
	pair, err := e.svc.StartSession(context.Background(), acc, auth.Client{})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := e.tokens.Verify(pair.AccessToken); c.Role != kernel.RoleAdmin || pair.SessionID == uuid.Nil {
		t.Errorf("claims = %+v", c)
	}
	if len(e.audit.Items()) != 1 || e.audit.Items()[0].ActorID != acc.ID {
		t.Errorf("audit = %+v", e.audit.Items())
	}
}
