package substance

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt")

// tricky lines: the expected tag is "offer|mention: name,name" (names sorted).
var golden = []struct{ in, want string }{
	{"ice cream scoop", "mention: -"},
	{"1g ice shards", "offer: methamphetamine"},
	{"ICE 3.5g top quality", "offer: methamphetamine"},
	{"4 mmc 10g", "offer: mephedrone"},
	{"4-MMC 10g", "offer: mephedrone"},
	{"4mmc 10g", "offer: mephedrone"},
	{"Fentanyl test strips x10", "mention: fentanyl"},
	{"How to cook meth ebook", "mention: methamphetamine"},
	{"М30 blues 100pcs pressed", "offer: fentanyl"}, // Cyrillic М; pressed M30 = fentanyl
	{"M30 oxy 30mg 100 pills", "offer: oxycodone"},
	{"blues 100pcs", "mention: -"},
	{"Roxy M30 pressed with fentanyl", "offer: fentanyl"},
	{"мефедрон 1г закладка", "offer: mephedrone"},
	{"Купить мефедрона 2г", "offer: mephedrone"},
	{"альфа-пвп 1 г", "offer: alpha-pvp"},
	{"соль 0,5 г", "offer: alpha-pvp"},
	{"соль и перец", "mention: -"},
	{"гашиш 5г", "offer: hashish"},
	{"шишки 10 гр", "offer: cannabis"},
	{"🔥🔥 MDMA 84% 💊 10g 🔥", "offer: mdma"},
	{"Xanax2mg x 100", "offer: alprazolam"},
	{"Snow tires 4 pcs", "mention: -"},
	{"snow 3.5g fishscale", "offer: cocaine"},
	{"Metonitazene 1g", "offer: metonitazene"},
	{"ETONITAZEPYNE 5g", "offer: n-pyrrolidino etonitazene"},
	{"MDMB-4EN-PINACA 10g", "offer: mdmb-4en-pinaca"},
	{"ADB BUTINACA 50g", "offer: adb-butinaca"},
	{"3cmc 100g crystals", "offer: 3-cmc"},
	{"Bromazolam 1mg pellets x100", "offer: bromazolam"},
	{"Desalkylgidazepam 500mg", "offer: desalkylgidazepam"},
	{"Xylazine 100g (tranq)", "offer: xylazine"},
	{"Brorphine 1g", "offer: brorphine"},
	{"protonitazene 250mg", "offer: protonitazene"},
	{"cocaine test kit (marquis reagent)", "mention: cocaine"},
	{"LSD 100ug reagent tested", "offer: lsd"},
	{"Digital scale 0.01g", "mention: -"},
	{"weed grinder 4 piece", "mention: cannabis"},
	{"Netflix account 1 year", "mention: -"},
	{"md5 hash cracker", "mention: -"},
	{"Moroccan hash 10g", "offer: hashish"},
	{"crack for windows 10", "mention: -"},
	{"Gold bar 10g", "mention: -"},
	{"AK-47 rifle", "mention: -"},
	{"Fentanyl 10mg powder", "offer: fentanyl"},
	{"heroin 1g + cocaine 1g combo", "offer: cocaine,heroin"},
	{"кокаин 1г", "offer: cocaine"},
	{"героин 0.5 г", "offer: heroin"},
	{"метадон 10 мг", "offer: methadone"},
	{"экстази 10 шт", "offer: mdma"},
	{"ЛСД 5 марок", "offer: lsd"},
	{"кетамин 1г", "offer: ketamine"},
	{"фентанил", "offer: fentanyl"},
	{"амфетамин 2г", "offer: amphetamine"},
	{"метамфетамин 1г", "offer: methamphetamine"},
	{"Molly 2g", "offer: mdma"},
	{"Molly and Tina: a love story", "mention: -"},
	{"Tina 1g", "offer: methamphetamine"},
	{"gear for cars", "mention: -"},
	{"Test E 250mg/ml 10ml", "offer: testosterone"},
	{"3.5g OG Kush", "offer: cannabis"},
	{"α-PVP 5g", "offer: alpha-pvp"},
	{"25I-NBOMe 1000ug blotters", "offer: 25i-nbome"},
	{"25g of cocaine", "offer: cocaine"},
	{"50x Orange Owls 240mg", "offer: empathogen"},
	// street quantities without a number give drug context
	{"Half pound of mids", "offer: cannabis"},
	{"eight ball of snow", "offer: cocaine"},
	{"half oz Lemon Drop crumble", "offer: thc"},
	{"Half pound", "mention: -"},
	// strain and hash-origin vocabulary
	{"10gr - Northern Light Extreme", "offer: cannabis"},
	{"7 GRAMS PREMIUM HYDRO", "offer: cannabis"},
	{"Hydro Flask water bottle", "mention: -"},
	{"Amnesia: The Dark Descent steam key", "mention: -"},
	{"King Amnesia 14 g", "offer: cannabis"},
	{"Honey Marokk 25g", "offer: hashish"},
	// names no list has, recognised by shape (morph.go)
	{"250G 4-Fluoro isobutyrfentanyl (4-FIBF)", "offer: 4-fluoroisobutyrfentanyl"},
	{"4-CEC 100g", "offer: 4-cec"},
	{"5-F-ADB-FUB powder 1kg", "offer: 5f-adb-fub"},
	{"PHP script nulled 2017", "mention: -"},
	// a product sold by weight with no name: a weak offer, unless it is ammunition, jewellery...
	{"10g Chocolata", "offer: -"},
	{"Aguila 9mm 115gr 1000 Rounds FMJ", "mention: -"},
	{"14K Two-Tone Necklace 55.9gr", "mention: -"},
	{"Glock 27 G27", "mention: -"},
	{"Digital pocket scale 500g", "mention: -"},
	// books, weapons and clothing that name a drug word
	{"Marijuana Botany: An Advanced Study", "mention: cannabis"},
	{"MDMA Neurochemistry", "mention: mdma"},
	{"Rock River Arms 6.8 SPC with Ammo", "mention: crack cocaine"},
	{"Yeezy Boost 350 Moonrock size 10", "mention: -"},
	{"Pre Roll Smell Proof Bag", "mention: cannabis"},
	{"Crack Rock 3.5g", "offer: crack cocaine"},
	// two different ambiguous words of one class support each other
	{"4 Chocolate Chip Hash Cookies", "offer: cannabis,hashish,thc"},
	{"Chocolate Chip Cookies recipe card", "mention: cannabis,thc"}, // named, but a recipe is no offer
	{"Small Dab Oil Rig Bubbler", "mention: thc"},
	{"3 points speed", "offer: amphetamine"},
	// form words are descriptors next to a named drug, not a second substance
	{"Freebase DMT crystals 0.5 gram", "offer: dmt"},
	{"1 Ounce (28g) Pink Moonrock Crystal PURE MDMA", "offer: mdma"},
	{"28 GRAMS TOP SHELF ICE", "offer: methamphetamine"},
	// a name glued to a quantity
	{"10gCocaine Bolivien 92%", "offer: cocaine"},
	{"100x2mgXanax", "offer: alprazolam"},
	{"bigcocaine", "mention: -"},
	// street names that are also software words need context
	{"Installing Apache on Windows.txt", "mention: -"},
	{"Hacking bundle: booters, rats, dox programs", "mention: -"},
	{"Ruger LC9s 9MM 7RD Striker-Fired PST", "mention: -"},
	// a dosage-form count with no name: a weak offer, like a dose or a mass
	{"25 tabs Pelican Print EXCLUSIVE", "offer: psychedelic"},
	{"100 pills LUCKYS", "offer: -"},
	{"Pill press 100 tabs per minute", "mention: -"},
	{"green windowpane gel tabs 75 micrograms", "offer: lsd"},
	{"1 x OC 40 blue", "offer: oxycodone"},
}

func render(r Result) string {
	var names []string
	for _, m := range r.Substances {
		names = append(names, m.Name)
	}
	sort.Strings(names)
	v := "mention"
	if r.DrugOffer {
		v = "offer"
	}
	if len(names) == 0 {
		names = []string{"-"}
	}
	return v + ": " + strings.Join(names, ",")
}

func TestGolden(t *testing.T) {
	tg := Default()
	var b strings.Builder
	for _, tc := range golden {
		r := tg.Tag(tc.in)
		got := render(r)
		if got != tc.want {
			t.Errorf("Tag(%q) = %q, want %q", tc.in, got, tc.want)
		}
		fmt.Fprintf(&b, "%s\t%s", tc.in, got)
		for _, m := range r.Substances {
			fmt.Fprintf(&b, "\t%s[%d:%d]%q@%.2f", m.Name, m.Start, m.End, m.Term, m.Confidence)
			if tc.in[m.Start:m.End] == "" {
				t.Errorf("Tag(%q): empty span for %s", tc.in, m.Name)
			}
		}
		b.WriteByte('\n')
	}
	// the golden file pins offsets, terms and confidences as well
	const path = "testdata/golden.txt"
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(want) != b.String() {
		t.Errorf("golden mismatch; run go test -run TestGolden -update and review the diff")
	}
}

// TestListingRules covers the rules that decide which named substances a listing offers:
// umbrella words, negated and compared mentions, imitated brands, category names, Cyrillic names.
func TestListingRules(t *testing.T) {
	tg := Default()
	cases := []struct {
		name             string
		title, desc, cat string
		want             string // render(): "offer|mention: names"
	}{
		{"longest name wins", "acetyl fentanyl - acetylfentanyl HCl", "Acetylfentanyl, fentanyl analogue.", "", "offer: acetylfentanyl"},
		{"umbrella dropped next to a specific name", "Benzos: etizolam 1mg x 100", "", "", "offer: etizolam"},
		{"umbrella kept alone", "Benzos 2mg x 100", "", "", "offer: benzodiazepine"},
		{"umbrella nitazene", "ISO - isotonitazene - nitazene RC", "a nitazene opioid", "", "offer: isotonitazene"},
		{"umbrella prescription drug", "Tranq dope (fentanyl + xylazine) 1g", "Naloxone does not reverse xylazine.", "", "offer: fentanyl,xylazine"},
		{"negated suffix", "Afghan heroin #4", "Heroin #4. Fentanyl-free, tested.", "", "offer: heroin"},
		{"negated in title", "Heroin, no fent, 1g", "", "", "offer: heroin"},
		{"no + number is a number", "No 4 heroin 5g", "", "", "offer: heroin"},
		{"comparison in description", "Isotonitazene 1g", "many times stronger than morphine", "", "offer: isotonitazene"},
		{"tested negative", "MDMA crystal 1g", "Tested negative for fentanyl and PMA.", "", "offer: mdma"},
		{"description-only negation", "Tusi pink powder", "ketamine and MDMA. Contains no cocaine despite the name.", "", "offer: ketamine,mdma"},
		{"free shipping is no negation", "Cocaine 1g free shipping", "", "", "offer: cocaine"},
		{"hyphen free shipping", "SPEEDPASTE-FREE SHIPMENT 60 gram", "", "", "offer: amphetamine"},
		{"negated but named elsewhere", "Fentanyl 1g", "Not cut: no fentanyl analogues, pure fentanyl.", "", "offer: fentanyl"},
		{"replacement for", "Etizolam 1mg (perfect replacement for Alprazolam)", "", "", "offer: etizolam"},
		{"fake brand", "Fake xanax - pressed with bromazolam - 100 bars", "Yellow bars pressed with bromazolam 2mg.", "", "offer: bromazolam"},
		{"quoted brand", "'Xanax' yellow bars - bromazolam", "", "", "offer: bromazolam"},
		{"fake brand alone", "Fake Xanax 2mg bars x100", "", "", "offer: alprazolam"},
		{"brand of a press", "Xanax bars 2mg (bromazolam press)", "Yellow bars pressed with bromazolam 2mg.", "Benzos", "offer: bromazolam"},
		{"brand pressed with", "Oxycodone M30 pressed with fentanyl", "", "", "offer: fentanyl"},
		{"press of the named drug", "Xanax press 2mg bars", "", "", "offer: alprazolam"},
		{"mdma press", "MDMA press 200mg pills", "", "", "offer: mdma"},
		{"category only when nothing named", "MDMB-4en-PINACA powder (spice base)", "", "Cannabis", "offer: mdmb-4en-pinaca"},
		{"category alone", "Gorilla Glue #4 3.5g", "", "Cannabis", "offer: cannabis"},
		{"china white next to fent", "China white fent powder - fentanyl HCL", "", "", "offer: fentanyl"},
		{"name inside a paraphernalia word", "Ketamine needles (S-isomer)", "needle shards, melt tested", "Dissociatives", "offer: ketamine"},
		{"disclaimer confirms paraphernalia", "Digital pocket scale 0.001g (for weed, coke, crystal)", "Paraphernalia only. Scales and bags, no drugs.", "Extras", "mention: cannabis"},
		{"test strips", "Nitazene + fentanyl test strips pack", "No drugs included.", "", "mention: fentanyl"},
		{"Cyrillic nitazene", "Изотонитазен (изо)", "Клад в указанном районе", "Нитазены", "offer: isotonitazene"},
		{"Cyrillic nitazene inflected", "Метонитазена 1 г", "", "", "offer: metonitazene"},
		{"Cyrillic code letters", "3-ММС кристаллы", "", "", "offer: 3-mmc"},
		{"mixed script", "Альфа-PVP (соль, скорость)", "", "Стимуляторы", "offer: alpha-pvp"},
		{"Russian category umbrella", "Шишки Amnesia Haze", "", "Шишки и спайс", "offer: cannabis"},
	}
	for _, tc := range cases {
		got := render(tg.TagFields(Fields{Title: tc.title, Description: tc.desc, Category: tc.cat}))
		if got != tc.want {
			t.Errorf("%s: TagFields(%q, %q, %q) = %q, want %q", tc.name, tc.title, tc.desc, tc.cat, got, tc.want)
		}
	}
}

// TestOwnCanonicalNames: compounds the curated lexicon once lumped under a neighbour keep their
// own canonical name.
func TestOwnCanonicalNames(t *testing.T) {
	tg := Default()
	for in, want := range map[string]string{
		"flunitrazolam 1mg x 50": "flunitrazolam", "2C-T-7 100mg": "2c-t-7", "25N-NBOMe 10 blotters": "25n-nbome",
		"1V-LSD 150ug x 10": "1v-lsd", "3-MeO-PCE 1g": "3-meo-pce", "4-AcO-MET 500mg": "4-aco-met",
		"pyrazolam 1mg x 50": "pyrazolam", "2C-E 100mg": "2c-e", "25I-NBOMe 10 blotters": "25i-nbome",
		"1P-LSD 150ug x 10": "1p-lsd", "3-MeO-PCP 1g": "3-meo-pcp", "4-AcO-DMT 500mg": "4-aco-dmt",
	} {
		r := tg.Tag(in)
		if len(r.Substances) != 1 || r.Substances[0].Name != want {
			t.Errorf("Tag(%q) = %+v, want %s", in, r.Substances, want)
		}
	}
}

func TestTagFields(t *testing.T) {
	tg := Default()
	r := tg.TagFields(Fields{Title: "Crystal 5g", Description: "best shards", Category: "Drugs / Stimulants / Meth"})
	if !r.DrugOffer || len(r.Substances) == 0 || r.Substances[0].Name != "methamphetamine" || r.Substances[0].Where != "title" {
		t.Errorf("TagFields meth: %+v", r)
	}
	r = tg.TagFields(Fields{Title: "Complete cocaine extraction", Category: "Guides & Tutorials"})
	if r.DrugOffer {
		t.Errorf("guide category tagged as offer: %+v", r)
	}
	r = tg.TagFields(Fields{Title: "Blue Dream", Description: "1 oz of cannabis, indoor", Category: "Cannabis"})
	if !r.DrugOffer || r.Substances[0].Where != "title" {
		t.Errorf("TagFields cannabis: %+v", r)
	}
}

func TestLookupAndCanon(t *testing.T) {
	tg := Default()
	for _, c := range Canonical {
		got, ok := tg.Lookup(c.Name)
		if !ok || got != c {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v", c.Name, got, ok, c)
		}
		// every canonical substance is found by its own name
		r := tg.Tag(c.Name + " 1g")
		found := false
		for _, m := range r.Substances {
			found = found || m.Name == c.Name
		}
		if !found {
			t.Errorf("Tag(%q) misses canonical %q: %+v", c.Name+" 1g", c.Name, r.Substances)
		}
	}
	for term, want := range map[string]string{"4MMC": "mephedrone", "мефедрон": "mephedrone", "etonitazepyne": "n-pyrrolidino etonitazene", "Xanax": "alprazolam", "M30": "oxycodone"} {
		if got, ok := tg.Lookup(term); !ok || got.Name != want {
			t.Errorf("Lookup(%q) = %+v, %v; want %s", term, got, ok, want)
		}
	}
	subs, terms := tg.Size()
	if subs < 300 || terms < 2000 {
		t.Errorf("lexicon too small: %d substances, %d terms", subs, terms)
	}
	t.Logf("lexicon: %d substances, %d normalised terms", subs, terms)
}

func TestLexiconSources(t *testing.T) {
	for _, src := range []struct{ name, data string }{{"lexicon.tsv", lexiconCurated}, {"lexicon_gen.tsv", lexiconGenerated}} {
		rows, err := parseLexicon(src.name, src.data)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if c, ok := LookupCanon(r.canon.Name); ok && (c.Class != r.canon.Class || c.Family != r.canon.Family) {
				t.Errorf("%s: %q is %s/%s in the lexicon but %s/%s in canon.go", src.name, r.canon.Name, r.canon.Class, r.canon.Family, c.Class, c.Family)
			}
		}
	}
	if _, err := build("x\tbogus\t\t-\tx\tsrc\n", "", ""); err == nil {
		t.Error("unknown class accepted")
	}
	if _, err := build("x\topioid\t\t-\tx\t\n", "", ""); err == nil {
		t.Error("row without source accepted")
	}
}

func TestConcurrent(t *testing.T) {
	tg := Default()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, tc := range golden {
				if got := render(tg.Tag(tc.in)); got != tc.want {
					t.Errorf("concurrent Tag(%q) = %q", tc.in, got)
				}
			}
		}()
	}
	wg.Wait()
}

func FuzzTag(f *testing.F) {
	for _, tc := range golden {
		f.Add(tc.in)
	}
	f.Add("\xff\xfe4-mmc\x00ice 1g")
	f.Add(strings.Repeat("İ", 50) + " 10g ice")
	f.Add("Heroin #4 (H) Fentanyl-free, tested. no fent 1g 'Xanax' bars, stronger than morphine")
	f.Add("Изотонитазен (изо) 1 г клад, не фентанил")
	tg := Default()
	f.Fuzz(func(t *testing.T, s string) {
		r := tg.Tag(s)
		for _, m := range r.Substances {
			if m.Start < 0 || m.End > len(s) || m.Start > m.End {
				t.Fatalf("bad span %d:%d for len %d", m.Start, m.End, len(s))
			}
			if m.Name == "" || m.Class == "" {
				t.Fatalf("empty name/class: %+v", m)
			}
			if m.Confidence <= 0 || m.Confidence > 1 {
				t.Fatalf("confidence %v", m.Confidence)
			}
		}
		if r.Score < 0 || r.Score > 1 {
			t.Fatalf("score %v", r.Score)
		}
		// the same text split into title and description (negation cues differ per field)
		i := len(s) / 3
		fields := Fields{Title: s[:i], Description: s[i:], Category: s[:i/2]}
		for _, m := range tg.TagFields(fields).Substances {
			text := map[string]string{"title": fields.Title, "description": fields.Description, "category": fields.Category, "context": fields.Title}[m.Where]
			if m.Start < 0 || m.End > len(text) || m.Start > m.End {
				t.Fatalf("bad span %d:%d in %s of len %d", m.Start, m.End, m.Where, len(text))
			}
		}
		_ = utf8.ValidString(s)
	})
}

// benchText is drug-market-like text: the DNM titles when available, else the golden lines.
func benchText(b *testing.B) string {
	var sb strings.Builder
	if dir := os.Getenv("DARKWATCH_SHARED"); dir != "" || true {
		if rows := tryDNM(b); len(rows) > 0 {
			for i, r := range rows {
				if i >= 200 { // the regexp baseline is ~10^4 times slower: keep the run short
					break
				}
				sb.WriteString(r)
				sb.WriteByte('\n')
			}
			return sb.String()
		}
	}
	for sb.Len() < 200_000 {
		for _, tc := range golden {
			sb.WriteString(tc.in)
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

func tryDNM(b *testing.B) (titles []string) {
	defer func() { _ = recover() }()
	sub := &testing.T{}
	_ = sub
	path := ""
	wd, _ := os.Getwd()
	for d := wd; d != "/" && d != "."; d = dirOf(d) {
		if fi, err := os.Stat(d + "/shared/data/dnm-2017-denton"); err == nil && fi.IsDir() {
			path = d + "/shared/data/dnm-2017-denton/D&C_-_stims_-_cocaine_-_20170420.csv"
			break
		}
	}
	if env := os.Getenv("DARKWATCH_SHARED"); env != "" {
		path = env + "/dnm-2017-denton/D&C_-_stims_-_cocaine_-_20170420.csv"
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		for i, c := range data {
			if c == '\r' || c == '\n' {
				return i + 1, data[:i], nil
			}
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	for sc.Scan() {
		if l := sc.Text(); l != "" {
			titles = append(titles, l)
		}
	}
	return titles
}

func dirOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// alternationRegexp is the baseline: one case-insensitive regexp alternation of every lexicon
// term with word boundaries, the obvious way to write a tagger.
func alternationRegexp(b *testing.B) *regexp.Regexp {
	var terms []string
	for _, src := range []string{lexiconCurated, lexiconGenerated} {
		rows, err := parseLexicon("x", src)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			for _, t := range append([]string{r.canon.Name}, r.terms...) {
				terms = append(terms, regexp.QuoteMeta(t))
			}
		}
	}
	sort.Slice(terms, func(i, j int) bool { return len(terms[i]) > len(terms[j]) })
	return regexp.MustCompile(`(?i)\b(?:` + strings.Join(terms, "|") + `)\b`)
}

func BenchmarkTagger(b *testing.B) {
	text := benchText(b)
	lines := strings.Split(text, "\n")
	tg := Default()
	re := alternationRegexp(b)
	// the baseline, timed once up front so the ratio is reported on the tagger's own line
	reStart := time.Now()
	const rePasses = 3
	for range rePasses {
		for _, l := range lines {
			re.FindAllStringIndex(l, -1)
		}
	}
	rePass := float64(time.Since(reStart).Nanoseconds()) / rePasses
	b.Run("aho-corasick", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			for _, l := range lines {
				tg.Tag(l)
			}
		}
		if ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N); ns > 0 {
			b.ReportMetric(rePass/ns, "x_faster_than_regexp")
		}
	})
	b.Run("regexp-alternation", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			for _, l := range lines {
				re.FindAllStringIndex(l, -1)
			}
		}
	})
}

// TestResolveOverlapsLinear: the overlap resolution compares each hit with a bounded number
// of kept hits. Repeated terms ("ice ice ice ...") once made it quadratic. Counted steps,
// not time: BenchmarkTagLinear shows the whole tagger's growth.
func TestResolveOverlapsLinear(t *testing.T) {
	for _, tc := range []struct {
		name string
		unit []hit // hits of one repetition, offsets within it
		span int   // the repetition's length in bytes
	}{
		{"disjoint terms (ice ice ice)", []hit{{start: 0, end: 3}}, 4},
		{"nested terms (crystal meth)", []hit{{start: 0, end: 12}, {start: 0, end: 7}, {start: 8, end: 12}}, 13},
		{"chained overlaps (5f-adb-5f-adb)", []hit{{start: 0, end: 6}, {start: 3, end: 9}}, 7},
		{"one field each", []hit{{start: 0, end: 3, field: 0}, {start: 0, end: 3, field: 1}}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, reps := range []int{1_000, 10_000} {
				hs := make([]hit, 0, reps*len(tc.unit))
				for r := range reps {
					for _, h := range tc.unit {
						h.start += r * tc.span
						h.end += r * tc.span
						hs = append(hs, h)
					}
				}
				n := len(hs)
				if _, steps := resolveOverlapsSteps(hs); steps > 3*n {
					t.Errorf("%d hits: %d comparisons, want at most %d (linear)", n, steps, 3*n)
				}
			}
		})
	}
}

// BenchmarkTagLinear reports how much longer ten times the text takes to tag (ratio ~10 when
// tagging is linear, ~100 when quadratic), for texts of repeated terms, the case that once
// made the overlap resolution quadratic.
func BenchmarkTagLinear(b *testing.B) {
	tg := Default()
	for _, unit := range []string{"ice ", "m30 ", "5f-adb-", "crystal meth ", "2c-b-", "4-fluoro "} {
		small := strings.Repeat(unit, 40_000/len(unit))
		large := strings.Repeat(unit, 400_000/len(unit))
		b.Run(strings.TrimSpace(unit), func(b *testing.B) {
			var ds, dl time.Duration
			for b.Loop() {
				st := time.Now()
				tg.Tag(small)
				ds += time.Since(st)
				st = time.Now()
				tg.Tag(large)
				dl += time.Since(st)
			}
			b.ReportMetric(float64(dl)/float64(ds), "large/small")
		})
	}
}

// TestContextRules covers the category and dose-form rules (context.go): the class-only name,
// its class and where the evidence came from.
func TestContextRules(t *testing.T) {
	tg := Default()
	for _, tc := range []struct {
		name string
		f    Fields
		want string // "name/class/where" of the first substance, or "-"
	}{
		{"named wins over category", Fields{Title: "Mephedrone 4-MMC 10g", Category: "Drugs > Ecstasy > MDMA"}, "mephedrone/stimulant/title"},
		{"clear category, nothing named", Fields{Title: "Hydromorph 12mg x 10", Category: "Drugs & Chemicals > Opioids > Other"}, "opioid/opioid/category"},
		{"german category", Fields{Title: "Sample 10 Stück", Category: "Drogen > Psychedelika"}, "psychedelic/psychedelic/category"},
		{"russian category", Fields{Title: "Товар 1 г", Category: "Наркотики > Стимуляторы"}, "stimulant/stimulant/category"},
		{"deepest segment wins", Fields{Title: "Special K 5g", Category: "Drugs > Dissociatives > Ketamine"}, "ketamine/dissociative/title"},
		{"ambiguous word yields to category", Fields{Title: "Cinnamon Toast Crunch Bars 500mg", Category: "Cannabis & Hashish > Edibles"}, "cannabis/cannabis/category"},
		{"ambiguous word of the category's class stays", Fields{Title: "Xanax bars 2mg x 10", Category: "Benzos > Pills"}, "alprazolam/benzodiazepine/title"},
		{"vague category, no class", Fields{Title: "Mystery item 10g", Category: "Drugs > Other"}, "-"},
		{"non-drug category", Fields{Title: "Fresh fullz 10x", Category: "Fraud > Personal information"}, "-"},
		{"blotter dose", Fields{Title: "100x Team Trust 110ug tabs"}, "psychedelic/psychedelic/context"},
		{"blotter print", Fields{Title: "25 tabs Pelican Print"}, "psychedelic/psychedelic/context"},
		{"edible", Fields{Title: "Gummy Paws 300mg"}, "cannabis/cannabis/context"},
		{"injectable", Fields{Title: "Genesis Bolde 250mg 10x1ml ampoules"}, "boldenone/steroid/title"},
		{"injectable unnamed", Fields{Title: "Pharma 300mg 10 vials"}, "anabolic steroid/steroid/context"},
		{"seeds", Fields{Title: "Money Bush 10 seeds"}, "cannabis/cannabis/title"},
		{"flower by the ounce", Fields{Title: "1 Ounce of Shiska Berry"}, "cannabis/cannabis/title"},
		{"unnamed ounce", Fields{Title: "2 oz Purple Euphoria"}, "cannabis/cannabis/context"},
		{"ecstasy press", Fields{Title: "10 x Tomorrowlands 240mg"}, "empathogen/empathogen/context"},
		{"small dose is no press", Fields{Title: "50x Orange 2mg"}, "-"},
		{"trade name", Fields{Title: "Naposim 100 tabs 5 mg"}, "methandrostenolone/steroid/title"},
		{"z-drug", Fields{Title: "Zopiclone 7.5mg x 28"}, "zopiclone/depressant/title"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tg.TagFields(tc.f)
			got := "-"
			if len(r.Substances) > 0 {
				m := r.Substances[0]
				got = m.Name + "/" + m.Class + "/" + m.Where
				text := tc.f.Title
				if m.Where == "category" {
					text = tc.f.Category
				}
				if m.End <= m.Start || m.End > len(text) || strings.ToLower(text[m.Start:m.End]) != m.Term {
					t.Errorf("span %d:%d term %q does not match %q", m.Start, m.End, m.Term, text)
				}
			}
			if got != tc.want {
				t.Errorf("TagFields(%+v) = %s (%+v), want %s", tc.f, got, r.Substances, tc.want)
			}
			if got != "-" && !r.DrugOffer {
				t.Errorf("not a drug offer: %+v", r)
			}
		})
	}
	if !tg.Generic("opioid") || !tg.Generic("benzodiazepine") || tg.Generic("cannabis") || tg.Generic("heroin") {
		t.Errorf("Generic: opioid %v benzodiazepine %v cannabis %v heroin %v",
			tg.Generic("opioid"), tg.Generic("benzodiazepine"), tg.Generic("cannabis"), tg.Generic("heroin"))
	}
}

// BenchmarkTaggerContext measures what the category path costs: tagging DNM titles with their
// category path ("Drugs & Chemicals > Benzos > Pills") against tagging the titles alone, both
// passes interleaved in each iteration so machine load hits both sides alike. It reports the
// ratio (context_cost_x, the goal is <= 1.3).
func BenchmarkTaggerContext(b *testing.B) {
	rows := loadDNM(b)
	step := max(1, len(rows)/4000)
	var fs []Fields
	for i := 0; i < len(rows); i += step {
		fs = append(fs, Fields{Title: rows[i].title, Category: rows[i].category})
	}
	tg := Default()
	var title, ctx time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		for _, f := range fs {
			tg.TagFields(Fields{Title: f.Title})
		}
		t1 := time.Now()
		for _, f := range fs {
			tg.TagFields(f)
		}
		title += t1.Sub(t0)
		ctx += time.Since(t1)
	}
	if title > 0 {
		b.ReportMetric(float64(ctx)/float64(title), "context_cost_x")
	}
}
