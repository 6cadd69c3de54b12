package extract

import "testing"

// TestUnclassedTrail: a trail without a breadcrumb class, from a link home to the page's
// title, gives the listing's category; a menu that does not end with the title does not.
func TestUnclassedTrail(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"slash trail", `<div class="topinfo"><p class="big"><a href="index.php">Home</a> / <a href="search.php?frc=7">Weapons</a> / <a href="search.php?frc=50">Explosives</a> / <a href="listing.php?id=17588">Cobra 11</a></p></div><h1>Cobra 11</h1>`, "Weapons > Explosives"},
		{"menu", `<p><a href="/">Home</a> | <a href="/orders">Orders</a> | <a href="/messages">Messages</a></p><h1>Cobra 11</h1>`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := "<html><body>" + c.body + "</body></html>"
			pc := newPageCtx(Page{URL: "http://m.onion/listing.php?id=17588", Body: []byte(body)}, mustDoc(t, body))
			if got := breadcrumbPath(pc, "Cobra 11"); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
