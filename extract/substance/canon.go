package substance

// Classes (DESIGN.md §10).
const (
	ClassOpioid         = "opioid"
	ClassStimulant      = "stimulant"
	ClassEmpathogen     = "empathogen"
	ClassPsychedelic    = "psychedelic"
	ClassDissociative   = "dissociative"
	ClassCannabis       = "cannabis"
	ClassBenzodiazepine = "benzodiazepine"
	ClassDepressant     = "depressant"
	ClassSteroid        = "steroid"
	ClassOther          = "other"
)

// NPS families (DESIGN.md §10); empty for classic drugs.
const (
	FamilyFentanyl       = "fentanyl-analogue"
	FamilyNitazene       = "nitazene"
	FamilyCathinone      = "synthetic-cathinone"
	FamilyCannabinoid    = "synthetic-cannabinoid"
	FamilyBenzo          = "designer-benzodiazepine"
	FamilyPhenethylamine = "phenethylamine"
	FamilyTryptamine     = "tryptamine"
	FamilyArylcyclohex   = "arylcyclohexylamine"
	FamilyOtherNPS       = "other-nps"
)

// Canon is one canonical substance: the name every record and the testbed truth use.
type Canon struct {
	Name   string
	Class  string
	Family string
}

// Canonical is the seed list of canonical substances shared by the lexicon, the testbed and
// the tests. The lexicon may add more entries; it must not rename these.
var Canonical = []Canon{
	// opioids, classic
	{"heroin", ClassOpioid, ""},
	{"morphine", ClassOpioid, ""},
	{"oxycodone", ClassOpioid, ""},
	{"hydrocodone", ClassOpioid, ""},
	{"codeine", ClassOpioid, ""},
	{"methadone", ClassOpioid, ""},
	{"buprenorphine", ClassOpioid, ""},
	{"tramadol", ClassOpioid, ""},
	{"opium", ClassOpioid, ""},
	// fentanyl and analogues
	{"fentanyl", ClassOpioid, FamilyFentanyl},
	{"carfentanil", ClassOpioid, FamilyFentanyl},
	{"acetylfentanyl", ClassOpioid, FamilyFentanyl},
	{"furanylfentanyl", ClassOpioid, FamilyFentanyl},
	{"fluorofentanyl", ClassOpioid, FamilyFentanyl},
	{"acrylfentanyl", ClassOpioid, FamilyFentanyl},
	// nitazenes and other novel opioids
	{"isotonitazene", ClassOpioid, FamilyNitazene},
	{"metonitazene", ClassOpioid, FamilyNitazene},
	{"protonitazene", ClassOpioid, FamilyNitazene},
	{"etonitazene", ClassOpioid, FamilyNitazene},
	{"n-pyrrolidino etonitazene", ClassOpioid, FamilyNitazene},
	{"butonitazene", ClassOpioid, FamilyNitazene},
	{"brorphine", ClassOpioid, FamilyOtherNPS},
	{"u-47700", ClassOpioid, FamilyOtherNPS},
	// stimulants
	{"cocaine", ClassStimulant, ""},
	{"crack cocaine", ClassStimulant, ""},
	{"methamphetamine", ClassStimulant, ""},
	{"amphetamine", ClassStimulant, ""},
	{"methylphenidate", ClassStimulant, ""},
	{"modafinil", ClassStimulant, ""},
	{"2-fma", ClassStimulant, FamilyOtherNPS},
	// synthetic cathinones
	{"mephedrone", ClassStimulant, FamilyCathinone},
	{"3-mmc", ClassStimulant, FamilyCathinone},
	{"alpha-pvp", ClassStimulant, FamilyCathinone},
	{"mdpv", ClassStimulant, FamilyCathinone},
	{"3-cmc", ClassStimulant, FamilyCathinone},
	{"4-cmc", ClassStimulant, FamilyCathinone},
	{"n-ethylpentylone", ClassStimulant, FamilyCathinone},
	{"eutylone", ClassStimulant, FamilyCathinone},
	{"methylone", ClassEmpathogen, FamilyCathinone},
	// empathogens
	{"mdma", ClassEmpathogen, ""},
	{"mda", ClassEmpathogen, ""},
	// psychedelics
	{"lsd", ClassPsychedelic, ""},
	{"psilocybin mushrooms", ClassPsychedelic, ""},
	{"dmt", ClassPsychedelic, FamilyTryptamine},
	{"mescaline", ClassPsychedelic, ""},
	{"2c-b", ClassPsychedelic, FamilyPhenethylamine},
	{"25i-nbome", ClassPsychedelic, FamilyPhenethylamine},
	{"1p-lsd", ClassPsychedelic, FamilyOtherNPS},
	{"4-aco-dmt", ClassPsychedelic, FamilyTryptamine},
	{"1v-lsd", ClassPsychedelic, FamilyOtherNPS},
	{"2c-t-7", ClassPsychedelic, FamilyPhenethylamine},
	{"25n-nbome", ClassPsychedelic, FamilyPhenethylamine},
	{"4-aco-met", ClassPsychedelic, FamilyTryptamine},
	// dissociatives
	{"ketamine", ClassDissociative, ""},
	{"pcp", ClassDissociative, ""},
	{"methoxetamine", ClassDissociative, FamilyArylcyclohex},
	{"2-fdck", ClassDissociative, FamilyArylcyclohex},
	{"3-meo-pcp", ClassDissociative, FamilyArylcyclohex},
	{"3-meo-pce", ClassDissociative, FamilyArylcyclohex},
	// cannabis, natural and synthetic
	{"cannabis", ClassCannabis, ""},
	{"hashish", ClassCannabis, ""},
	{"thc", ClassCannabis, ""},
	{"mdmb-4en-pinaca", ClassCannabis, FamilyCannabinoid},
	{"adb-butinaca", ClassCannabis, FamilyCannabinoid},
	{"5f-mdmb-pica", ClassCannabis, FamilyCannabinoid},
	{"4f-mdmb-binaca", ClassCannabis, FamilyCannabinoid},
	{"jwh-018", ClassCannabis, FamilyCannabinoid},
	{"synthetic cannabinoid", ClassCannabis, FamilyCannabinoid},
	// benzodiazepines, classic and designer
	{"alprazolam", ClassBenzodiazepine, ""},
	{"diazepam", ClassBenzodiazepine, ""},
	{"clonazepam", ClassBenzodiazepine, ""},
	{"lorazepam", ClassBenzodiazepine, ""},
	{"bromazolam", ClassBenzodiazepine, FamilyBenzo},
	{"etizolam", ClassBenzodiazepine, FamilyBenzo},
	{"flualprazolam", ClassBenzodiazepine, FamilyBenzo},
	{"clonazolam", ClassBenzodiazepine, FamilyBenzo},
	{"flubromazolam", ClassBenzodiazepine, FamilyBenzo},
	{"desalkylgidazepam", ClassBenzodiazepine, FamilyBenzo},
	{"flunitrazolam", ClassBenzodiazepine, FamilyBenzo},
	// depressants and others
	{"ghb", ClassDepressant, ""},
	{"gbl", ClassDepressant, ""},
	{"zolpidem", ClassDepressant, ""},
	{"xylazine", ClassDepressant, FamilyOtherNPS},
	{"pregabalin", ClassDepressant, ""},
	// steroids
	{"testosterone", ClassSteroid, ""},
	{"nandrolone", ClassSteroid, ""},
	{"trenbolone", ClassSteroid, ""},
	{"oxandrolone", ClassSteroid, ""},
	// other prescription
	{"sildenafil", ClassOther, ""},
}

// LookupCanon returns the canonical entry for a canonical name.
func LookupCanon(name string) (Canon, bool) {
	for _, c := range Canonical {
		if c.Name == name {
			return c, true
		}
	}
	return Canon{}, false
}
