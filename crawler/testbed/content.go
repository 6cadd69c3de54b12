package testbed

// product is one kind of thing a vendor sells. Titles and descriptions are templates; %s
// fields are filled with a strength or a brand word. subs are canonical substance names
// (extract/substance/canon.go) contained in the product; empty for non-drug listings.
type product struct {
	key      string
	subs     []string
	drug     bool
	unit     string    // g, pill, tab, blotter, unit
	tiers    []float64 // quantities for the offers (in unit)
	usd      float64   // USD per 1 unit at the first tier
	cat      string    // classic-market leaf category key (see categories)
	titles   []string
	descs    []string
	ruTitle  string // Russian title (shop market); "" = not sold there
	novelish bool   // candidate for "first appearance on a market" on day >= 2
}

// catalog: synthetic drugs first, then classic drugs, then non-drug listings that mention
// drug words.
var catalog = []product{
	{key: "m30", subs: []string{"fentanyl"}, drug: true, unit: "pill", tiers: []float64{10, 50, 100}, usd: 9, cat: "opioids",
		titles: []string{"💊 M30 Blues pressed - 10/50/100 - fent inside", "M30 blues (pressed w/ fentanyl) STEALTH", "🔵 Blues M30 - fentanyl press - fast ship", "Pressed M30 'blues' fentanyl 100pcs"},
		descs:  []string{"Pressed M30 blues. These are NOT pharma, they contain fentanyl. Dose with care, use test strips, never use alone.", "Blue M30 press made with fentanyl, consistent batch, lab tested for strength. Naloxone recommended."}},
	{key: "fent-powder", subs: []string{"fentanyl"}, drug: true, unit: "g", tiers: []float64{0.5, 1, 5}, usd: 90, cat: "opioids",
		titles: []string{"Fentanyl HCl powder 98% pure", "China white fent powder - fentanyl HCL", "Fentanil (fentanyl) powder - potent - EU stock"},
		descs:  []string{"Fentanyl hydrochloride, white powder. Extremely potent: measure in micrograms.", "Fent HCl, reagent tested. Only for experienced buyers, we are not responsible."}},
	{key: "carfent", subs: []string{"carfentanil"}, drug: true, unit: "g", tiers: []float64{0.1, 0.5, 1}, usd: 400, cat: "opioids",
		titles: []string{"Carfentanil 1% mix - ultra potent", "carfent - carfentanil powder - research only"}, novelish: true,
		descs: []string{"Carfentanil diluted 1:100. Not for human consumption. Extremely dangerous."}},
	{key: "acetylfent", subs: []string{"acetylfentanyl"}, drug: true, unit: "g", tiers: []float64{1, 5, 10}, usd: 60, cat: "opioids",
		titles: []string{"Acetylfentanyl powder high purity", "acetyl fentanyl - acetylfentanyl HCl"},
		descs:  []string{"Acetylfentanyl, fentanyl analogue. Research chemical."}},
	{key: "isotonit", subs: []string{"isotonitazene"}, drug: true, unit: "g", tiers: []float64{0.5, 1, 5}, usd: 150, cat: "rcs", novelish: true,
		titles: []string{"Isotonitazene (iso) powder 99%", "ISO - isotonitazene - nitazene RC"},
		descs:  []string{"Isotonitazene, a nitazene opioid many times stronger than morphine. Handle with gloves."}, ruTitle: "Изотонитазен (изо)"},
	{key: "metonit", subs: []string{"metonitazene"}, drug: true, unit: "g", tiers: []float64{0.5, 1, 5}, usd: 140, cat: "rcs", novelish: true,
		titles: []string{"Metonitazene powder - new batch", "metonitazine (metonitazene) 1g", "🧪 Metonitazene HCl"},
		descs:  []string{"Metonitazene, benzimidazole opioid. Sold as research chemical only."}, ruTitle: "Метонитазен"},
	{key: "protonit", subs: []string{"protonitazene"}, drug: true, unit: "g", tiers: []float64{0.5, 1, 2}, usd: 160, cat: "rcs", novelish: true,
		titles: []string{"Protonitazene - proto - 99.5%", "protonitazene HCl research chem"},
		descs:  []string{"Protonitazene (proto). Potent nitazene. Small doses only."}},
	{key: "npe", subs: []string{"n-pyrrolidino etonitazene"}, drug: true, unit: "g", tiers: []float64{0.25, 0.5, 1}, usd: 220, cat: "rcs", novelish: true,
		titles: []string{"N-pyrrolidino etonitazene (etonitazepyne)", "Etonitazepyne / N-pyrrolidino etonitazene"},
		descs:  []string{"N-pyrrolidino etonitazene, also called etonitazepyne. Extremely potent."}},
	{key: "3mmc", subs: []string{"3-mmc"}, drug: true, unit: "g", tiers: []float64{1, 5, 10, 25}, usd: 18, cat: "stimulants",
		titles: []string{"3-MMC crystals top quality", "3mmc - 3-methylmethcathinone - shards", "✨ 3 MMC chunks NL"},
		descs:  []string{"3-MMC big crystals, dutch production. Great for parties."}, ruTitle: "3-ММС кристаллы"},
	{key: "4mmc", subs: []string{"mephedrone"}, drug: true, unit: "g", tiers: []float64{1, 5, 10}, usd: 20, cat: "stimulants",
		titles: []string{"Mephedrone (4-MMC) crystal", "meow meow mephedrone 4mmc", "Mefedron 4-MMC kristal"},
		descs:  []string{"Mephedrone aka 4-MMC, meow meow. Crystal form, strong and clean."}, ruTitle: "Мефедрон (меф) кристаллы"},
	{key: "apvp", subs: []string{"alpha-pvp"}, drug: true, unit: "g", tiers: []float64{1, 5, 10}, usd: 25, cat: "stimulants",
		titles: []string{"Alpha-PVP flakka crystals", "a-PVP (alpha-PVP) 1g/5g/10g"},
		descs:  []string{"Alpha-PVP, cathinone stimulant, crystal."}, ruTitle: "Альфа-PVP (соль, скорость)"},
	{key: "nep", subs: []string{"n-ethylpentylone"}, drug: true, unit: "g", tiers: []float64{1, 5, 10}, usd: 22, cat: "stimulants", novelish: true,
		titles: []string{"N-Ethylpentylone (NEP) crystals", "ephylone / n-ethylpentylone"},
		descs:  []string{"N-ethylpentylone crystal, cathinone. Lab tested."}},
	{key: "spice", subs: []string{"mdmb-4en-pinaca"}, drug: true, unit: "g", tiers: []float64{1, 5, 10}, usd: 30, cat: "cannabis",
		titles: []string{"MDMB-4en-PINACA powder (spice base)", "5cl / MDMB 4en PINACA synth cannabinoid", "K2 spice base MDMB-4en-PINACA"},
		descs:  []string{"MDMB-4en-PINACA synthetic cannabinoid powder for making spice. Very strong."}, ruTitle: "Спайс MDMB-4en-PINACA"},
	{key: "adbb", subs: []string{"adb-butinaca"}, drug: true, unit: "g", tiers: []float64{1, 5, 10}, usd: 35, cat: "cannabis", novelish: true,
		titles: []string{"ADB-BUTINACA powder 99%", "adb butinaca synth cannabinoid"},
		descs:  []string{"ADB-BUTINACA synthetic cannabinoid, new generation."}},
	{key: "fakexan", subs: []string{"bromazolam"}, drug: true, unit: "pill", tiers: []float64{10, 50, 100}, usd: 3, cat: "benzos",
		titles: []string{"Xanax bars 2mg (bromazolam press) 🍫", "Fake xanax - pressed with bromazolam - 100 bars", "'Xanax' yellow bars - bromazolam"},
		descs:  []string{"Pressed bars. NOT pharma: each bar is pressed with bromazolam, a designer benzo. Strong sedation.", "Yellow bars pressed with bromazolam 2mg. Do not mix with opioids or alcohol."}},
	{key: "etiz", subs: []string{"etizolam"}, drug: true, unit: "pill", tiers: []float64{20, 50, 100}, usd: 1.5, cat: "benzos",
		titles: []string{"Etizolam 1mg pellets", "etizolam blotters 2mg (etiz)"},
		descs:  []string{"Etizolam 1mg pellets, designer benzo, reliable."}},
	{key: "flualp", subs: []string{"flualprazolam"}, drug: true, unit: "pill", tiers: []float64{10, 25, 50}, usd: 2.5, cat: "benzos", novelish: true,
		titles: []string{"Flualprazolam 0.5mg pellets", "flualp pellets 0.5 mg"},
		descs:  []string{"Flualprazolam designer benzo pellets."}},
	{key: "meth", subs: []string{"methamphetamine"}, drug: true, unit: "g", tiers: []float64{1, 3.5, 7, 28}, usd: 40, cat: "stimulants",
		titles: []string{"Crystal meth - glass shards - 1g-28g", "ICE methamphetamine 💎 uncut", "Methamfetamin (meth) crystal"},
		descs:  []string{"Crystal methamphetamine, clear shards, very clean.", "Meth, glass like shards, fast stealth delivery."}, ruTitle: "Метамфетамин (первитин) кристаллы"},
	{key: "mdma", subs: []string{"mdma"}, drug: true, unit: "g", tiers: []float64{1, 5, 10, 50}, usd: 25, cat: "ecstasy",
		titles: []string{"MDMA crystal 84% champagne", "Molly - MDMA rocks 💎", "mdma kristall 1g-50g"},
		descs:  []string{"Champagne MDMA crystal, lab tested 84%."}, ruTitle: "МДМА кристаллы"},
	{key: "xtc", subs: []string{"mdma"}, drug: true, unit: "pill", tiers: []float64{10, 50, 100}, usd: 6, cat: "ecstasy",
		titles: []string{"🟣 Purple Tesla XTC 250mg MDMA", "Blue Punisher pills 240mg MDMA", "Ecstasy pills - Red Bull 220mg"},
		descs:  []string{"Ecstasy pills containing 250mg MDMA HCl. Start with half."}},
	{key: "coke", subs: []string{"cocaine"}, drug: true, unit: "g", tiers: []float64{1, 3.5, 7, 14, 28}, usd: 85, cat: "stimulants",
		titles: []string{"Peruvian cocaine 90% fishscale", "❄️ Colombian coke - uncut - 1g to 28g", "Kokain (cocaine) flake 1g", "Premium Bolivian cocaina"},
		descs:  []string{"Cocaine HCl, fishscale, straight from the brick. Uncut.", "Colombian cocaine, pure, vac sealed."}, ruTitle: "Кокаин VHQ"},
	{key: "keta", subs: []string{"ketamine"}, drug: true, unit: "g", tiers: []float64{1, 5, 10, 25}, usd: 30, cat: "dissociatives",
		titles: []string{"Ketamine needles (S-isomer)", "Special K - ketamine crystal", "ketamin shards 5g"},
		descs:  []string{"Ketamine HCl, needle shards, melt tested."}, ruTitle: "Кетамин"},
	{key: "lsd", subs: []string{"lsd"}, drug: true, unit: "blotter", tiers: []float64{10, 25, 100}, usd: 8, cat: "psychedelics",
		titles: []string{"LSD blotters 150ug 🌈", "Acid tabs (LSD-25) 200ug Hofmann print", "lsd 100mcg blotter x10"},
		descs:  []string{"LSD-25 on blotter paper, 150ug each, tested with Ehrlich reagent."}, ruTitle: "ЛСД марки 200мкг"},
	{key: "heroin", subs: []string{"heroin"}, drug: true, unit: "g", tiers: []float64{1, 5, 10}, usd: 70, cat: "opioids",
		titles: []string{"Afghan heroin #4 (H)", "brown heroin - dope - 1g"},
		descs:  []string{"Heroin #4, white afghan. Fentanyl-free, tested."}},
	{key: "weed", subs: []string{"cannabis"}, drug: true, unit: "g", tiers: []float64{3.5, 7, 28}, usd: 9, cat: "cannabis",
		titles: []string{"🌿 Gorilla Glue #4 buds indoor", "Amnesia Haze weed top shelf", "OG Kush cannabis flowers"},
		descs:  []string{"Indoor cannabis buds, properly cured, sticky."}, ruTitle: "Шишки Amnesia Haze"},
	{key: "speedball", subs: []string{"heroin", "cocaine"}, drug: true, unit: "g", tiers: []float64{1, 2, 5}, usd: 110, cat: "opioids",
		titles: []string{"Speedball kit - heroin + cocaine 50/50", "SPEEDBALL (H + coke) combo deal"},
		descs:  []string{"Combo: half heroin, half cocaine, packed separately."}},
	{key: "tranq", subs: []string{"fentanyl", "xylazine"}, drug: true, unit: "g", tiers: []float64{1, 3.5, 7}, usd: 60, cat: "opioids", novelish: true,
		titles: []string{"Tranq dope (fentanyl + xylazine) 1g", "tranq / fent-xylazine mix - philly style"},
		descs:  []string{"Fentanyl cut with xylazine (tranq). Naloxone does not reverse xylazine. Wound care needed."}},
	{key: "tusi", subs: []string{"ketamine", "mdma"}, drug: true, unit: "g", tiers: []float64{1, 5, 10}, usd: 45, cat: "ecstasy",
		titles: []string{"Tusi 💗 pink powder (keta + MDMA)", "Pink 'cocaine' tusi - ketamine/mdma mix"},
		descs:  []string{"Tusi pink powder: ketamine and MDMA with strawberry flavour. Contains no cocaine despite the street name."}},
	{key: "koks-de", subs: []string{"cocaine"}, drug: true, unit: "g", tiers: []float64{1, 5, 10}, usd: 80, cat: "stimulants",
		titles: []string{"Kokain 92% Peru - Versand aus Deutschland", "Cocaína pura 1g - envío Europa", "Kokaina 1g - najlepsza jakość", "Cocaïne pure 1g livraison rapide"},
		descs:  []string{"Reines Kokain, direkt vom Block. Versand diskret. / Pure cocaine, discreet shipping."}},
	// non-drug listings that mention drug words
	{key: "teststrips", drug: false, unit: "unit", tiers: []float64{10, 50}, usd: 1.2, cat: "paraphernalia",
		titles: []string{"Fentanyl test strips x10 (harm reduction)", "Nitazene + fentanyl test strips pack"},
		descs:  []string{"Harm reduction test strips to detect fentanyl or nitazenes in your supply. No drugs included."}},
	{key: "reagent", drug: false, unit: "unit", tiers: []float64{1, 3}, usd: 25, cat: "paraphernalia",
		titles: []string{"Reagent test kit Marquis/Mecke for MDMA & meth", "Ehrlich reagent kit (LSD testing)"},
		descs:  []string{"Reagent test kit. Tests MDMA, amphetamine and LSD samples. Kit only, no substances."}},
	{key: "guide", drug: false, unit: "unit", tiers: []float64{1}, usd: 15, cat: "guides",
		titles: []string{"GUIDE: how to spot fake xanax and pressed pills", "Cocaine purity guide (ebook PDF)", "Stealth shipping guide 2026"},
		descs:  []string{"Digital guide (PDF). Information only. Delivered instantly by message."}},
	{key: "cards", drug: false, unit: "unit", tiers: []float64{1, 5}, usd: 40, cat: "fraud",
		titles: []string{"CC fullz USA high balance", "Cashout method - PayPal logs", "Bank logs + email access"},
		descs:  []string{"Fresh logs, checked. Digital delivery. No refunds after delivery."}},
	{key: "docs", drug: false, unit: "unit", tiers: []float64{1}, usd: 300, cat: "documents",
		titles: []string{"Fake ID scan template (EU)", "Passport scan + selfie pack"},
		descs:  []string{"Digital documents for verification. Not physical."}},
	{key: "scale", drug: false, unit: "unit", tiers: []float64{1, 2}, usd: 20, cat: "paraphernalia",
		titles: []string{"Digital pocket scale 0.001g (for weed, coke, crystal)", "Vacuum sealer bags x100 - smell proof"},
		descs:  []string{"Paraphernalia only. Scales and bags, no drugs."}},
}

// category is a classic-market category (leaf).
type category struct {
	key    string
	parent string // top-level label
	label  string
}

var categories = []category{
	{"opioids", "Drugs", "Opioids"},
	{"rcs", "Drugs", "Research Chemicals"},
	{"stimulants", "Drugs", "Stimulants"},
	{"ecstasy", "Drugs", "Ecstasy"},
	{"benzos", "Drugs", "Benzos"},
	{"cannabis", "Drugs", "Cannabis"},
	{"dissociatives", "Drugs", "Dissociatives"},
	{"psychedelics", "Drugs", "Psychedelics"},
	{"paraphernalia", "Drugs Paraphernalia", "Test Kits & Paraphernalia"},
	{"guides", "Digital Goods", "Guides & Tutorials"},
	{"fraud", "Fraud", "Accounts & Logs"},
	{"documents", "Fraud", "Documents"},
}

func categoryByKey(k string) category {
	for _, c := range categories {
		if c.key == k {
			return c
		}
	}
	return categories[0]
}

// Russian shop market category labels per classic category key.
var ruCategory = map[string]string{
	"opioids": "Опиаты", "rcs": "Нитазены", "stimulants": "Стимуляторы", "ecstasy": "Эйфоретики",
	"benzos": "Бензодиазепины", "cannabis": "Шишки и спайс", "dissociatives": "Диссоциативы", "psychedelics": "Психоделики",
}

// shop categories per classic key.
var shopCategory = map[string]string{
	"opioids": "Pills & Opioids", "rcs": "Research Chemicals", "stimulants": "Stimulants", "ecstasy": "Party",
	"benzos": "Benzos", "cannabis": "Cannabis", "dissociatives": "Party", "psychedelics": "Psychedelics",
	"paraphernalia": "Extras", "guides": "Extras", "fraud": "Extras", "documents": "Extras",
}

// country is a shipping origin or destination.
type country struct {
	code string // ISO 3166-1 alpha-2, WW = worldwide
	name string
}

var countries = []country{
	{"US", "United States"}, {"NL", "Netherlands"}, {"DE", "Germany"}, {"GB", "United Kingdom"},
	{"CA", "Canada"}, {"AU", "Australia"}, {"FR", "France"}, {"ES", "Spain"}, {"PL", "Poland"},
	{"BE", "Belgium"}, {"CN", "China"}, {"IN", "India"}, {"CZ", "Czech Republic"},
}

var worldwide = country{"WW", "Worldwide"}

type ruCity struct {
	name      string
	districts []string
}

var ruCities = []ruCity{
	{"Москва", []string{"ЦАО", "САО", "ЮАО", "ВАО", "ЗАО", "Зеленоград"}},
	{"Санкт-Петербург", []string{"Адмиралтейский", "Василеостровский", "Выборгский", "Калининский"}},
	{"Екатеринбург", []string{"Верх-Исетский", "Ленинский", "Октябрьский"}},
	{"Новосибирск", []string{"Центральный", "Заельцовский", "Кировский"}},
	{"Казань", []string{"Вахитовский", "Советский"}},
}

// dead-drop (клад) types.
var ruDrops = []string{"магнит", "прикоп", "тайник", "закладка в подъезде"}

var handleA = []string{"dark", "blue", "white", "frost", "crypto", "silk", "north", "ghost", "pharma", "tony", "dutch", "euro", "candy", "lucky", "royal", "mister", "alpha", "neon", "snow", "green"}
var handleB = []string{"king", "labs", "direct", "connect", "express", "shop", "dealer", "chemist", "supply", "house", "bros", "market", "wolf", "panda", "fox", "plug", "store", "man", "crew", "team"}
var ruHandles = []string{"Шишкин_Лес", "ХимПром", "Белый_Кролик", "Кот_Матроскин", "Северный", "Лаборатория", "Улыбка", "ЧистыйКайф", "Барон", "Сибирь"}

var levels = []string{"Level 1", "Level 2", "Level 3", "Level 4", "Level 5", "Level 6"}
