package fanout

import (
	"encoding/json"
	"errors"
	"hash/fnv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/postgres/eventlog"
)

func TestShard(t *testing.T) {
	t.Parallel()
	// FNV-1a 32 of "broadcast" and "admin", written out so a change of hash shows.
	tests := []struct {
		topic string
		want  int
	}{
		{"", int(uint32(2166136261) % Shards)},
		{"a", int(uint32(0xe40c292c) % Shards)},
		{"broadcast", fnvMod("broadcast")},
	}
	for _, tt := range tests {
		if got := Shard(tt.topic); got != tt.want {
			t.Errorf("Shard(%q) = %d, want %d", tt.topic, got, tt.want)
		}
	}
	seen := map[int]bool{}
	for range 2000 {
		s := Shard("user:" + uuid.NewString())
		if s < 0 || s >= Shards {
			t.Fatalf("shard %d out of range", s)
		}
		seen[s] = true
	}
	if len(seen) != Shards {
		t.Errorf("2000 user topics reached %d of %d shards", len(seen), Shards)
	}
}

func fnvMod(s string) int {
	h := fnv.New32a()
	h.Write([]byte(s))
	return int(h.Sum32() % Shards)
}

func TestChannels(t *testing.T) {
	t.Parallel()
	all := Channels("keel:")
	if len(all) != Shards || all[0] != "keel:events:0" || all[15] != "keel:events:15" {
		t.Fatalf("Channels = %v", all)
	}
	topic := "user:0194c1a5-0000-7000-8000-000000000001"
	if got := Channel("keel:", topic); got != all[Shard(topic)] {
		t.Errorf("Channel = %s, want %s", got, all[Shard(topic)])
	}
}

func TestEncodeDecode(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 11, 30, 10, 0, 0, 123456000, time.FixedZone("x", 3600))
	m := Message{
		Topic: "user:1", Epoch: "ep", Offset: 42, Event: "notification.created",
		ID: "0194c1a5-0000-7000-8000-000000000001", Data: json.RawMessage(`{"id":"n1","title":"Hi"}`), TS: ts,
	}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"topic":"user:1","epoch":"ep","offset":42,"event":"notification.created","id":"0194c1a5-0000-7000-8000-000000000001","data":{"id":"n1","title":"Hi"},"ts":"2026-11-30T09:00:00.123456Z"}`
	if string(b) != want {
		t.Fatalf("Encode = %s\nwant     %s", b, want)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Topic != m.Topic || got.Epoch != m.Epoch || got.Offset != m.Offset || got.Event != m.Event ||
		got.ID != m.ID || string(got.Data) != string(m.Data) || !got.TS.Equal(ts) || got.TS.Location() != time.UTC {
		t.Errorf("Decode = %+v", got)
	}
}

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	good := `{"topic":"a","epoch":"e","offset":1,"event":"x.y","id":"i","data":{},"ts":"2026-11-30T09:00:00Z"}`
	if _, err := Decode([]byte(good)); err != nil {
		t.Fatalf("good message refused: %v", err)
	}
	for name, payload := range map[string]string{
		"not json":    `{"topic":`,
		"no topic":    strings.Replace(good, `"topic":"a"`, `"topic":""`, 1),
		"no epoch":    strings.Replace(good, `"epoch":"e",`, ``, 1),
		"zero offset": strings.Replace(good, `"offset":1`, `"offset":0`, 1),
		"no event":    strings.Replace(good, `"event":"x.y",`, ``, 1),
		"no id":       strings.Replace(good, `"id":"i",`, ``, 1),
		"bad ts":      strings.Replace(good, `2026-11-30T09:00:00Z`, `yesterday`, 1),
	} {
		if _, err := Decode([]byte(payload)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

func TestFromEntry(t *testing.T) {
	t.Parallel()
	id := uuid.Must(uuid.NewV7())
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	m := FromEntry(eventlog.Entry{Seq: 9, Topic: "admin", Epoch: "e", Offset: 3, ID: id, Name: "user.updated", Data: json.RawMessage(`{}`), At: at})
	if m.Topic != "admin" || m.Epoch != "e" || m.Offset != 3 || m.Event != "user.updated" || m.ID != id.String() ||
		string(m.Data) != `{}` || !m.TS.Equal(at) {
		t.Errorf("FromEntry = %+v", m)
	}
}
