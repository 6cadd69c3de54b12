package extract

import "testing"

// TestDropSectionHeading: a heading that only names the section is not part of the
// description; a heading that says something is.
func TestDropSectionHeading(t *testing.T) {
	for _, c := range []struct{ name, html, want string }{
		{"english heading", `<div id="d"><h4>Description</h4><p>Yellow bars pressed with bromazolam.</p></div>`, "Yellow bars pressed with bromazolam."},
		{"german with colon", `<div id="d"><strong>Beschreibung:</strong> <p>Gelbe Riegel.</p></div>`, "Gelbe Riegel."},
		{"heading that says something", `<div id="d"><h4>Best bars in town</h4><p>Yellow bars.</p></div>`, "Best bars in town\nYellow bars."},
		{"text first", `<div id="d">Description of <b>it</b></div>`, "Description of it"},
		{"heading alone", `<div id="d"><h4>Description</h4></div>`, "Description"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := mustDoc(t, "<html><body>"+c.html+"</body></html>")
			n := doc.Find("#d").Nodes[0]
			if got := dropSectionHeading(n, nodeText(n)); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestDropPriceTables: a description never includes a table of prices (quantity tiers,
// postage) nor the heading that names it; other tables stay.
func TestDropPriceTables(t *testing.T) {
	for _, c := range []struct{ name, html, want string }{
		{"tiers table", `<div id="d"><p>Pure ketamine.</p><h4>Prices</h4><table><tr><th>Quantity</th><th>Price</th></tr><tr><td>1 g</td><td>48.66 USD</td></tr><tr><td>5 g</td><td>231.16 USD</td></tr></table></div>`, "Pure ketamine."},
		{"one row", `<div id="d"><p>Scans.</p><h4>Prices</h4><table><tr><th>Quantity</th><th>Price</th></tr><tr><td>1 unit</td><td>241.29 USD</td></tr></table></div>`, "Scans."},
		{"text after the table", `<div id="d"><p>Pure.</p><table><tr><td>1 g</td><td>$40</td></tr></table><p>Ships fast.</p></div>`, "Pure.\nShips fast."},
		{"a table without prices", `<div id="d"><p>Lab results:</p><table><tr><td>Purity</td><td>84%</td></tr></table></div>`, "Lab results:\nPurity\n84%"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := "<html><body>" + c.html + "</body></html>"
			pc := newPageCtx(Page{URL: "http://m.onion/item/1", Body: []byte(body)}, mustDoc(t, body))
			n := pc.doc.Find("#d").Nodes[0]
			if got := dropPriceTables(pc, n, pc.nodeText(n)); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
