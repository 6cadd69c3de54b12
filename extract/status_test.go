package extract

import "testing"

// TestStatusSignals: a stock of zero and a sold-out badge in the listing's own block say
// sold out; a badge in another listing's card, an option or the header does not.
func TestStatusSignals(t *testing.T) {
	for _, c := range []struct {
		name, stock, html string
		want              bool
	}{
		{"stock zero", "0", ``, true},
		{"stock zero left", "0 left", ``, true},
		{"stock ten", "10", ``, false},
		{"badge by the price", "", `<h1>Xanax</h1><p><span>0.22 XMR</span> <span class="badge">Out of stock</span></p>`, true},
		{"german badge", "", `<h1>Xanax</h1><span>Ausverkauft</span>`, true},
		{"sentence, not a badge", "", `<h1>Xanax</h1><p>Never sold out since 2021, restocked weekly.</p>`, false},
		{"option", "", `<h1>Xanax</h1><select><option>Sold out</option><option>10 pills</option></select>`, false},
		{"header", "", `<header><span>Sold out</span></header><h1>Xanax</h1>`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.stock != "" {
				if got := statusOf(c.stock) == StatusSoldOut; got != c.want {
					t.Errorf("statusOf(%q) sold out %v, want %v", c.stock, got, c.want)
				}
				return
			}
			body := "<html><body>" + c.html + "</body></html>"
			pc := newPageCtx(Page{URL: "http://m.onion/item/1", Body: []byte(body)}, mustDoc(t, body))
			if got := soldOutBadge(pc); got != c.want {
				t.Errorf("soldOutBadge %v, want %v", got, c.want)
			}
		})
	}
}
