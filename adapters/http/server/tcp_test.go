package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Over a real listener: Fiber answers unknown methods before any middleware, and fasthttp
// may close the connection on an oversize body before the client reads the 413. These
// tests hold the server to the contract anyway.

func TestUnknownMethodOverTCP(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	url := h.listen(t)
	client := newClient(t)
	for _, target := range []string{"/livez", "/nope"} {
		req, err := http.NewRequest("FOO", url+target, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Language", "de")
		r := send(t, client, req)
		p := r.problem(t, http.StatusNotImplemented, "method_not_implemented")
		if r.Header.Get("Content-Language") != "de" || p["title"] == "Method not implemented" {
			t.Errorf("not localized: %s %v", r.Header.Get("Content-Language"), p["title"])
		}
	}
	// The server still serves normally afterwards.
	req, _ := http.NewRequest(http.MethodGet, url+"/livez", nil)
	if r := send(t, client, req); r.Status != 200 {
		t.Fatalf("livez after FOO: %d", r.Status)
	}
}

// chunkedReader hides its length so net/http sends the body chunked.
type chunkedReader struct{ r io.Reader }

func (c chunkedReader) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestOversizeBodyOverTCP(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	url := h.listen(t)
	tests := []struct {
		name    string
		size    int
		chunked bool
		expect  bool
	}{
		{"content-length just over", testBodyLimit + 1, false, false},
		{"content-length 64 KiB", 64 << 10, false, false},
		{"content-length 1 MiB", 1 << 20, false, false},
		{"chunked just over", testBodyLimit + 1, true, false},
		{"chunked 64 KiB", 64 << 10, true, false},
		{"chunked 1 MiB", 1 << 20, true, false},
		{"expect 100-continue 64 KiB", 64 << 10, false, true},
		{"expect 100-continue 1 MiB", 1 << 20, false, true},
		{"expect 100-continue chunked", 64 << 10, true, true},
		// Up to the server's drain limit (4 MiB) the body is read and discarded so the
		// client finishes sending and reads the 413; beyond it the connection is closed
		// and a client still writing sees a reset (see TestExpectContinueRefusedBeforeBody).
		{"content-length 3 MiB", 3 << 20, false, false},
		{"chunked 3 MiB", 3 << 20, true, false},
		{"expect 100-continue 3 MiB", 3 << 20, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client := newClient(t)
			body := bytes.Repeat([]byte("a"), tt.size)
			var rd io.Reader = bytes.NewReader(body)
			if tt.chunked {
				rd = chunkedReader{rd}
			}
			req, err := http.NewRequest(http.MethodPost, url+"/size", rd)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/octet-stream")
			req.Header.Set("Accept-Language", "es")
			if tt.expect {
				req.Header.Set("Expect", "100-continue")
			}
			r := send(t, client, req)
			p := r.problem(t, http.StatusRequestEntityTooLarge, "payload_too_large")
			if d, _ := p["detail"].(string); !strings.Contains(d, "4 KiB") {
				t.Errorf("detail %q does not state the limit", d)
			}
			if r.Header.Get("Content-Language") != "es" {
				t.Errorf("Content-Language %q", r.Header.Get("Content-Language"))
			}
		})
	}
}

func TestBodyWithinLimitOverTCP(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	url := h.listen(t)
	client := newClient(t)
	for _, tt := range []struct {
		size    int
		chunked bool
		expect  bool
	}{
		{testBodyLimit, false, false},
		{testBodyLimit, true, false},
		{testBodyLimit, false, true},
		{1, true, false},
		{100, false, false},
	} {
		var rd io.Reader = bytes.NewReader(bytes.Repeat([]byte("b"), tt.size))
		if tt.chunked {
			rd = chunkedReader{rd}
		}
		req, _ := http.NewRequest(http.MethodPost, url+"/size", rd)
		if tt.expect {
			req.Header.Set("Expect", "100-continue")
		}
		r := send(t, client, req)
		var got struct{ Bytes int }
		if r.Status != 200 || json.Unmarshal(r.Body, &got) != nil || got.Bytes != tt.size {
			t.Errorf("size %d chunked %v expect %v: %d %s", tt.size, tt.chunked, tt.expect, r.Status, r.Body)
		}
	}
}

// A JSON route behind the limit: the 413 comes before decoding.
func TestOversizeJSONOverTCP(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	url := h.listen(t)
	body := `{"name":"` + strings.Repeat("x", 2*testBodyLimit) + `"}`
	req, _ := http.NewRequest(http.MethodPost, url+"/echo", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	send(t, newClient(t), req).problem(t, http.StatusRequestEntityTooLarge, "payload_too_large")
}

// With Expect: 100-continue and a declared length over the limit, a careful server
// answers before asking for the body: a client that waits for 100 Continue then never
// sends it, and reads the 413 however large its body.
func TestExpectContinueRefusedBeforeBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	url := h.listen(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST /size HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", 10<<20)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("status %d %s: a declared Content-Length over the limit must be refused before 100 Continue",
			res.StatusCode, res.Header.Get("Content-Type"))
	}
	body, _ := io.ReadAll(res.Body)
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil || p["code"] != "payload_too_large" ||
		p["requestId"] != res.Header.Get("X-Request-Id") || p["instance"] != "/size" {
		t.Fatalf("problem %v %s (X-Request-Id %q)", err, body, res.Header.Get("X-Request-Id"))
	}
}
