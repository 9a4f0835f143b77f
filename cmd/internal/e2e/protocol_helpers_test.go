package e2e_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/rawhttp"
)

// rawDo sends head to the api over raw TCP (see rawhttp.Exchange).
func rawDo(t *testing.T, baseURL, head string, extra int) rawhttp.Result {
	t.Helper()
	return rawhttp.Exchange(t, baseURL, head, extra, 15*time.Second)
}

// pipeline sends n request heads (head(i) gives the i-th) on one connection while it
// reads their answers, and returns the status codes in order.
func pipeline(t *testing.T, baseURL string, n int, head func(i int) string) []int {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	if err != nil {
		t.Error(err)
		return nil
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
	go func() {
		bw := bufio.NewWriterSize(conn, 64<<10)
		for i := range n {
			if _, err := io.WriteString(bw, head(i)); err != nil {
				return
			}
		}
		_ = bw.Flush()
	}()
	br := bufio.NewReaderSize(conn, 64<<10)
	statuses := make([]int, 0, n)
	for len(statuses) < n {
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Errorf("answer %d of %d: %v", len(statuses)+1, n, err)
			break
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		statuses = append(statuses, res.StatusCode)
		if res.Close {
			break
		}
	}
	return statuses
}
