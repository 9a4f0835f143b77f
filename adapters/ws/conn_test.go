package ws

import (
	"testing"

	fws "github.com/fasthttp/websocket"
	"github.com/stretchr/testify/require"

	"github.com/keelhq/keel/platform/i18n"
)

// frameConn is a socketless connection that can answer client frames (it has a localizer).
func frameConn(t *testing.T, opts Options) *conn {
	t.Helper()
	b, err := i18n.NewBundle()
	require.NoError(t, err)
	c := testConn(New(Deps{Options: opts}))
	c.loc = b.Localizer("en")
	return c
}

// TestClientFrameRateBounded: a client that floods the hub with frames (each subscribe may
// cost a read of the event log) is closed with 1008 once it spends its burst, instead of
// having every frame acted on.
func TestClientFrameRateBounded(t *testing.T) {
	t.Parallel()
	c := frameConn(t, Options{ClientFrameRate: 5})
	burst := 2 * 5
	for range 3 * burst {
		c.receive(fws.TextMessage, []byte(`{"type":"ping"}`))
	}
	_, code, reason := c.take()
	require.Equal(t, closePolicy, code, "a flooding client is closed")
	require.Equal(t, "too_many_frames", reason)
}

// TestClientFrameRateAllowsBurst: frames within the burst are all answered.
func TestClientFrameRateAllowsBurst(t *testing.T) {
	t.Parallel()
	c := frameConn(t, Options{ClientFrameRate: 5})
	for range 10 {
		c.receive(fws.TextMessage, []byte(`{"type":"ping"}`))
	}
	got, code, _ := c.take()
	require.Zero(t, code)
	require.Len(t, got, 10)
}

// TestInvalidUTF8Closed: a text frame that is not UTF-8 fails the connection with 1007
// (RFC 6455, 8.1) instead of being decoded with replacement characters.
func TestInvalidUTF8Closed(t *testing.T) {
	t.Parallel()
	c := frameConn(t, Options{})
	c.receive(fws.TextMessage, []byte("{\"type\":\"ping\xff\"}"))
	_, code, _ := c.take()
	require.Equal(t, closeInvalidData, code)
}
