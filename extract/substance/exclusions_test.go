package substance

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var (
	rePlaceholder = regexp.MustCompile(`(?i)tip jar|\btips? for\b|\btip\b.*\b(service|thanks)|shipping fee|(missed|forgotten|extra|missing) postage|^\W*postage|invitation|free pass|lottery|donation`)
	reNonDrug     = regexp.MustCompile(`(?i)\b(e-?books?|gift cards?|rolling papers|papers x|grow light|battery|charger|stylus|wallet|sim ?card|vodka|whisky|cyanide|lidocaine|benzocaine|procaine|caffeine|oil burner|glass pipe|meth pipe|cig lighter pipe|silicone jar|watering device|synthesis guide|synthesis\.|easy guide)\b`)
)

// TestGenExclusions proposes the label-noise candidates of testdata/dnm_exclusions.tsv by
// three mechanical rules (the file's header): GEN_EXCL=1 writes them to $TMPDIR/excl.tsv.
// Each candidate is then read by hand: a row where the tagger, not the label, is wrong is
// fixed in the lexicon or left in the evaluation, never excluded.
func TestGenExclusions(t *testing.T) {
	if os.Getenv("GEN_EXCL") == "" {
		t.Skip("GEN_EXCL=1 proposes exclusion candidates")
	}
	rows := loadDNM(t)
	var out []string
	n := map[string]int{}
	for _, r := range rows {
		if !r.want.drug {
			continue
		}
		res := Default().TagFields(Fields{Title: r.title})
		var named []Match
		for _, m := range res.Substances {
			if m.Confidence >= 1 && m.Where == "title" {
				named = append(named, m)
			}
		}
		reason := ""
		switch {
		case rePlaceholder.MatchString(r.title) && len(named) == 0:
			reason = "not a product: " + strings.ToLower(rePlaceholder.FindString(r.title)) + " (tip jar, fee, market invitation, lottery)"
		case reNonDrug.MatchString(r.title) && len(named) == 0:
			reason = "not a drug offer: " + strings.ToLower(reNonDrug.FindString(r.title)) + " (goods, guide or a substance the lexicon skips on purpose)"
		case r.want.class != "" && len(named) == 1 && named[0].Class != r.want.class && crossFiling(named[0], r.want.class) == "":
			reason = fmt.Sprintf("title names %s (%s), filed under %s", named[0].Name, named[0].Class, r.label)
		}
		if reason != "" {
			n[reason[:min(16, len(reason))]]++
			out = append(out, r.label+"\t"+r.title+"\t"+reason)
		}
	}
	sort.Strings(out)
	t.Logf("%d candidates of %d rows: %v", len(out), len(rows), n)
	_ = os.WriteFile(os.TempDir()+"/excl.tsv", []byte(strings.Join(out, "\n")+"\n"), 0o644)
}

// crossFiling names the filing conventions markets follow that are not label noise.
func crossFiling(m Match, label string) string {
	switch {
	case m.Family == FamilyCathinone && (label == ClassEmpathogen || label == ClassStimulant):
		return "cathinones span empathogen and stimulant sections"
	case m.Class == ClassDepressant && label == ClassBenzodiazepine:
		return "z-drugs and other sedatives in benzo sections"
	case m.Class == ClassEmpathogen && label == ClassStimulant:
		return "benzofurans and MDMA analogues in stimulant sections"
	case m.Class == ClassStimulant && label == ClassEmpathogen:
		return "amphetamines in ecstasy sections"
	}
	return ""
}
