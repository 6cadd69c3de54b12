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
