package substance

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"github.com/darkwatch/darkwatch/deploy/testenv"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// sharedData is testenv.SharedData (skipped locally, a failure in CI when absent).
func sharedData(t testing.TB, sub string) string {
	t.Helper()
	return testenv.SharedData(t, sub)
}

type labelRule struct {
	cat, sub, sub2 string
	drug           bool
	class          string
}

func loadLabelMap(t testing.TB) []labelRule {
	f, err := os.Open("testdata/dnm_label_map.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rules []labelRule
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		p := strings.Split(l, "\t")
		if len(p) != 5 {
			t.Fatalf("label map: bad line %q", l)
		}
		rules = append(rules, labelRule{p[0], p[1], p[2], p[3] == "1", p[4]})
	}
	return rules
}

func matchLabel(rules []labelRule, cat, sub, sub2 string) labelRule {
	m := func(pat, v string) bool { return pat == "*" || pat == v }
	for _, r := range rules {
		if m(r.cat, cat) && m(r.sub, sub) && m(r.sub2, sub2) {
			return r
		}
	}
	return labelRule{}
}

type dnmRow struct {
	title, label string
	category     string // the market's category path as a listing page shows it: "A > B > C"
	want         labelRule
}

func loadDNM(t testing.TB) []dnmRow {
	dir := sharedData(t, "dnm-2017-denton")
	rules := loadLabelMap(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	if len(files) == 0 {
		t.Fatalf("no CSV in %s", dir)
	}
	seen := map[string]bool{}
	var rows []dnmRow
	for _, fn := range files {
		data, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		// the scraper wrote bare CR line ends
		data = bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		head, err := r.Read()
		if err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		col := map[string]int{}
		for i, h := range head {
			col[h] = i
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", fn, err)
			}
			get := func(k string) string {
				if i, ok := col[k]; ok && i < len(rec) {
					return strings.TrimSpace(rec[i])
				}
				return ""
			}
			title, cat, sub, sub2 := get("listing_title"), get("category_id"), get("subcategory_id"), get("subcategory2_id")
			if title == "" {
				continue
			}
			key := title + "\x00" + cat + "\x00" + sub + "\x00" + sub2
			if seen[key] {
				continue
			}
			seen[key] = true
			var path []string
			for _, p := range []string{cat, sub, sub2} {
				if p != "" {
					path = append(path, p)
				}
			}
			rows = append(rows, dnmRow{title: fixMojibake(title), label: cat + "/" + sub + "/" + sub2,
				category: strings.Join(path, " > "), want: matchLabel(rules, cat, sub, sub2)})
		}
	}
	return rows
}

// fixMojibake undoes the common UTF-8-read-as-Latin-1 damage ("Ã©" for "é") when the result
// is valid UTF-8; other titles are left alone.
func fixMojibake(s string) string {
	if !strings.ContainsAny(s, "ÃÂâ") {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return s
		}
		b = append(b, byte(r))
	}
	if out := string(b); strings.ToValidUTF8(out, "\uFFFD") == out {
		return out
	}
	return s
}

// split assigns a title deterministically to "dev" (80%: looked at while curating the lexicon
// and the rules) or "held-out" (20%: never looked at, only scored).
func split(title string) string {
	h := fnv.New32a()
	h.Write([]byte("dnm-holdout-v1\x00" + title))
	if h.Sum32()%5 == 0 {
		return "held-out"
	}
	return "dev"
}

// loadExclusions reads testdata/dnm_exclusions.tsv: label noise (a title filed under a
// category it does not belong to), one "label<TAB>title<TAB>reason" per line.
func loadExclusions(t testing.TB) map[string]string {
	data, err := os.ReadFile("testdata/dnm_exclusions.tsv")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for n, l := range strings.Split(string(data), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		p := strings.Split(l, "\t")
		if len(p) != 3 || strings.TrimSpace(p[2]) == "" {
			t.Fatalf("dnm_exclusions.tsv:%d: want label<TAB>title<TAB>reason, got %q", n+1, l)
		}
		out[p[0]+"\x00"+p[1]] = p[2]
	}
	return out
}

type evalStats struct {
	tp, fp, fn, tn  int
	classOK, classN int
	perClass        map[string]*[3]int // label class -> tp (predicted it), fp (predicted it, label other), fn (label it, predicted other or nothing)
}

func (s *evalStats) precision() float64 { return ratio(s.tp, s.tp+s.fp) }
func (s *evalStats) recall() float64    { return ratio(s.tp, s.tp+s.fn) }
func (s *evalStats) classAcc() float64  { return ratio(s.classOK, s.classN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// primaryClass is the class of the most confident substance (first on ties).
func primaryClass(r Result) string {
	best, cls := -1.0, ""
	for _, m := range r.Substances {
		if m.Confidence > best {
			best, cls = m.Confidence, m.Class
		}
	}
	return cls
}

// add scores one row. Class accuracy is strict: every drug offer whose market label
// determines a class counts, and a listing the tagger misses or leaves without a class is
// wrong.
func (s *evalStats) add(row dnmRow, res Result) {
	switch {
	case res.DrugOffer && row.want.drug:
		s.tp++
	case res.DrugOffer && !row.want.drug:
		s.fp++
	case !res.DrugOffer && row.want.drug:
		s.fn++
	default:
		s.tn++
	}
	if !row.want.drug || row.want.class == "" {
		return
	}
	got := ""
	if res.DrugOffer {
		got = primaryClass(res)
	}
	s.classN++
	pc := func(c string) *[3]int {
		if s.perClass[c] == nil {
			s.perClass[c] = &[3]int{}
		}
		return s.perClass[c]
	}
	if got == row.want.class {
		s.classOK++
		pc(got)[0]++
		return
	}
	if got != "" {
		pc(got)[1]++
	}
	pc(row.want.class)[2]++
}

// dnmEval is the DNM evaluation in one mode: titles alone, or titles with the category path.
type dnmEval struct {
	stats             map[string]*evalStats // dev, held-out, all
	fps, fns, wrong   []string              // dev rows only
	excluded, scoring int
}

func runDNM(t testing.TB, rows []dnmRow, excl map[string]string, withCategory bool) dnmEval {
	tg := Default()
	ev := dnmEval{stats: map[string]*evalStats{}}
	for _, k := range []string{"dev", "held-out", "all"} {
		ev.stats[k] = &evalStats{perClass: map[string]*[3]int{}}
	}
	for _, row := range rows {
		if _, ok := excl[row.label+"\x00"+row.title]; ok {
			ev.excluded++
			continue
		}
		ev.scoring++
		f := Fields{Title: row.title}
		if withCategory {
			f.Category = row.category
		}
		res := tg.TagFields(f)
		part := split(row.title)
		ev.stats[part].add(row, res)
		ev.stats["all"].add(row, res)
		if part != "dev" {
			continue
		}
		line := row.label + " | " + row.title + " | " + names(res)
		switch {
		case res.DrugOffer && !row.want.drug:
			ev.fps = append(ev.fps, line)
		case !res.DrugOffer && row.want.drug:
			ev.fns = append(ev.fns, line)
		case row.want.drug && row.want.class != "" && primaryClass(res) != row.want.class:
			ev.wrong = append(ev.wrong, line)
		}
	}
	return ev
}

func (ev dnmEval) log(t testing.TB, mode string) {
	t.Logf("== %s (%d rows scored, %d excluded as label noise)", mode, ev.scoring, ev.excluded)
	for _, k := range []string{"dev", "held-out", "all"} {
		s := ev.stats[k]
		t.Logf("%-8s rows=%d drug-offer precision=%.4f recall=%.4f (tp=%d fp=%d fn=%d tn=%d) class accuracy=%.4f (%d/%d)",
			k, s.tp+s.fp+s.fn+s.tn, s.precision(), s.recall(), s.tp, s.fp, s.fn, s.tn, s.classAcc(), s.classOK, s.classN)
	}
	t.Logf("%-16s %9s %9s %9s %6s", "class", "precision", "recall", "held-out", "n")
	all, ho := ev.stats["all"], ev.stats["held-out"]
	classes := make([]string, 0, len(all.perClass))
	for c := range all.perClass {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		v := all.perClass[c]
		h := ho.perClass[c]
		if h == nil {
			h = &[3]int{}
		}
		t.Logf("%-16s %9.4f %9.4f %9.4f %6d", c, ratio(v[0], v[0]+v[1]), ratio(v[0], v[0]+v[2]), ratio(h[0], h[0]+h[2]), v[0]+v[2])
	}
	if os.Getenv("DARKWATCH_EVAL_DUMP") != "" {
		dump := func(name string, l []string) {
			_ = os.WriteFile(filepath.Join(os.TempDir(), name), []byte(strings.Join(l, "\n")+"\n"), 0o644)
		}
		dump("dnm_"+mode+"_fp.txt", ev.fps)
		dump("dnm_"+mode+"_fn.txt", ev.fns)
		dump("dnm_"+mode+"_wrongclass.txt", ev.wrong)
	}
}

// TestEvalDNM scores the tagger on dnm-2017-denton strictly against the market's own
// categories, in two modes: titles alone, and titles with the category path (what a listing
// page shows). Label noise is excluded through testdata/dnm_exclusions.tsv (at most 2% of the
// rows). DARKWATCH_EVAL_DUMP=1 writes the dev-split misses to $TMPDIR.
func TestEvalDNM(t *testing.T) {
	rows := loadDNM(t)
	excl := loadExclusions(t)
	if max := len(rows) * 2 / 100; len(excl) > max {
		t.Errorf("dnm_exclusions.tsv: %d rows excluded, more than 2%% of %d", len(excl), len(rows))
	}
	floors := []struct {
		mode                 string
		cat                  bool
		prec, rec, classFlor float64
	}{
		{"title", false, 0.98, 0.96, 0.93},
		{"title+category", true, 0.98, 0.96, 0.97},
	}
	for _, fl := range floors {
		ev := runDNM(t, rows, excl, fl.cat)
		ev.log(t, fl.mode)
		for _, k := range []string{"dev", "held-out"} {
			s := ev.stats[k]
			if p := s.precision(); p < fl.prec {
				t.Errorf("%s %s: drug-offer precision %.4f < %.2f", fl.mode, k, p, fl.prec)
			}
			if r := s.recall(); r < fl.rec {
				t.Errorf("%s %s: drug-offer recall %.4f < %.2f", fl.mode, k, r, fl.rec)
			}
			if a := s.classAcc(); a < fl.classFlor {
				t.Errorf("%s %s: class accuracy %.4f < %.2f", fl.mode, k, a, fl.classFlor)
			}
		}
	}
}

func names(r Result) string {
	var b []string
	for _, m := range r.Substances {
		b = append(b, m.Name+"("+m.Term+")")
	}
	return strings.Join(b, ",")
}

// TestEvalDreamCocaine is a transfer check on a market the lexicon and rules were not tuned
// on: Dream Market cocaine listings (one class). Every title should be a drug offer naming a
// stimulant; the test prints the misses.
func TestEvalDreamCocaine(t *testing.T) {
	dir := sharedData(t, "dream-cocaine-2017")
	data, err := os.ReadFile(filepath.Join(dir, "dream_market_cocaine_listings.csv"))
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range head {
		if h == "product_title" {
			col = i
		}
	}
	if col < 0 {
		t.Fatal("no product_title column")
	}
	var n, offers, stim int
	var misses []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if col >= len(rec) || strings.TrimSpace(rec[col]) == "" {
			continue
		}
		n++
		res := Default().Tag(rec[col])
		if res.DrugOffer {
			offers++
		}
		if primaryClass(res) == ClassStimulant {
			stim++
		} else if len(misses) < 20 {
			misses = append(misses, rec[col]+" | "+names(res))
		}
	}
	t.Logf("dream cocaine: %d titles, drug offer %.4f, primary class stimulant %.4f", n, ratio(offers, n), ratio(stim, n))
	for _, m := range misses {
		t.Logf("miss: %s", m)
	}
	if ratio(offers, n) < 0.97 || ratio(stim, n) < 0.95 {
		t.Errorf("dream cocaine: offer %.4f (want >= 0.97), stimulant %.4f (want >= 0.95)", ratio(offers, n), ratio(stim, n))
	}
}
