package crawler

import (
	"net/url"
	"testing"

	"github.com/darkwatch/darkwatch/extract"
)

func TestPatternOf(t *testing.T) {
	cases := []struct{ in, want string }{
		{"http://x.onion/listing/100007", "/listing/*"},
		{"http://x.onion/listing/100007/ask", "/listing/*/ask"},
		{"http://x.onion/product/p103", "/product/*"},
		{"http://x.onion/", "/"},
		{"http://x.onion/category/opioids?page=2", "/category/opioids?page"},
		{"http://x.onion/search/vendor?q=alphabravo", "/search/vendor?q"},
		{"http://x.onion/search/vendor?q=alpha123", "/search/vendor?q"},
		{"http://x.onion/index.php?page=login", "/index.php?page=login"},
		{"http://x.onion/index.php?page=category&id=4", "/index.php?id=*&page=category"},
		{"http://x.onion/?p=listing&id=4", "/?id=*&p=listing"},
		{"http://x.onion/watch?item=100007", "/watch?item"},
		{"http://x.onion/shop/%D0%BC%D0%B0%D0%B3", "/shop/*"},
	}
	for _, c := range cases {
		u, err := url.Parse(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := patternOf(u); got != c.want {
			t.Errorf("patternOf(%s) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLinkVerdict(t *testing.T) {
	cases := []struct{ in, want string }{
		{"http://x.onion/listing/100007", ""},
		{"http://x.onion/vendor/alpha", ""},
		{"http://x.onion/contact", ""}, // a shop's vendor page
		{"http://x.onion/category/x?order=price&page=2", ""},
		{"http://x.onion/login", SkipLoginPage},
		{"http://x.onion/user/log_in?next=/", SkipLoginPage},
		{"http://x.onion/sign-up", SkipLoginPage},
		{"http://x.onion/register", SkipLoginPage},
		{"http://x.onion/%D0%B2%D1%85%D0%BE%D0%B4", SkipLoginPage}, // /вход
		{"http://x.onion/messages/new?to=a", SkipAction},
		{"http://x.onion/cart?add=p103", SkipAction},
		{"http://x.onion/order/new?item=1", SkipAction},
		{"http://x.onion/vote?item=1&dir=up", SkipAction},
		{"http://x.onion/settings/lang?set=de", SkipAction},
		{"http://x.onion/logout", SkipAction},
		{"http://x.onion/warenkorb", SkipAction},
		{"http://x.onion/%D0%BA%D0%BE%D1%80%D0%B7%D0%B8%D0%BD%D0%B0", SkipAction}, // /корзина
		{"http://x.onion/author/alpha", ""},
	}
	for _, c := range cases {
		u, err := url.Parse(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := linkVerdict(u); got != c.want {
			t.Errorf("linkVerdict(%s) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsActionForm(t *testing.T) {
	cases := []struct {
		name, body string
		want       bool
	}{
		{"message form", `<form action="/m"><input name="subject"><textarea name="b"></textarea><img alt="captcha"><input name="captcha"></form>`, true},
		{"captcha wall", `<h1>Security check</h1><form action="/captcha"><img alt="captcha"><input name="captcha"><button>Verify</button></form>`, false},
		{"login", `<form action="/login"><input name="username"><input type="password" name="password"><input name="captcha"></form>`, false},
		{"no captcha", `<form action="/m"><textarea></textarea></form>`, false},
	}
	for _, c := range cases {
		if got := isActionForm([]byte(c.body)); got != c.want {
			t.Errorf("%s: isActionForm = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCardPrint(t *testing.T) {
	base := extract.Listing{Title: "10x M30  blues", Price: extract.Price{Amount: 90, Currency: "USD"}, Vendor: "Alpha", Status: extract.StatusActive}
	same := base
	same.Title, same.Vendor, same.Status = "10x m30 blues", "alpha", ""
	cheaper := base
	cheaper.Price.Amount = 85
	sold := base
	sold.Status = extract.StatusSoldOut
	noPrice := base
	noPrice.Price = extract.Price{}
	thread := extract.Listing{Title: "M30s", Vendor: "alpha", Activity: "3 replies last post 2026-01-01"}
	bumped := thread
	bumped.Activity = "4 replies last post 2026-01-02"
	print := func(l extract.Listing) uint64 { _, fp := cardPrint(l, "/category/*"); return fp }
	if print(base) == 0 || print(base) != print(same) {
		t.Errorf("same card (case, spaces, 'active') prints differently")
	}
	for name, l := range map[string]extract.Listing{"price": cheaper, "status": sold} {
		if print(l) == print(base) {
			t.Errorf("a changed %s prints the same", name)
		}
	}
	if print(noPrice) != 0 {
		t.Errorf("a card without a price or activity prints %d, want 0", print(noPrice))
	}
	if print(thread) == 0 || print(thread) == print(bumped) {
		t.Errorf("a thread card prints %d, bumped %d: want a non-zero print that changes", print(thread), print(bumped))
	}
	// the source is the page pattern and the fields the card carries
	s1, _ := cardPrint(base, "/category/*")
	s2, _ := cardPrint(base, "/vendor/*")
	s3, _ := cardPrint(thread, "/category/*")
	if s1 == s2 || s1 == s3 {
		t.Errorf("card sources %q %q %q: want distinct", s1, s2, s3)
	}
}
