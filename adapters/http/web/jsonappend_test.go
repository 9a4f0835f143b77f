package web

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// AppendJSONString writes what encoding/json writes, for every byte and awkward rune.
func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	cases := []string{"", "plain", "<script>&amp;</script>", "\u2028\u2029", "\xff\xfe", "a\xc3", "é🚀", "\"\\/"}
	for b := range 256 {
		cases = append(cases, string([]byte{byte(b)}), "x"+string([]byte{byte(b)})+"y")
	}
	for r := rune(0); r < 0x3000; r += 7 {
		cases = append(cases, string(r))
	}
	cases = append(cases, string(utf8.RuneError))
	for _, s := range cases {
		want, _ := json.Marshal(s)
		if got := AppendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("AppendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("a<b>\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("AppendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}
