package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestTagCommand(t *testing.T) {
	in := "Fentanyl 10mg powder\nHow to cook meth ebook\nice cream scoop\n"
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"tag", "--json"}, strings.NewReader(in), &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3: %q", len(lines), out.String())
	}
	var first tagLine
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if !first.DrugOffer || len(first.Substances) == 0 || first.Substances[0].Name != "fentanyl" || first.Substances[0].Family != "fentanyl-analogue" {
		t.Errorf("line 1: %+v", first)
	}
	var second, third tagLine
	_ = json.Unmarshal([]byte(lines[1]), &second)
	_ = json.Unmarshal([]byte(lines[2]), &third)
	if second.DrugOffer {
		t.Errorf("guide tagged as offer: %s", lines[1])
	}
	if third.DrugOffer || len(third.Substances) != 0 {
		t.Errorf("ice cream tagged: %s", lines[2])
	}
	if code := Main(context.Background(), []string{"tag", "extra"}, strings.NewReader(""), &out, &errb); code != exitUsage {
		t.Errorf("extra arg: exit %d, want %d", code, exitUsage)
	}
	out.Reset()
	if code := Main(context.Background(), []string{"tag"}, strings.NewReader("2g mdma crystals\n"), &out, &errb); code != exitOK || !strings.HasPrefix(out.String(), "offer\tmdma") {
		t.Errorf("text mode: exit %d, out %q", code, out.String())
	}
}

// TestTagCommandJSONLines: JSON listings (title, description, category) are tagged with the
// category path and the dose form in the decision; plain lines stay free text; a broken JSON
// line is a usage error naming the line.
func TestTagCommandJSONLines(t *testing.T) {
	in := strings.Join([]string{
		`{"title": "Hydromorph 12mg x 10", "category": "Drugs & Chemicals > Opioids > Other"}`,
		`{"title": "Mephedrone 4-MMC 10g", "description": "crystals", "category": "Drugs > Ecstasy > MDMA"}`,
		`{"title": "100x Team Trust 110ug tabs"}`,
		`Fentanyl 10mg powder`,
	}, "\n") + "\n"
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"tag", "--json"}, strings.NewReader(in), &out, &errb); code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	var got []tagLine
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var tl tagLine
		if err := json.Unmarshal([]byte(l), &tl); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		got = append(got, tl)
	}
	want := []struct{ name, class, where, catClass string }{
		{"opioid", "opioid", "category", "opioid"},
		{"mephedrone", "stimulant", "title", "empathogen"},
		{"psychedelic", "psychedelic", "context", ""},
		{"fentanyl", "opioid", "", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d: %s", len(got), len(want), out.String())
	}
	for i, w := range want {
		g := got[i]
		if !g.DrugOffer || len(g.Substances) == 0 || g.Substances[0].Name != w.name || g.Substances[0].Class != w.class ||
			g.Substances[0].Where != w.where || g.CategoryClass != w.catClass {
			t.Errorf("line %d: %+v, want %+v", i+1, g, w)
		}
	}
	out.Reset()
	errb.Reset()
	code := Main(context.Background(), []string{"tag"}, strings.NewReader("ok line\n{\"title\": 5}\n"), &out, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "line 2") {
		t.Errorf("bad JSON line: exit %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	code = Main(context.Background(), []string{"tag"}, strings.NewReader(`{"title": "x", "price": 5}`+"\n"), &out, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "price") {
		t.Errorf("unknown field: exit %d, stderr %q", code, errb.String())
	}
}
