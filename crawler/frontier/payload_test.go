package frontier

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzItemPayload checks the Redis frontier's reflection-free item codec
// against encoding/json: marshalItem writes exactly what json.Marshal
// writes of a payloadItem, unmarshalItem reads back what json.Marshal
// wrote, and redisPayload/fromRedisPayload round-trip an item.
func FuzzItemPayload(f *testing.F) {
	for _, s := range []string{
		"http://abc.onion/l/1?x=1&y=<2>", "plain", "", `q"uote\`, "\u2028", "дрога", "ctl\t\x01", "\\u0026", "\xff",
	} {
		f.Add(s, "market", "host.onion", "listing", 3, 10, 1)
	}
	f.Fuzz(func(t *testing.T, u, m, h, k string, d, p, a int) {
		it := Item{URL: u, Host: h, Kind: k, Depth: d, Priority: p, Attempt: a}
		want, err := json.Marshal(payloadItem{URL: u, Host: h, Kind: k, Depth: d, Priority: p, Attempt: a})
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalItem(it)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("marshalItem = %s, json.Marshal = %s", got, want)
		}
		var back Item
		if err := unmarshalItem(string(want), &back); err != nil {
			t.Fatalf("unmarshalItem(%s): %v", want, err)
		}
		if valid(u, m, h, k) && back != it {
			t.Fatalf("round trip: %+v, want %+v", back, it)
		}
		var ref Item
		if err := json.Unmarshal(want, &ref); err != nil {
			t.Fatal(err)
		}
		if back != ref {
			t.Fatalf("unmarshalItem = %+v, encoding/json = %+v", back, ref)
		}
		if u == "" || !valid(u, m, h, k) {
			return
		}
		it.Market = m
		stored, err := redisPayload(it)
		if err != nil {
			t.Fatal(err)
		}
		got2, err := fromRedisPayload(string(stored), m)
		if err != nil {
			t.Fatal(err)
		}
		want2 := it
		if h == "" {
			want2.Host, _ = payloadHost(u)
		}
		if got2 != want2 {
			t.Fatalf("redis payload %s: %+v, want %+v", stored, got2, want2)
		}
	})
}

func valid(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}
