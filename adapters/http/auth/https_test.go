package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/adapters/http/handlertest"
)

// Over HTTPS the refresh cookie is Secure and SameSite=None (a web client on another
// origin must send it), and clearing it is Secure too. A request counts as HTTPS when
// a trusted proxy says so with X-Forwarded-Proto (app.Test's peer is 0.0.0.0, trusted
// here), or when it arrives over TLS.
func TestAuthCookieOverHTTPSBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, map[string]string{"HTTP_TRUSTED_PROXIES": "0.0.0.0"})
	https := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}

	login := post("/login", `{"email":"ann@example.com","password":"`+handlertest.Password+`"}`)
	login.Header = https
	a := f.Do(t, login)
	if a.Status != http.StatusOK {
		t.Fatalf("sign in: %d %s", a.Status, a.Body)
	}
	body := wantPair(t, f, a, true, true)

	refresh := post("/refresh", "")
	refresh.Header = map[string]string{"X-Forwarded-Proto": "https", "Origin": handlertest.AllowedOrigin}
	refresh.Cookies = []*http.Cookie{{Name: cookieName, Value: body["refreshToken"].(string)}}
	a = f.Do(t, refresh)
	if a.Status != http.StatusOK {
		t.Fatalf("refresh: %d %s", a.Status, a.Body)
	}
	wantPair(t, f, a, false, true)

	a = f.Do(t, handlertest.Request{Method: http.MethodPost, Path: "/v1/auth/logout", Token: f.annTok, Header: https})
	if c := a.Cookie(cookieName); a.Status != http.StatusNoContent || c == nil || !c.Secure || c.Value != "" ||
		c.SameSite != http.SameSiteNoneMode {
		t.Errorf("sign out over https: %d %v, want the cookie cleared Secure and SameSite=None as it was set",
			a.Status, a.Header.Values("Set-Cookie"))
	}

	// Plain HTTP through the same proxy keeps the development cookie.
	login.Header = map[string]string{"X-Forwarded-Proto": "http"}
	a = f.Do(t, login)
	wantPair(t, f, a, true, false)
}

// A client's own X-Forwarded-Proto is not believed without a trusted proxy: the cookie
// stays the plain-HTTP one.
func TestAuthCookieIgnoresUntrustedForwardedProto(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	login := post("/login", `{"email":"ann@example.com","password":"`+handlertest.Password+`"}`)
	login.Header = map[string]string{"X-Forwarded-Proto": "https"}
	wantPair(t, f, f.Do(t, login), true, false)
}

func TestAuthCookieOverTLS(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	cert := selfSigned(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.App.Listener(ln) }()
	t.Cleanup(func() {
		_ = f.App.Shutdown()
		<-done
	})
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the test's own certificate
	}}
	res, err := client.Post("https://"+ln.Addr().String()+"/v1/auth/login", "application/json",
		strings.NewReader(`{"email":"ann@example.com","password":"`+handlertest.Password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign in over TLS: %d %s", res.StatusCode, b)
	}
	wantPair(t, f, handlertest.Answer{Status: res.StatusCode, Header: res.Header, Body: b, Cookies: res.Cookies()}, true, true)
}

// selfSigned returns a certificate for 127.0.0.1.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "keel test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
