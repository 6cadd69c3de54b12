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
