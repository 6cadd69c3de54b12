package substance

import "testing"

// TestMorph: substances no lexicon lists, recognised by the shape of their names, and words
// of the same shapes that are not substances.
func TestMorph(t *testing.T) {
	tg := Default()
	for _, tc := range []struct {
		in               string
		name, class, fam string // want; name "" = no substance
		term             string
	}{
		{"250G 4-Fluoro isobutyrfentanyl (4-FIBF)", "4-fluoroisobutyrfentanyl", ClassOpioid, FamilyFentanyl, "4-fluoro isobutyrfentanyl"},
		{"1 gram 4F-Isobutyrfentanyl 99% pure", "4-fluoroisobutyrfentanyl", ClassOpioid, FamilyFentanyl, "4f-isobutyrfentanyl"},
		{"5g Thiofentanyl 99,8% pure", "thiofentanyl", ClassOpioid, FamilyFentanyl, "thiofentanyl"},
		{"para-chloroisobutyrfentanyl 10g", "4-chloroisobutyrfentanyl", ClassOpioid, FamilyFentanyl, "para-chloroisobutyrfentanyl"},
		{"heroin-cyclopentylfentanil 1g", "cyclopentylfentanil", ClassOpioid, FamilyFentanyl, "cyclopentylfentanil"},
		{"ethyleneoxynitazene 1g", "ethyleneoxynitazene", ClassOpioid, FamilyNitazene, "ethyleneoxynitazene"},
		{"U-48800 5g", "u-48800", ClassOpioid, FamilyOtherNPS, "u-48800"},
		{"5-F-ADB-FUB powder 1kg", "5f-adb-fub", ClassCannabis, FamilyCannabinoid, "5-f-adb-fub"},
		{"NM-2201 5 gram", "nm-2201", ClassCannabis, FamilyCannabinoid, "nm-2201"},
		{"5f-NPB-22 250g", "5f-npb-22", ClassCannabis, FamilyCannabinoid, "5f-npb-22"},
		{"MDMB-5Br-BUTINACA 10g", "mdmb-5br-butinaca", ClassCannabis, FamilyCannabinoid, "mdmb-5br-butinaca"},
		{"Fluetizolam 500mg", "fluetizolam", ClassBenzodiazepine, FamilyBenzo, "fluetizolam"},
		{"Gidazolam pellets 0.25mg x50", "gidazolam", ClassBenzodiazepine, FamilyBenzo, "gidazolam"},
		{"4-CEC 100g", "4-cec", ClassStimulant, FamilyCathinone, "4-cec"},
		{"4CEC 5g from Poland", "4-cec", ClassStimulant, FamilyCathinone, "4cec"},
		{"100g 4-CPrC", "4-cprc", ClassStimulant, FamilyCathinone, "4-cprc"},
		{"A-PPP DOMESTIC 1g", "a-ppp", ClassStimulant, FamilyCathinone, "a-ppp"},
		{"1000g 4F-PV8 Crystal", "4f-pv8", ClassStimulant, FamilyCathinone, "4f-pv8"},
		{"4-methyl-PHP 100g", "4-methyl-php", ClassStimulant, FamilyCathinone, "4-methyl-php"},
		{"N-Ethyl-Penthylone 2 Gram", "n-ethylpenthylone", ClassStimulant, FamilyCathinone, "n-ethyl-penthylone"},
		{"Isohexedrone 10g", "isohexedrone", ClassStimulant, FamilyCathinone, "isohexedrone"},
		{"bk-EPDP 5g", "bk-epdp", ClassStimulant, FamilyCathinone, "bk-epdp"},
		{"Diethylpropion 75mg x30", "diethylpropion", ClassStimulant, FamilyCathinone, "diethylpropion"},
		{"Bupropion 150mg", "", "", "", ""},
		{"Diethylphenidate 25g", "diethylphenidate", ClassStimulant, FamilyOtherNPS, "diethylphenidate"},
		{"2C-T-33 20mg x10", "2c-t-33", ClassPsychedelic, FamilyPhenethylamine, "2c-t-33"},
		{"25CN-NBOH blotters 500ug", "25cn-nboh", ClassPsychedelic, FamilyPhenethylamine, "25cn-nboh"},
		{"4-AcO-MALT 1g", "4-aco-malt", ClassPsychedelic, FamilyTryptamine, "4-aco-malt"},
		{"1D-LSD 150ug blotters", "1d-lsd", ClassPsychedelic, FamilyOtherNPS, "1d-lsd"},
		{"3-F-PCP 1g", "3-f-pcp", ClassDissociative, FamilyArylcyclohex, "3-f-pcp"},
		{"Fluorexetamine 5g", "fluorexetamine", ClassDissociative, FamilyArylcyclohex, "fluorexetamine"},
		// same shapes, not substances
		{"PHP script 2017 nulled", "", "", "", ""},
		{"2C-Plus USB adapter", "", "", "", ""},
		{"2C-TFM 10mg", "2c-tfm", ClassPsychedelic, FamilyPhenethylamine, "2c-tfm"},
		{"PVP gaming account", "", "", "", ""},
		{"Rolex replica 40mm", "", "", "", ""},
		{"Windows 10 pro key", "", "", "", ""},
		{"AB-CD 12 sheets", "", "", "", ""},
		{"1U 2-post rack 19 inch", "", "", "", ""},
		{"PV-10 solar panel 100W", "", "", "", ""}, // a bare PV code needs drug context
		{"PV-10 hcl 2g", "pv-10", ClassStimulant, FamilyCathinone, "pv-10"},
	} {
		r := tg.Tag(tc.in)
		var got *Match
		for i := range r.Substances {
			if r.Substances[i].Confidence == morphConfidence || r.Substances[i].Name == tc.name {
				got = &r.Substances[i]
				break
			}
		}
		switch {
		case tc.name == "" && got != nil:
			t.Errorf("Tag(%q) = %s (%q), want no shape match", tc.in, got.Name, got.Term)
		case tc.name == "":
		case got == nil:
			t.Errorf("Tag(%q): no match, want %s", tc.in, tc.name)
		case got.Name != tc.name || got.Class != tc.class || got.Family != tc.fam || got.Term != tc.term:
			t.Errorf("Tag(%q) = %s %s/%s %q, want %s %s/%s %q", tc.in, got.Name, got.Class, got.Family, got.Term, tc.name, tc.class, tc.fam, tc.term)
		case tc.in[got.Start:got.End] == "":
			t.Errorf("Tag(%q): empty span", tc.in)
		}
	}
}

// TestMorphLexiconWins: a name the lexicon lists keeps its lexicon entry and confidence.
func TestMorphLexiconWins(t *testing.T) {
	tg := Default()
	for in, want := range map[string]string{"Furanyl-fentanyl 1g": "furanylfentanyl", "3-CMC 10g": "3-cmc", "Etizolam 1mg x100": "etizolam", "2C-B 20mg": "2c-b"} {
		r := tg.Tag(in)
		if len(r.Substances) != 1 || r.Substances[0].Name != want || r.Substances[0].Confidence != 1 {
			t.Errorf("Tag(%q) = %+v, want only %s at confidence 1", in, r.Substances, want)
		}
	}
}

// TestLookupShape: Lookup answers for names the lexicon lacks by their shape, as Tag does.
func TestLookupShape(t *testing.T) {
	tg := Default()
	for in, want := range map[string]Canon{
		"Isobutyrfentanyl": {"isobutyrfentanyl", ClassOpioid, FamilyFentanyl},
		"4-CEC":            {"4-cec", ClassStimulant, FamilyCathinone},
		"5F-ADB-FUB":       {"5f-adb-fub", ClassCannabis, FamilyCannabinoid},
		"4-fibf":           {"4-fluoroisobutyrfentanyl", ClassOpioid, FamilyFentanyl},
	} {
		if got, ok := tg.Lookup(in); !ok || got != want {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v", in, got, ok, want)
		}
	}
	for _, in := range []string{"replica", "php", "windows 10", "stainless steel"} {
		if got, ok := tg.Lookup(in); ok {
			t.Errorf("Lookup(%q) = %+v, want not found", in, got)
		}
	}
}
