package crawler_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/darkwatch/darkwatch/crawler"
)

const onion = "5lq4q6j3kwl4jm7usdtwvqyrolcds2ipr3qucqv3qungd6net4harwad.onion"

func TestCanonical(t *testing.T) {
	base, _ := url.Parse("http://" + onion + "/category/drugs/page/2")
	for _, tc := range []struct{ in, want string }{
		{"/listing/12#reviews", "http://" + onion + "/listing/12"},
		{"../../listing/12", "http://" + onion + "/category/listing/12"},
		{"HTTP://" + onion + ":80/a/./b/../c", "http://" + onion + "/a/c"},
		{"?b=2&a=1&PHPSESSID=zz", "http://" + onion + "/category/drugs/page/2?a=1&b=2"},
		{"/dir/", "http://" + onion + "/dir/"},
		{"http://user:pw@" + onion + "/x", "http://" + onion + "/x"},
		{"http://" + onion, "http://" + onion + "/"},
	} {
		got, err := crawler.Canonical(base, tc.in)
		if err != nil {
			t.Errorf("Canonical(%q): %v", tc.in, err)
			continue
		}
		if got.String() != tc.want {
			t.Errorf("Canonical(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"javascript:alert(1)", "mailto:x@y", "ftp://" + onion + "/", "http://%zz"} {
		if _, err := crawler.Canonical(base, bad); err == nil {
			t.Errorf("Canonical(%q): got no error", bad)
		}
	}
}

func TestScope(t *testing.T) {
	s, err := crawler.NewScope([]string{"http://" + onion + "/"}, nil, nil, []string{"^/logout", "/calendar/"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"http://" + onion + "/listing/1", nil},
		{"http://other.onion/listing/1", crawler.ErrOffSite},
		{"http://" + onion + "/logout", crawler.ErrExcluded},
		{"http://" + onion + "/events/calendar/2026/11", crawler.ErrExcluded},
		{"http://" + onion + "/a/b/a/b/a/b/a/b", crawler.ErrTrap},
	} {
		u, err := crawler.Canonical(nil, tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Check(u); !errors.Is(got, tc.want) {
			t.Errorf("Check(%s) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"/listing/1", "http://" + onion + "/?a=1&a=2#x", "../../..", "//evil.com/x", "\x00", "http://[::1]:80/"} {
		f.Add(s)
	}
	base, _ := url.Parse("http://" + onion + "/a/b")
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := crawler.Canonical(base, raw)
		if err != nil {
			return
		}
		// Canonical form is a fixed point.
		u2, err := crawler.Canonical(nil, u.String())
		if err != nil {
			t.Fatalf("canonical %q does not re-parse: %v", u, err)
		}
		if u2.String() != u.String() {
			t.Fatalf("not idempotent: %q -> %q", u, u2)
		}
	})
}
