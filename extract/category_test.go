package extract

import "testing"

// TestBreadcrumbPath: a trail gives the listing's category path without the home item and
// without the listing's own title at its end, also when the title holds the trail's
// separators; a trail without a breadcrumb class counts when it runs from a link home to
// the page's title; a menu that does not end with the title does not.
func TestBreadcrumbPath(t *testing.T) {
	for _, c := range []struct{ name, body, title, want string }{
		{"slash trail", `<div class="topinfo"><p class="big"><a href="index.php">Home</a> / <a href="search.php?frc=7">Weapons</a> / <a href="search.php?frc=50">Explosives</a> / <a href="listing.php?id=17588">Cobra 11</a></p></div><h1>Cobra 11</h1>`, "Cobra 11", "Weapons > Explosives"},
		{"menu", `<p><a href="/">Home</a> | <a href="/orders">Orders</a> | <a href="/messages">Messages</a></p><h1>Cobra 11</h1>`, "Cobra 11", ""},
		{"title with slashes", `<div class="crumbs"><a href="/">Home</a> › <span>Drugs</span> › <a href="/browse?cat=stimulants">Stimulants</a> › <span>A-PVP (alpha-PVP) 1g/5g/10g</span></div><h2>A-PVP (alpha-PVP) 1g/5g/10g</h2>`, "A-PVP (alpha-PVP) 1g/5g/10g", "Stimulants"},
		{"unclassed title with a separator", `<p><a href="/">Home</a> / <a href="/c/5">Cannabis</a> / 5cl / MDMB-4en-PINACA</p><h1>5cl / MDMB-4en-PINACA</h1>`, "5cl / MDMB-4en-PINACA", "Cannabis"},
		{"last item is the category", `<ol class="breadcrumb"><li><a href="/">Home</a></li><li><a href="/c/1">Drugs</a></li><li>Ecstasy</li></ol><h1>MDMA pills</h1>`, "MDMA pills", "Drugs > Ecstasy"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := "<html><body>" + c.body + "</body></html>"
			pc := newPageCtx(Page{URL: "http://m.onion/listing.php?id=17588", Body: []byte(body)}, mustDoc(t, body))
			if got := breadcrumbPath(pc, c.title); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
